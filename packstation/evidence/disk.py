"""How much disk the evidence takes: the queue screen's status line (retention at a glance).

A walk over `<dir>/<station>/segments` with `os.scandir` (no file is opened): run it in a
thread, never on the UI loop. At 10 s segments a month is ~260,000 files a station,
a walk of a few hundred milliseconds, so the queue does it once a minute.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from packstation.evidence.files import parse_clip_name, parse_segment_name

__all__ = ["DiskUse", "disk_use"]


@dataclass(frozen=True, slots=True)
class DiskUse:
    used_bytes: int
    segments: int
    #: Stations with a segments folder.
    stations: int
    #: Start of the oldest segment kept (None: none).
    oldest: datetime | None
    #: `[evidence] max_gb` in bytes (None: no cap).
    max_bytes: int | None = None
    #: Why the folder could not be read ("" when it was).
    error: str = ""

    @property
    def over_budget(self) -> bool:
        return self.max_bytes is not None and self.used_bytes > self.max_bytes


def disk_use(evidence_dir: Path, max_bytes: int | None = None) -> DiskUse:
    """Segments' bytes, count and oldest start, over every station under `evidence_dir`;
    the bytes include the orders' clips (`clips/`), which count against `max_gb` too."""
    used = count = stations = 0
    oldest: datetime | None = None
    try:
        folders = [e.path for e in os.scandir(evidence_dir) if e.is_dir()]
    except FileNotFoundError:
        return DiskUse(0, 0, 0, None, max_bytes)
    except OSError as exc:
        return DiskUse(0, 0, 0, None, max_bytes, exc.strerror or str(exc))
    for folder in folders:
        try:
            entries = os.scandir(os.path.join(folder, "segments"))
        except OSError:
            continue
        stations += 1
        with entries:
            for entry in entries:
                start = parse_segment_name(entry.name)
                if start is None:
                    continue
                try:
                    used += entry.stat().st_size
                except FileNotFoundError:  # pruned meanwhile
                    continue
                count += 1
                oldest = start if oldest is None or start < oldest else oldest
        used += _clip_bytes(os.path.join(folder, "clips"))
    return DiskUse(used, count, stations, oldest, max_bytes)


def _clip_bytes(folder: str) -> int:
    total = 0
    try:
        entries = os.scandir(folder)
    except OSError:
        return 0
    with entries:
        for entry in entries:
            if parse_clip_name(entry.name) is None:
                continue
            try:
                total += entry.stat().st_size
            except FileNotFoundError:
                continue
    return total
