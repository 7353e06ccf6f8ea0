"""Retention: segments older than `keep_days`, then the oldest while over `max_gb`, go;
segments of protected orders stay, whatever their age and the budget.

Protected means: the order has a row in `defects` (the table has no open/closed state:
every defect counts as open), a row in `returns` (announced, received or closed), or the
status `returned`. Nothing models a lead's dispute flag yet; when it exists it belongs
in `protected_orders`. A protected order's range is its first to last packing event
at this station (kinds the workflow records, logins and logouts left out), widened by
`margin` on both sides: the clip of it starts at a keyframe before the claim and ends a
little after the last label scan. Without the database nothing is deleted: a round that
cannot tell what is protected does not guess.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Subquery, func, select, union
from sqlalchemy.engine import Connection

from packstation.domain.workflow.record_types import RECORD_TYPES
from packstation.evidence.files import Segment, list_clips, list_segments
from packstation.evidence.settings import EvidenceSettings
from packstation.models.orders import Order
from packstation.models.packing import Defect, Event
from packstation.models.returns import Return

__all__ = [
    "PACK_KINDS",
    "PrunePlan",
    "PruneReport",
    "Protected",
    "apply_plan",
    "plan_for",
    "plan_prune",
    "prune_station",
    "protected_orders",
    "protected_ranges",
]

EVENTS = Event.__table__
#: Event kinds that place an order at a station while it is packed.
PACK_KINDS = tuple(sorted(k for k in RECORD_TYPES if not k.startswith("session.")))


@dataclass(frozen=True, slots=True)
class Protected:
    order_id: str
    start: datetime
    end: datetime


@dataclass(slots=True)
class PrunePlan:
    delete: list[tuple[Segment, str]] = field(default_factory=list)
    #: Segments that age or size would have removed, kept for a protected order.
    spared: list[tuple[Segment, str]] = field(default_factory=list)
    total_bytes: int = 0
    #: Still over `max_gb` after deleting all that may go (protected segments fill it).
    over_budget: bool = False

    @property
    def freed_bytes(self) -> int:
        return sum(seg.size for seg, _ in self.delete)


def protected_orders() -> Subquery:
    """The ids of orders whose video must stay (a subquery)."""
    return union(
        select(Defect.__table__.c.order_id),
        select(Return.__table__.c.order_id),
        select(Order.__table__.c.id).where(Order.__table__.c.status == "returned"),
    ).subquery()


def protected_ranges(
    conn: Connection, station_id: str, since: datetime | None = None
) -> list[Protected]:
    """Each protected order's packing time at this station (since `since`, if given)."""
    orders = protected_orders()
    query = (
        select(EVENTS.c.order_id, func.min(EVENTS.c.at), func.max(EVENTS.c.at))
        .where(
            EVENTS.c.station_id == station_id,
            EVENTS.c.kind.in_(PACK_KINDS),
            EVENTS.c.order_id.in_(select(orders.c[0])),
        )
        .group_by(EVENTS.c.order_id)
    )
    if since is not None:
        query = query.where(EVENTS.c.at >= since)
    return [Protected(o, a, b) for o, a, b in conn.execute(query) if o is not None]


def plan_prune(
    segments: Sequence[Segment],
    protected: Sequence[Protected],
    *,
    now: datetime,
    keep_days: float,
    max_bytes: int | None,
    margin: timedelta,
    max_len: timedelta = timedelta(minutes=10),
) -> PrunePlan:
    """Which segments go, oldest first. The newest segment (being written) always stays.

    A segment ends where the next begins, or after `max_len` at most (the recorder was
    off in between): no segment is longer than `segment_s` plus one camera GOP."""
    plan = PrunePlan(total_bytes=sum(s.size for s in segments))
    if len(segments) <= 1:
        return plan
    ranges = [(p.start - margin, p.end + margin) for p in protected]

    def end_of(seg: Segment) -> datetime:
        return min(seg.end_bound(now), seg.start + max_len)

    def guarded(seg: Segment) -> bool:
        end = end_of(seg)
        return any(seg.start <= b and end > a for a, b in ranges)

    cutoff = now - timedelta(days=keep_days)
    left = plan.total_bytes
    kept: list[Segment] = []
    for seg in segments[:-1]:
        if end_of(seg) < cutoff:
            if guarded(seg):
                plan.spared.append((seg, "age"))
            else:
                plan.delete.append((seg, "age"))
                left -= seg.size
                continue
        kept.append(seg)
    if max_bytes is not None and left > max_bytes:
        for seg in kept:
            if left <= max_bytes:
                break
            if guarded(seg):
                if all(s is not seg for s, _ in plan.spared):
                    plan.spared.append((seg, "size"))
                continue
            plan.delete.append((seg, "size"))
            left -= seg.size
        plan.over_budget = left > max_bytes
    return plan


def apply_plan(plan: PrunePlan) -> int:
    """Delete what the plan says; the number of files removed (gone meanwhile: skipped)."""
    removed = 0
    for seg, _ in plan.delete:
        try:
            os.unlink(seg.path)
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def plan_for(
    conn: Connection,
    folder: Path,
    station_id: str,
    *,
    now: datetime,
    keep_days: float,
    max_bytes: int | None,
    segment_s: float,
    clips: Path | None = None,
) -> tuple[PrunePlan, list[Protected]]:
    """The plan for one station's folder (and its clips), with the protected ranges read
    from `conn`."""
    segments = list_segments(folder)
    if clips is not None:
        # Every clip ends before the newest segment starts (it is cut only then): merged by
        # start, the segment being written stays last, which `plan_prune` always keeps.
        older = sorted([*segments[:-1], *list_clips(clips)], key=lambda s: s.start)
        segments = older + segments[-1:]
    if len(segments) <= 1:
        return PrunePlan(total_bytes=sum(s.size for s in segments)), []
    since = segments[0].start - timedelta(days=1)
    protected = protected_ranges(conn, station_id, since)
    plan = plan_prune(
        segments,
        protected,
        now=now,
        keep_days=keep_days,
        max_bytes=max_bytes,
        margin=timedelta(seconds=segment_s + 5),
        max_len=timedelta(seconds=segment_s * 3 + 60),
    )
    return plan, protected


@dataclass(frozen=True, slots=True)
class PruneReport:
    station_id: str
    plan: PrunePlan
    protected: tuple[Protected, ...]
    removed: int
    dry_run: bool


def prune_station(
    conn: Connection,
    settings: EvidenceSettings,
    *,
    now: datetime,
    station_id: str | None = None,
    dry_run: bool = False,
) -> PruneReport:
    """One retention round for one station's folder (the recorder's, or `evidence prune`)."""
    station = station_id or settings.station_id
    paths = settings.station(station)
    plan, protected = plan_for(
        conn,
        paths.segments,
        station,
        clips=paths.clips,
        now=now,
        keep_days=settings.keep_days,
        max_bytes=settings.max_bytes,
        segment_s=settings.segment_s,
    )
    removed = 0 if dry_run else apply_plan(plan)
    return PruneReport(station, plan, tuple(protected), removed, dry_run)
