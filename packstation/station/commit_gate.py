"""A scan's frame is drawn while its COMMIT runs, and shown only once the COMMIT returned.

The worker decides a scan and writes its rows, then hands the new state to the UI with a
`CommitGate` and commits. The UI draws that state meanwhile (its CPU and the fsync overlap:
SQLite and psycopg let go of the GIL for the COMMIT), and every frame it composes while a
gate is open waits at the terminal for the gate: written if the commit went through,
dropped if it failed (the worker then sends the unchanged state with "not recorded", and
the whole screen is drawn again). So a packer never sees a scan that is not recorded,
and waits for the longer of drawing and committing, not for both.

A commit slower than `WAIT_S` (a PostgreSQL server far away, a disk stalled) does not hold
the UI loop: the frame is dropped, and the whole screen is drawn again when the worker
says the commit is done.
"""

from __future__ import annotations

import threading

__all__ = ["WAIT_S", "CommitGate"]

#: Longest the UI loop waits at a frame for a commit before it drops the frame.
WAIT_S = 0.02


class CommitGate:
    """One decision's commit, as the UI's frames see it."""

    __slots__ = ("_done", "_lock", "held", "ok")

    def __init__(self) -> None:
        self._done = threading.Event()
        self._lock = threading.Lock()
        #: None while the commit runs; then whether it went through.
        self.ok: bool | None = None
        #: A frame was dropped while the commit ran (later frames do not wait again).
        self.held = False

    def resolve(self, ok: bool) -> None:
        """The worker's commit ended (`ok`: it went through)."""
        with self._lock:
            self.ok = ok
            self._done.set()

    def passes(self, timeout: float = WAIT_S) -> bool:
        """Whether a frame composed now may be shown: waits up to `timeout` for the commit
        (not again once a frame was dropped for it). False: drop the frame."""
        if self.ok is None and not self.held:
            self._done.wait(timeout)
        with self._lock:
            if self.ok is None:
                self.held = True
            return self.ok is True
