"""What the team lead's queue screen reads: the stations panel, the floor stats, and one
whole refresh (`load_snapshot`) around the page of orders (`queue_page.py`).

Reads are pure query functions returning small frozen dataclasses; every count, aggregate
and ordering is done in SQL, so a refresh costs the same at 100 orders and at 100,000.
Time-dependent fields (late, at risk, stale) take `now` from the caller, so tests and
snapshots pin the clock. Whether to read again at all is `queue_changes.py`; what the lead
writes from the screen is `lead_actions.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from packstation.models.channel_repo import health
from packstation.models.orders import Order, OrderLine
from packstation.models.packing import Defect, Event
from packstation.models.people import Operator, Station
from packstation.models.queue_page import (
    AT_RISK,
    OPEN_STATUSES,
    QueueFilters,
    QueuePage,
    priorities,
    queue_page,
)

__all__ = [
    "CLOCK_SKEW",
    "STALE_AFTER",
    "DeviceCell",
    "FloorStats",
    "QueueSnapshot",
    "StationRow",
    "carriers_known",
    "floor_stats",
    "load_snapshot",
    "stations_known",
    "stations_panel",
]


#: A station whose heartbeat is older than this is shown offline (it beats every 5 s).
STALE_AFTER = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class DeviceCell:
    name: str
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class StationRow:
    id: str
    name: str
    operator: str | None
    current_order: str | None
    step: str
    heartbeat_at: datetime | None
    last_event_at: datetime | None
    devices: tuple[DeviceCell, ...]
    stale: bool
    #: The operator's badge and role (the training column looks their training up by it).
    operator_badge: str | None = None
    operator_role: str | None = None

    def idle(self, now: datetime) -> timedelta | None:
        """Time since the station last did anything (its last event, else its heartbeat)."""
        last = self.last_event_at or self.heartbeat_at
        return None if last is None else max(now - last, timedelta(0))

    def heartbeat_age(self, now: datetime) -> timedelta | None:
        return None if self.heartbeat_at is None else max(now - self.heartbeat_at, timedelta(0))


#: How far back the lead's screen looks at marketplace calls.
CHANNEL_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class FloorStats:
    now: datetime
    shift_start: datetime
    orders_last_hour: int
    lines_last_hour: int
    orders_shift: int
    lines_shift: int
    late: int
    at_risk: int
    #: (status, count) for the open statuses, in OPEN_STATUSES order.
    by_status: tuple[tuple[str, int], ...]
    #: (kind, count) of defects since the shift started, most frequent first.
    defects: tuple[tuple[str, int], ...]
    #: Marketplace channels whose calls fail (last 15 min): (channel, failing, last status
    #: or error), for "ozon-main: 3 calls failing, last 429".
    marketplaces: tuple[tuple[str, int, str], ...] = ()

    @property
    def shift_hours(self) -> float:
        return max((self.now - self.shift_start).total_seconds() / 3600, 0.0)

    def per_hour(self, count: int) -> float:
        """A shift total as a rate; the first minutes count as a whole minute, not as zero."""
        return count / max(self.shift_hours, 1 / 60)

    @property
    def defects_total(self) -> int:
        return sum(n for _, n in self.defects)


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """One refresh of the queue screen."""

    page: QueuePage
    stations: tuple[StationRow, ...]
    stats: FloorStats
    filters: QueueFilters


def _devices(raw: Any) -> tuple[DeviceCell, ...]:
    if not isinstance(raw, Mapping):
        return ()
    cells = []
    for name in sorted(raw):
        value = raw[name]
        if isinstance(value, Mapping):
            cells.append(
                DeviceCell(str(name), str(value.get("state", "")), str(value.get("detail", "")))
            )
        else:
            cells.append(DeviceCell(str(name), str(value)))
    return tuple(cells)


def stations_panel(session: Session, now: datetime) -> tuple[StationRow, ...]:
    """Every station with its operator, order, step, devices and liveness.

    The last event per station is one probe of ix_events_station (station_id, id).
    """
    last_event = (
        select(Event.at)
        .where(Event.station_id == Station.id)
        # (station_id, id) descending is ix_events_station's order: PostgreSQL otherwise
        # walks the primary key backwards, through every station's events.
        .order_by(Event.station_id.desc(), Event.id.desc())
        .limit(1)
        .correlate(Station)
        .scalar_subquery()
    )
    query = (
        select(
            Station.id,
            Station.name,
            Operator.name.label("operator"),
            Operator.badge.label("operator_badge"),
            Operator.role.label("operator_role"),
            Station.current_order_id,
            Station.step,
            Station.heartbeat_at,
            last_event.label("last_event_at"),
            Station.devices,
        )
        .outerjoin(Operator, Operator.id == Station.operator_id)
        .order_by(Station.id)
    )
    stations = []
    for r in session.execute(query):
        heartbeat: datetime | None = r.heartbeat_at
        last_at = r.last_event_at
        if isinstance(last_at, str):  # a scalar subquery loses the column type on SQLite
            last_at = _parse_sqlite_time(last_at)
        stations.append(
            StationRow(
                id=r.id,
                name=r.name or "",
                operator=r.operator,
                current_order=r.current_order_id,
                step=r.step,
                heartbeat_at=heartbeat,
                last_event_at=last_at,
                devices=_devices(r.devices),
                stale=heartbeat is None or now - heartbeat > STALE_AFTER,
                operator_badge=r.operator_badge,
                operator_role=r.operator_role,
            )
        )
    return tuple(stations)


def _parse_sqlite_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _count_by_status(session: Session, statuses: Iterable[str]) -> dict[str, int]:
    """count(*) per status as one row of scalar subqueries: each one range of the index
    (a GROUP BY reads the same entries at twice the cost on SQLite)."""
    wanted = list(dict.fromkeys(statuses))
    row = session.execute(
        select(
            *(
                select(func.count())
                .select_from(Order)
                .where(Order.status == s)
                .scalar_subquery()
                .label(f"n{i}")
                for i, s in enumerate(wanted)
            )
        )
    ).one()
    return {s: int(n or 0) for s, n in zip(wanted, row, strict=True)}


#: Events are appended in time order (give or take the stations' clock skew): the packed
#: events of a window are found through ix_events_kind from the window's first event id.
CLOCK_SKEW = timedelta(minutes=5)


def floor_stats(session: Session, now: datetime, shift_start: datetime) -> FloorStats:
    """Throughput from `order.packed` events and their orders' line counts, late / at-risk
    counts, open orders by status and defects since the shift start; all aggregated in SQL."""
    hour_ago = now - timedelta(hours=1)
    since = min(hour_ago, shift_start)
    first_id = session.scalar(
        select(Event.id).where(Event.at >= since - CLOCK_SKEW).order_by(Event.at).limit(1)
    )
    orders_hour = lines_hour = orders_shift = lines_shift = 0
    if first_id is not None:
        lines = (
            select(func.count(OrderLine.id))
            .where(OrderLine.order_id == Event.order_id)
            .correlate(Event)
            .scalar_subquery()
        )
        # The time window is applied in the CASEs, not in WHERE: a condition on `at` makes
        # SQLite prefer ix_events_at, i.e. read every event of the shift, not just the packs.
        window = and_(Event.at >= since, Event.at <= now)
        packed = (
            select(
                case((and_(window, Event.at >= hour_ago), 1), else_=0).label("recent"),
                case((and_(window, Event.at >= shift_start), 1), else_=0).label("shift"),
                lines.label("n"),
            )
            .where(Event.kind == "order.packed", Event.id >= first_id)
            .subquery("packed")
        )
        for recent, shift, count, n in session.execute(
            select(packed.c.recent, packed.c.shift, func.count(), func.sum(packed.c.n)).group_by(
                packed.c.recent, packed.c.shift
            )
        ):
            if recent:
                orders_hour += int(count)
                lines_hour += int(n or 0)
            if shift:
                orders_shift += int(count)
                lines_shift += int(n or 0)
    risk_until = now + AT_RISK
    prios = sorted({p for ps in priorities(session, OPEN_STATUSES).values() for p in ps})
    late = at_risk = 0
    if prios:
        # Explicit priorities turn the count into one index range per (status, priority).
        deadlines = session.execute(
            select(
                func.coalesce(func.sum(case((Order.ship_by < now, 1), else_=0)), 0),
                func.coalesce(func.sum(case((Order.ship_by >= now, 1), else_=0)), 0),
            ).where(
                Order.status.in_(OPEN_STATUSES),
                Order.priority.in_(prios),
                Order.ship_by < risk_until,
            )
        ).one()
        late, at_risk = int(deadlines[0]), int(deadlines[1])
    counts = _count_by_status(session, OPEN_STATUSES)
    defects = session.execute(
        select(Defect.kind, func.count().label("n"))
        .where(Defect.at >= shift_start, Defect.at <= now)
        .group_by(Defect.kind)
        .order_by(func.count().desc(), Defect.kind)
    ).all()
    return FloorStats(
        now=now,
        shift_start=shift_start,
        orders_last_hour=orders_hour,
        lines_last_hour=lines_hour,
        orders_shift=orders_shift,
        lines_shift=lines_shift,
        late=late,
        at_risk=at_risk,
        by_status=tuple((s, counts[s]) for s in OPEN_STATUSES),
        defects=tuple((str(kind), int(n)) for kind, n in defects),
        marketplaces=tuple(
            (h.channel, h.failing, str(h.last_status or h.last_error))
            for h in health(session, now - CHANNEL_WINDOW)
            if h.failing
        ),
    )


def load_snapshot(
    session: Session,
    filters: QueueFilters,
    now: datetime,
    shift_start: datetime,
    *,
    limit: int = 200,
    offset: int = 0,
) -> QueueSnapshot:
    """One refresh of the queue screen: the three reads in one read transaction. The default
    view's total is the open-orders count the floor stats already have."""
    stats = floor_stats(session, now, shift_start)
    known_total = sum(n for _, n in stats.by_status) if filters == QueueFilters() else None
    return QueueSnapshot(
        page=queue_page(session, filters, now, limit=limit, offset=offset, total=known_total),
        stations=stations_panel(session, now),
        stats=stats,
        filters=filters,
    )


def stations_known(session: Session) -> tuple[str, ...]:
    """Station ids, for the station filter."""
    return tuple(session.scalars(select(Station.id).order_by(Station.id)))


def carriers_known(session: Session, statuses: Iterable[str] = OPEN_STATUSES) -> tuple[str, ...]:
    """Carriers of open orders, for the carrier filter."""
    query = (
        select(Order.carrier)
        .where(Order.status.in_(list(statuses)), Order.carrier.is_not(None))
        .group_by(Order.carrier)
        .order_by(Order.carrier)
    )
    return tuple(c for c in session.scalars(query) if c)
