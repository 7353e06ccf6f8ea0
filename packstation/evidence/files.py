"""Segment names, the segment listing, atomic writes and hashes: what every part shares.

A segment is named by the UTC time of its first frame, to the millisecond
(`20261204T101500.123Z.ts`), so the folder listing alone is the index: no database
row and no index file that a crash could leave behind half-written.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = [
    "CLIP_SUFFIX",
    "SEGMENT_SUFFIX",
    "EvidenceError",
    "Segment",
    "clip_file_name",
    "list_clips",
    "list_segments",
    "parse_clip_name",
    "parse_segment_name",
    "segment_name",
    "sha256_file",
    "write_atomic",
]

SEGMENT_SUFFIX = ".ts"
CLIP_SUFFIX = ".mp4"


class EvidenceError(Exception):
    """An expected failure (no video for that time, order unknown ...): one line for a lead."""


_NAME = re.compile(r"^(\d{8}T\d{6})\.(\d{3})Z\.ts$")


def segment_name(start: datetime) -> str:
    start = start.astimezone(UTC)
    return f"{start:%Y%m%dT%H%M%S}.{start.microsecond // 1000:03d}Z{SEGMENT_SUFFIX}"


def parse_segment_name(name: str) -> datetime | None:
    """The start of a segment file, or None for any other file (temporary, foreign)."""
    match = _NAME.match(name)
    if match is None:
        return None
    try:
        start = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return start + timedelta(milliseconds=int(match.group(2)))


@dataclass(frozen=True, slots=True)
class Segment:
    path: Path
    start: datetime
    size: int
    #: The next segment's start (the last one: None): an upper bound of this one's end.
    next_start: datetime | None = None

    def end_bound(self, fallback: datetime) -> datetime:
        return self.next_start if self.next_start is not None else fallback


def list_segments(folder: Path) -> list[Segment]:
    """Every segment in `folder`, oldest first; an absent folder has none."""
    found: list[tuple[datetime, Path, int]] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        start = parse_segment_name(entry.name)
        if start is None or not entry.is_file():
            continue
        try:
            size = entry.stat().st_size
        except FileNotFoundError:  # pruned meanwhile
            continue
        found.append((start, Path(entry.path), size))
    found.sort()
    return [
        Segment(path, start, size, found[i + 1][0] if i + 1 < len(found) else None)
        for i, (start, path, size) in enumerate(found)
    ]


def _stamp(at: datetime) -> str:
    return segment_name(at).removesuffix(SEGMENT_SUFFIX)


_CLIP = re.compile(r"^(\d{8}T\d{6}\.\d{3}Z)_(\d{8}T\d{6}\.\d{3}Z)_.+\.mp4$", re.DOTALL)


def clip_file_name(start: datetime, end: datetime, safe_order: str) -> str:
    """An order's clip in `<station>/clips/`: its first and last frame's UTC time and the
    order id (already a safe file name), so retention needs only the folder listing:
    `20261204T101500.123Z_20261204T101531.456Z_ORD-1001.mp4`."""
    return f"{_stamp(start)}_{_stamp(end)}_{safe_order}{CLIP_SUFFIX}"


def parse_clip_name(name: str) -> tuple[datetime, datetime] | None:
    """(start, end) of a clip file, or None for any other file (a cut in progress: `.cut-*`)."""
    match = _CLIP.match(name)
    if match is None:
        return None
    start = parse_segment_name(match.group(1) + SEGMENT_SUFFIX)
    end = parse_segment_name(match.group(2) + SEGMENT_SUFFIX)
    return (start, end) if start is not None and end is not None else None


def list_clips(folder: Path) -> list[Segment]:
    """The clips in `folder` as segments from their first to their last frame (`next_start`
    is the clip's end), oldest first: retention plans them with the segments."""
    found = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    for entry in entries:
        times = parse_clip_name(entry.name)
        if times is None or not entry.is_file():
            continue
        try:
            size = entry.stat().st_size
        except FileNotFoundError:
            continue
        found.append(Segment(Path(entry.path), times[0], size, times[1]))
    return sorted(found, key=lambda s: (s.start, s.path.name))


def write_atomic(path: Path, data: bytes, *, fsync: bool = False) -> None:
    """Readers see the old file or the new one, never half of it (rename in one folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
