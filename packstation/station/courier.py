"""The worker's results reach the UI through a thread of their own, in order.

Why not post them from the worker: posting wakes the UI loop through a socket write, and
that write lets go of the interpreter's lock. The UI thread takes it and draws the scan's
result (2-3 ms) while the worker, with its COMMIT still to issue, waits for the lock: the
COMMIT (and so the frame, which waits for it: `commit_gate.py`) starts only once the UI
stops. `benchmarks/scan_latency.py` caught scans waiting 2-3 ms there. Handing the result
to this thread is a queue put that keeps the lock; the worker goes on into its COMMIT,
which lets go of the lock for the fsync, and only then does this thread take it and wake
the UI, which draws while the COMMIT runs.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Courier"]

T = TypeVar("T")

log = logging.getLogger(__name__)


class Courier(Generic[T]):
    """Calls `deliver` with each item `put`, in order, on its own thread."""

    def __init__(self, deliver: Callable[[T], None], name: str = "courier") -> None:
        self._deliver = deliver
        self._queue: queue.SimpleQueue[T | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, item: T) -> None:
        """Any thread; items put before `start` wait for it."""
        self._queue.put(item)

    def stop(self, timeout: float = 5.0) -> None:
        """Deliver what was put, then end the thread."""
        self._queue.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self._deliver(item)
            except Exception:  # the next result must still arrive
                log.exception("%s: delivering %r failed", self._thread.name, item)
