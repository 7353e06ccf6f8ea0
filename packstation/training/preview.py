"""The training station's printer: labels go to the screen, never to paper or a folder.

The runner renders a practice label exactly as on the floor (ZPL through the same code)
and hands it here; the screen shows the label's barcode large (`widgets/training.py`) so
the trainee scans it back off the screen. Thread-safe: the runner's worker sends, the UI
reads.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

__all__ = ["PreviewJob", "PreviewPrinter"]

#: Jobs kept for the screen and tests (a lesson prints a handful).
KEEP = 50


@dataclass(frozen=True, slots=True)
class PreviewJob:
    name: str
    size: int


class PreviewPrinter:
    """A `devices.base.Printer` that keeps what it was sent, in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: list[PreviewJob] = []

    @property
    def target(self) -> str:
        return "preview:screen"

    def send(self, data: bytes, name: str) -> None:
        with self._lock:
            self._jobs = [*self._jobs[-(KEEP - 1) :], PreviewJob(name, len(data))]

    @property
    def jobs(self) -> tuple[PreviewJob, ...]:
        with self._lock:
            return tuple(self._jobs)
