"""Every packed order's clip, cut by the recorder's side without anyone asking.

A round (`cut_pending`, run by `packstation evidence record` every `[evidence]
clips_every_s` in a thread of its own, or by `packstation evidence clips`) finds this
station's packings (`order.packed` events) that have neither a clip the recorder cut
(`evidence.clip`, `via: "auto"`) nor an `evidence.clip_missing` after them, and cuts each
whose end is covered by closed segments: a segment started after the clip's end, or the
end is long past (`3 * segment_s + 60` s: the recorder is off and will not close more).
The clip is the one a lead exports (`clips.cut_clip`: no re-encoding, the timeline as a
subtitle track), written to `<dir>/<station>/clips/<start>_<end>_<order>.mp4`, and its
SHA-256 is stored with the order's events.

Restart-safe and idempotent: the clip is cut to `clips/.cut-<event id>.mp4`, fsynced and
renamed to its name (the same packing always gives the same name and bytes), and only
then is the event stored; a crash in between leaves a temporary file (removed at the next
round, which holds the folder's lock) or a clip without its event (cut again, same bytes,
then stored). The event is what counts: a second round finds nothing to do. A packing
with no video at all gets `evidence.clip_missing` once, with the reason.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import av
from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from packstation.evidence.clips import Clip, NoSegments, cut_clip
from packstation.evidence.events import (
    AUTO,
    CLIP,
    CLIP_MISSING,
    photo_file,
    record_clip,
    record_clip_missing,
)
from packstation.evidence.export import clip_time
from packstation.evidence.files import EvidenceError, clip_file_name, list_segments
from packstation.evidence.settings import EvidenceSettings
from packstation.evidence.timeline import PACKED, order_timeline
from packstation.filenames import UnsafeFileName, safe_file_name
from packstation.models.db import Database
from packstation.models.packing import Event

__all__ = ["TAIL_S", "ClipRound", "Packing", "cut_pending", "pending_packings"]

log = logging.getLogger(__name__)

EVENTS = Event.__table__
#: Seconds of video after the last label scan-back (as `packstation evidence ORDER`).
TAIL_S = 2.0
#: Packings cut in one round at most; the rest wait for the next.
MAX_PER_ROUND = 50
LOCK_NAME = ".lock"
TEMP_PREFIX = ".cut-"


@dataclass(frozen=True, slots=True)
class Packing:
    """One `order.packed` event of this station that still wants its clip."""

    event_id: int
    order_id: str
    at: datetime


@dataclass(slots=True)
class ClipRound:
    cut: list[tuple[str, Clip]] = field(default_factory=list)
    #: (order, why) of packings stored as `evidence.clip_missing` now.
    missing: list[tuple[str, str]] = field(default_factory=list)
    #: Packings whose end is not yet in a closed segment.
    waiting: int = 0
    #: (order, error) of cuts that failed and are tried again next round.
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Another round held the folder's lock: this one did nothing.
    busy: bool = False


def pending_packings(conn: Connection, station_id: str, since: datetime) -> list[Packing]:
    """This station's latest packing of each order since `since` with no clip cut by the
    recorder and no `evidence.clip_missing` after it, oldest first."""
    p, later = EVENTS.alias("p"), EVENTS.alias("later")
    base = (p.c.kind == PACKED, p.c.station_id == station_id, p.c.at >= since)

    def after(*kinds: str) -> Any:
        return (
            select(later.c.id)
            .where(later.c.order_id == p.c.order_id, later.c.id > p.c.id, later.c.kind.in_(kinds))
            .exists()
        )

    found = {
        row.id: Packing(row.id, row.order_id, row.at)
        for row in conn.execute(
            select(p.c.id, p.c.order_id, p.c.at).where(
                *base, ~after(PACKED, CLIP, CLIP_MISSING), p.c.order_id.is_not(None)
            )
        )
    }
    # Packings with a clip after them: a lead's export is not the recorder's clip (few rows).
    clip = EVENTS.alias("clip")
    exported: dict[int, tuple[Packing, bool]] = {}
    rows = conn.execute(
        select(p.c.id, p.c.order_id, p.c.at, clip.c.payload)
        .join(clip, and_(clip.c.order_id == p.c.order_id, clip.c.id > p.c.id, clip.c.kind == CLIP))
        .where(*base, ~after(PACKED, CLIP_MISSING))
    )
    for row in rows:
        auto = isinstance(row.payload, dict) and row.payload.get("via") == AUTO
        packing, seen = exported.get(row.id, (Packing(row.id, row.order_id, row.at), False))
        exported[row.id] = (packing, seen or auto)
    found |= {pid: packing for pid, (packing, auto) in exported.items() if not auto}
    return sorted(found.values(), key=lambda k: k.event_id)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[bool]:
    """One round at a time per clips folder (the recorder's thread, `evidence clips`)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def _remove_leftovers(folder: Path) -> None:
    """Cuts a crash (or kill) interrupted: nobody else cuts while the lock is held."""
    for entry in os.scandir(folder):
        if entry.name.startswith((TEMP_PREFIX, "." + TEMP_PREFIX)) and entry.is_file():
            log.info("removing an interrupted cut: %s", entry.name)
            Path(entry.path).unlink(missing_ok=True)


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def cut_pending(
    db: Database,
    settings: EvidenceSettings,
    *,
    now: datetime,
    tz: tzinfo,
    limit: int = MAX_PER_ROUND,
) -> ClipRound:
    """One round for this station: cut and store the clip of each packing that wants one."""
    report = ClipRound()
    folder = settings.station().clips
    with _folder_lock(folder) as locked:
        if not locked:
            report.busy = True
            return report
        _remove_leftovers(folder)
        since = now - timedelta(days=settings.keep_days)
        with db.engine.connect() as conn:
            packings = pending_packings(conn, settings.station_id, since)
        grace = timedelta(seconds=3 * settings.segment_s + 60)
        newest: dict[str, datetime | None] = {}
        for packing in packings:
            if len(report.cut) + len(report.missing) >= limit:
                break
            _one(db, settings, packing, now=now, tz=tz, grace=grace, newest=newest, report=report)
    return report


def _one(
    db: Database,
    settings: EvidenceSettings,
    packing: Packing,
    *,
    now: datetime,
    tz: tzinfo,
    grace: timedelta,
    newest: dict[str, datetime | None],
    report: ClipRound,
) -> None:
    order = packing.order_id
    stop = packing.at + timedelta(seconds=TAIL_S)
    try:
        with db.engine.connect() as conn:
            timeline = order_timeline(conn, order)
    except EvidenceError as exc:  # packed, but no claim recorded
        _missing(db, settings, packing, now, str(exc), report)
        return
    station = timeline.station_id or settings.station_id
    segments = settings.station(station).segments
    if station not in newest:  # once a round: the folder listing is the index
        listed = list_segments(segments)
        newest[station] = listed[-1].start if listed else None
    latest = newest[station]
    if not ((latest is not None and latest > stop) or now - stop > grace):
        report.waiting += 1  # the segment holding the end is still being written
        return
    folder = settings.station().clips
    temp = folder / f"{TEMP_PREFIX}{packing.event_id}.mp4"
    try:
        clip = cut_clip(
            segments,
            timeline.start,
            timeline.end,
            timeline.pairs(),
            temp,
            tail_s=TAIL_S,
            tz=tz,
            metadata={
                "title": f"packing of order {order} at {station}",
                "comment": f"packer: {timeline.packer or '?'}",
                "creation_time": clip_time(timeline.start),
            },
        )
    except NoSegments as exc:
        _missing(db, settings, packing, now, str(exc), report)
        return
    except (av.FFmpegError, OSError) as exc:  # disk full, a segment pruned meanwhile
        temp.unlink(missing_ok=True)
        log.warning("clip of %s not cut: %s", order, exc)
        report.failed.append((order, str(exc)))
        return
    try:
        safe = safe_file_name(order)
    except UnsafeFileName:
        safe = f"order-{packing.event_id}"
    final = folder / clip_file_name(clip.start, clip.end, safe)
    _fsync(temp)
    os.replace(temp, final)
    _fsync(folder, directory=True)
    clip = replace(clip, path=final)
    with db.unit_of_work() as session:
        record_clip(
            session,
            order_id=order,
            station_id=station,
            clip=clip,
            now=now,
            via=AUTO,
            file=photo_file(settings.dir, final),
            packed_event=packing.event_id,
        )
    report.cut.append((order, clip))


def _missing(
    db: Database,
    settings: EvidenceSettings,
    packing: Packing,
    now: datetime,
    error: str,
    report: ClipRound,
) -> None:
    with db.unit_of_work() as session:
        record_clip_missing(
            session,
            order_id=packing.order_id,
            station_id=settings.station_id,
            now=now,
            error=error,
            packed_event=packing.event_id,
        )
    report.missing.append((packing.order_id, error))
