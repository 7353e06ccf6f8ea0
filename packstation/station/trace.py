"""Per-scan stage timestamps for `benchmarks/scan_latency.py`; off unless asked for.

With ``PACKSTATION_TRACE=<file>`` in the environment, `mark` notes a stage
name and `time.perf_counter_ns()` (CLOCK_MONOTONIC on Linux: the same clock
in every process, so the benchmark can line the marks up with the moment it
wrote a scan and the moment the frame reached it); `flush` appends what was
noted to the file. The app flushes a moment after a frame is written, so the
file write never delays the frame it describes. Without the variable both
cost one global lookup.
"""

from __future__ import annotations

import os
import time
from collections import deque
from typing import TextIO

#: Environment variable naming the trace file.
ENV = "PACKSTATION_TRACE"

_path = os.environ.get(ENV) or None
ENABLED = _path is not None
_marks: deque[tuple[str, int]] = deque()
_file: TextIO | None = None


def mark(stage: str) -> None:
    """Note that ``stage`` was reached now (any thread)."""
    if ENABLED:
        _marks.append((stage, time.perf_counter_ns()))


def flush() -> None:
    """Append the marks noted so far to the trace file (one ``stage ns`` per line)."""
    global _file
    if not ENABLED or not _marks:
        return
    lines = []
    while _marks:  # deque pops are thread-safe: a mark noted meanwhile waits for the next flush
        stage, ns = _marks.popleft()
        lines.append(f"{stage} {ns}\n")
    if _file is None:
        assert _path is not None
        _file = open(_path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the process
    _file.write("".join(lines))
    _file.flush()
