"""Defect photos: the recorder's latest still, kept for one order under a name.

The station (after a defect is committed, `station.py`) calls `take_photo`; it copies `latest.jpg`,
which the recorder replaces at most once a second, so taking a photo never waits for the
camera. A still older than `max_age_s` is refused: a frozen camera must not produce
"evidence" of a moment it did not see. A photo is never overwritten: a second one of
the same name gets `-2`, `-3` ...
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from packstation.evidence.files import EvidenceError, sha256_file
from packstation.evidence.settings import StationPaths
from packstation.filenames import UnsafeFileName, inside, safe_file_name

__all__ = ["NoRecentPhoto", "Photo", "order_photos", "take_photo"]


class NoRecentPhoto(EvidenceError):
    pass


@dataclass(frozen=True, slots=True)
class Photo:
    path: Path
    sha256: str
    #: When the still was written by the recorder (its file time).
    taken_at: datetime


def _order_dir(paths: StationPaths, order_id: str) -> Path:
    try:
        return inside(paths.photos, order_id)
    except UnsafeFileName as exc:
        raise EvidenceError(f"no photo folder can be named after order {order_id!r}") from exc


def take_photo(
    paths: StationPaths, order_id: str, name: str, *, now: datetime, max_age_s: float = 5.0
) -> Photo:
    """Copy the latest still to `photos/<order>/<name>.jpg`; its path and SHA-256."""
    try:
        data = paths.latest_jpg.read_bytes()
        mtime = paths.latest_jpg.stat().st_mtime
        taken = datetime.fromtimestamp(mtime, UTC)
    except FileNotFoundError:
        raise NoRecentPhoto("no camera picture: the recorder has written none") from None
    age = (now - taken).total_seconds()
    if age > max_age_s:
        raise NoRecentPhoto(f"no recent camera picture: the last one is {age:.0f} s old")
    folder = _order_dir(paths, order_id)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        base = safe_file_name(name.removesuffix(".jpg"))
    except UnsafeFileName as exc:
        raise EvidenceError(f"no photo can be named {name!r}") from exc
    fd, tmp = tempfile.mkstemp(prefix=".photo.", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.utime(tmp, (mtime, mtime))  # the file's time is the picture's time
        n = 1
        while True:
            path = folder / (f"{base}.jpg" if n == 1 else f"{base}-{n}.jpg")
            try:
                os.link(tmp, path)  # fails if the name is taken: never overwrites
                break
            except FileExistsError:
                n += 1
    finally:
        Path(tmp).unlink(missing_ok=True)
    return Photo(path, hashlib.sha256(data).hexdigest(), taken)


def order_photos(evidence_dir: Path, order_id: str) -> list[Photo]:
    """Every photo of the order, at any station under `evidence_dir`, oldest first."""
    found = []
    try:
        stations = [p for p in evidence_dir.iterdir() if p.is_dir()]
    except FileNotFoundError:
        return []
    for station in stations:
        try:
            folder = _order_dir(StationPaths(station), order_id)
        except EvidenceError:
            return []
        if not folder.is_dir():
            continue
        for path in folder.glob("*.jpg"):
            taken = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            found.append(Photo(path, sha256_file(path), taken))
    return sorted(found, key=lambda p: (p.taken_at, str(p.path)))
