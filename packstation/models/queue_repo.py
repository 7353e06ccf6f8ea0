"""What the team lead's queue screen reads, and the lead actions it writes.

Reads are pure query functions returning small frozen dataclasses; every
count, aggregate and ordering is done in SQL and only one page of orders (200
rows) ever reaches Python, so a refresh costs the same at 100 orders and at
100,000. Time-dependent fields (late, at risk, stale) take `now` from the
caller, so tests and snapshots pin the clock.

Lead actions (release, priority, hold) verify the lead's badge + PIN and role
first; a refusal is audited as a `lead.denied` event in the caller's
transaction and returned (not raised), so the caller commits the audit row.
"""

from __future__ import annotations

import contextlib
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    and_,
    case,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from packstation.config import PinLimits
from packstation.domain.orders import OrderStatus
from packstation.domain.workflow.records import OrderHeld, OrderReleased
from packstation.i18n import Msg
from packstation.models.operators_repo import PinStatus, check_pin
from packstation.models.order_release import free_order
from packstation.models.orders import Order, OrderLine
from packstation.models.packing import Defect, Event
from packstation.models.people import Operator, Role, Station

__all__ = [
    "AT_RISK",
    "OPEN_STATUSES",
    "STALE_AFTER",
    "ActionResult",
    "ChangeProbe",
    "Changes",
    "DeviceCell",
    "FloorStats",
    "LeadCredentials",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "QueueSnapshot",
    "StationRow",
    "floor_stats",
    "hold_order",
    "load_snapshot",
    "queue_page",
    "release_order",
    "set_priority",
    "stations_panel",
]

#: Orders still on the floor: the queue proper.
OPEN_STATUSES: tuple[str, ...] = ("new", "needs_correction", "ready", "packing")
#: `[security]` defaults, for callers without a station config (tests, scripts).
DEFAULT_PIN_LIMITS = PinLimits()
#: An open order whose ship-by is this close is "at risk".
AT_RISK = timedelta(hours=2)
#: A station whose heartbeat is older than this is shown offline (it beats every 5 s).
STALE_AFTER = timedelta(seconds=30)
#: How far a priority may be set by a lead.
PRIORITY_RANGE = range(-9, 100)

_EVENTS = Event.metadata.tables["events"]


# --- reads -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """What the lead narrowed the queue to; the default is every open order."""

    #: Statuses shown; empty means the open statuses (all statuses while searching).
    statuses: tuple[str, ...] = ()
    late_only: bool = False
    station: str | None = None
    carrier: str | None = None
    #: Order id prefix (case as stored).
    search: str = ""

    def effective_statuses(self) -> tuple[str, ...] | None:
        """The status set to filter on; None means any status."""
        if self.statuses:
            return self.statuses
        return None if self.search else OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: str
    status: str
    priority: int
    ship_by: datetime | None
    station_id: str | None
    packer: str | None
    status_changed_at: datetime
    lines: int
    carrier: str | None
    hold_reason: str | None
    late: bool
    at_risk: bool
    #: The station a lead kept this order for (reassign), while no station holds it.
    reserved_for: str | None = None

    def in_status(self, now: datetime) -> timedelta:
        return max(now - self.status_changed_at, timedelta(0))


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    #: Orders matching the filters (all pages); None when counting them would read every
    #: open order (a carrier filter: no index has the carrier).
    total: int | None
    offset: int
    limit: int
    #: More orders after this page.
    has_more: bool = False


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

    def idle(self, now: datetime) -> timedelta | None:
        """Time since the station last did anything (its last event, else its heartbeat)."""
        last = self.last_event_at or self.heartbeat_at
        return None if last is None else max(now - last, timedelta(0))

    def heartbeat_age(self, now: datetime) -> timedelta | None:
        return None if self.heartbeat_at is None else max(now - self.heartbeat_at, timedelta(0))


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


def _late(now: datetime) -> ColumnElement[bool]:
    return and_(Order.status.in_(OPEN_STATUSES), Order.ship_by.is_not(None), Order.ship_by < now)


def _prefix(search: str) -> list[ColumnElement[bool]]:
    """Order ids starting with `search`, case-sensitive on both databases. The range lets
    SQLite (whose LIKE ignores case) and PostgreSQL seek the primary key."""
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [
        Order.id.like(escaped + "%", escape="\\"),
        Order.id >= search,
        Order.id < search + "\U0010ffff",
    ]


def _conditions(
    filters: QueueFilters, now: datetime, *, statuses: bool = True
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    wanted = filters.effective_statuses()
    if statuses and wanted is not None:
        where.append(Order.status.in_(wanted))
    if filters.late_only:
        where.append(_late(now))
    if filters.station:
        where.append(Order.station_id == filters.station)
    if filters.carrier:
        where.append(Order.carrier == filters.carrier)
    if filters.search:
        where.extend(_prefix(filters.search))
    return where


_PAGE_COLUMNS = (
    Order.id,
    Order.status,
    Order.priority,
    Order.ship_by,
    Order.station_id,
    Order.operator_id,
    Order.status_changed_at,
    Order.carrier,
    Order.hold_reason,
    Order.reserved_for,
)
_ALL_STATUSES = tuple(s.value for s in OrderStatus)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _order_key(row: Any) -> tuple[bool, datetime, str]:
    """Within one priority: earliest ship-by first, no ship-by last, then the id."""
    return (row.ship_by is None, row.ship_by or _EPOCH, row.id)


class _PageWalk:
    """The page in queue order, read group by group along ix_orders_queue.

    The order (open first, late first, priority high first, ship-by, id) mixes
    directions, so no index yields it whole and a plain ORDER BY sorts every open
    order. Instead, for each (status, priority) group -- highest priority first,
    found by a loose index scan (`priorities`) -- the rows are read in ship-by
    order with a LIMIT, and the statuses of the same priority are merged here.
    Only about offset + limit rows are ever read, however long the queue.
    """

    def __init__(self, session: Session, filters: QueueFilters, now: datetime, need: int):
        self.session = session
        self.now = now
        self.need = need
        self.extra = _conditions(filters, now, statuses=False)
        self.rows: list[Any] = []
        self.priorities: dict[str, tuple[int, ...]] | None = None

    def walk(self, statuses: tuple[str, ...], late_only: bool) -> None:
        self.priorities = priorities(self.session, statuses)
        open_ = [s for s in statuses if s in OPEN_STATUSES]
        closed = [s for s in statuses if s not in OPEN_STATUSES]
        if open_:
            self._segment(open_, [Order.ship_by < self.now], nulls=False)
            if not late_only:
                self._segment(open_, [Order.ship_by >= self.now], nulls=True)
        if closed and not late_only:
            self._segment(closed, [Order.ship_by.is_not(None)], nulls=True)

    def _segment(self, statuses: list[str], cond: list[ColumnElement[bool]], nulls: bool) -> None:
        found = self.priorities or {}
        for priority in sorted({p for s in statuses for p in found.get(s, ())}, reverse=True):
            want = self.need - len(self.rows)
            if want <= 0:
                return
            group = [s for s in statuses if priority in found.get(s, ())]
            parts = [self._group(s, priority, cond, nulls, want) for s in group]
            self.rows.extend(list(heapq.merge(*parts, key=_order_key))[:want])

    def _group(
        self,
        status: str,
        priority: int,
        cond: list[ColumnElement[bool]],
        nulls: bool,
        want: int,
    ) -> list[Any]:
        base = select(*_PAGE_COLUMNS).where(
            Order.status == status, Order.priority == priority, *self.extra
        )
        rows = list(
            self.session.execute(base.where(*cond).order_by(Order.ship_by, Order.id).limit(want))
        )
        if nulls and len(rows) < want:
            rows += self.session.execute(
                base.where(Order.ship_by.is_(None)).order_by(Order.id).limit(want - len(rows))
            )
        return rows


def _page_sorted(session: Session, filters: QueueFilters, now: datetime, need: int) -> list[Any]:
    """Few candidates (one station's orders, an id prefix): one query, sorted in SQL."""
    open_first = case((Order.status.in_(OPEN_STATUSES), 0), else_=1)
    late_first = case((_late(now), 0), else_=1)
    ship_by_last = case((Order.ship_by.is_(None), 1), else_=0)
    query = (
        select(*_PAGE_COLUMNS)
        .where(*_conditions(filters, now))
        .order_by(
            open_first, late_first, Order.priority.desc(), ship_by_last, Order.ship_by, Order.id
        )
        .limit(need)
    )
    return list(session.execute(query))


def queue_page(
    session: Session,
    filters: QueueFilters,
    now: datetime,
    limit: int = 200,
    offset: int = 0,
    *,
    total: int | None = None,
) -> QueuePage:
    """One page of orders: open ones first, late first, then priority (high first), then
    earliest ship-by (none last), then id. Line counts and packer names are read for that
    page only. `total`, when the caller already knows it, saves the count."""
    need = offset + limit
    known: dict[str, tuple[int, ...]] | None = None
    if filters.station or filters.search:
        found = _page_sorted(session, filters, now, need + 1)
    else:
        walk = _PageWalk(session, filters, now, need + 1)
        walk.walk(filters.effective_statuses() or _ALL_STATUSES, filters.late_only)
        found, known = walk.rows, walk.priorities
    has_more = len(found) > need
    page = found[offset:need]
    ids = [r.id for r in page]
    lines: dict[str, int] = {}
    names: dict[int, str] = {}
    if ids:
        lines = {
            order_id: int(n)
            for order_id, n in session.execute(
                select(OrderLine.order_id, func.count())
                .where(OrderLine.order_id.in_(ids))
                .group_by(OrderLine.order_id)
            )
        }
        operator_ids = {r.operator_id for r in page if r.operator_id is not None}
        if operator_ids:
            names = {
                op_id: name
                for op_id, name in session.execute(
                    select(Operator.id, Operator.name).where(Operator.id.in_(operator_ids))
                )
            }
    risk_until = now + AT_RISK
    rows = []
    for r in page:
        ship_by: datetime | None = r.ship_by
        is_open = r.status in OPEN_STATUSES
        late = is_open and ship_by is not None and ship_by < now
        rows.append(
            QueueRow(
                id=r.id,
                status=r.status,
                priority=r.priority,
                ship_by=ship_by,
                station_id=r.station_id,
                packer=names.get(r.operator_id) if r.operator_id is not None else None,
                status_changed_at=r.status_changed_at,
                lines=lines.get(r.id, 0),
                carrier=r.carrier,
                hold_reason=r.hold_reason,
                late=late,
                at_risk=bool(is_open and not late and ship_by is not None and ship_by < risk_until),
                reserved_for=r.reserved_for,
            )
        )
    if offset == 0 and not has_more:
        total = len(found)  # the whole result fits on this page: no count needed
    elif total is None and not filters.carrier:
        where = _conditions(filters, now)
        if known is not None:
            # Always true, but it turns SQLite's skip-scan into one index range per
            # (status, priority) when the count also has a ship-by bound (late only).
            where.append(Order.priority.in_(sorted({p for ps in known.values() for p in ps})))
        total = int(session.scalar(select(func.count()).select_from(Order).where(*where)) or 0)
    return QueuePage(rows=tuple(rows), total=total, offset=offset, limit=limit, has_more=has_more)


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
            )
        )
    return tuple(stations)


def _parse_sqlite_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def priorities(session: Session, statuses: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """The distinct priorities of each status, highest first, in one statement: a loose index
    scan of ix_orders_queue (one probe per value), never a scan of the orders."""
    wanted = list(dict.fromkeys(statuses))
    if not wanted:
        return {}
    anchors = " UNION ALL ".join(
        f"SELECT :s{i} AS status, (SELECT max(priority) FROM orders WHERE status = :s{i}) AS p"
        for i in range(len(wanted))
    )
    sql = text(
        "WITH RECURSIVE pr(status, p) AS ("
        f"{anchors} UNION ALL "
        "SELECT pr.status, (SELECT max(o.priority) FROM orders o "
        "WHERE o.status = pr.status AND o.priority < pr.p) "
        "FROM pr WHERE pr.p IS NOT NULL"
        ") SELECT status, p FROM pr WHERE p IS NOT NULL"
    ).bindparams(**{f"s{i}": s for i, s in enumerate(wanted)})
    found: dict[str, list[int]] = {s: [] for s in wanted}
    for status, p in session.execute(sql):
        found[status].append(int(p))
    return {s: tuple(sorted(ps, reverse=True)) for s, ps in found.items()}


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


# --- what changed ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Changes:
    """What a refresh must read again: the orders and floor stats, the stations panel."""

    orders: bool
    stations: bool

    def __bool__(self) -> bool:
        return self.orders or self.stations


_PROBE = select(
    select(func.max(Event.id)).scalar_subquery(),
    select(func.max(Station.heartbeat_at)).scalar_subquery(),
    select(func.count()).select_from(Station).scalar_subquery(),
)


class ChangeProbe:
    """Tells, for the cost of a tiny read, whether the floor changed since the last look.

    Everything a station or a lead does writes an event (a claim, a scan, a pack, a
    release, an import, a delivery status), and a station's heartbeat, devices and
    liveness are its row's `heartbeat_at`: so the newest event id and the newest heartbeat
    tell what to read again. On SQLite, `PRAGMA data_version` on a connection kept for
    this also sees any other commit at all (it changes whenever another connection
    committed): then everything is read again. The first look reports everything changed.
    Used from one thread; `close()` gives its connection back.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._raw: Any = None
        self._version: int | None = None
        self._marks: tuple[Any, ...] | None = None

    def look(self) -> Changes:
        if self._sqlite:
            return self._look_sqlite()
        with self.engine.connect() as conn:
            marks = tuple(conn.execute(_PROBE).one())
        before, self._marks = self._marks, marks
        if before is None or before[0] != marks[0]:
            return Changes(orders=True, stations=True)
        return Changes(orders=False, stations=before != marks)

    def _look_sqlite(self) -> Changes:
        if self._raw is None:
            self._raw = self.engine.raw_connection()
        try:
            cursor = self._raw.cursor()
            try:
                cursor.execute("PRAGMA data_version")
                version = int(cursor.fetchone()[0])
            finally:
                cursor.close()
        except Exception:
            self.close()  # a connection that failed is not looked through again
            raise
        before, self._version = self._version, version
        changed = before != version
        return Changes(orders=changed, stations=changed)

    def reset(self) -> None:
        """Forget what was seen: the next look reports everything changed."""
        self._version = None
        self._marks = None

    def close(self) -> None:
        raw, self._raw = self._raw, None
        self._version = None
        if raw is not None:
            with contextlib.suppress(Exception):  # a broken connection closes as it can
                raw.close()


# --- lead actions ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadCredentials:
    """What the lead typed: never stored, never logged (the PIN is not in any event)."""

    badge: str
    pin: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ActionResult:
    ok: bool
    message: Msg
    order_id: str = ""


def _event(
    session: Session,
    kind: str,
    at: datetime,
    *,
    order_id: str | None = None,
    station_id: str | None = None,
    operator_id: int | None = None,
    payload: dict[str, Any],
) -> None:
    session.execute(
        insert(_EVENTS),
        [
            {
                "kind": kind,
                "at": at,
                "order_id": order_id,
                "station_id": station_id,
                "operator_id": operator_id,
                "payload": payload,
            }
        ],
    )


def _authorize(
    session: Session,
    lead: LeadCredentials,
    action: str,
    order_id: str,
    now: datetime,
    limits: PinLimits,
) -> Operator | ActionResult:
    """The lead's operator row, or the refusal (already audited as `lead.denied`)."""
    badge = lead.badge.strip()
    op = session.scalar(select(Operator).where(Operator.badge == badge, Operator.active))
    why: str | None = None
    message: Msg | None = None
    if op is None:
        why, message = "unknown_badge", Msg("queue.denied.badge", {"badge": badge})
    elif op.role not in (Role.LEAD, Role.ADMIN):
        why, message = "not_a_lead", Msg("queue.denied.role", {"name": op.name})
    elif not (
        pin := check_pin(
            session,
            op.id,
            lead.pin,
            now=now,
            purpose=action,
            limit=limits.attempts,
            lock_for=limits.lock_for,
        )
    ).ok:
        # Counted (and locked after too many) in operators_repo, committed on its own.
        if pin.status is PinStatus.LOCKED:
            params = {"name": op.name, "until": pin.until_local()}
            why, message = "locked", Msg("ui.lead.badge_locked", params)
        else:
            why, message = "wrong_pin", Msg("queue.denied.pin", {"name": op.name})
    if why is None or message is None:
        assert op is not None
        return op
    _event(
        session,
        "lead.denied",
        now,
        order_id=order_id,
        operator_id=op.id if op is not None else None,
        payload={"action": action, "badge": badge, "why": why},
    )
    return ActionResult(False, message, order_id)


def _order(session: Session, order_id: str) -> Order | None:
    return session.get(Order, order_id, with_for_update=True)


def _open_order(session: Session, order_id: str) -> Order | ActionResult:
    """The order, locked, if a lead may still change it; else the refusal."""
    order = _order(session, order_id)
    if order is None:
        return ActionResult(False, Msg("queue.no_such_order", {"order": order_id}), order_id)
    if order.status not in OPEN_STATUSES:
        return ActionResult(
            False,
            Msg("queue.not_open", {"order": order_id, "status": order.status}),
            order_id,
        )
    return order


def _leave_station(
    session: Session,
    order: Order,
    now: datetime,
    *,
    status: str,
    outcome: str,
    record: OrderReleased | OrderHeld,
    hold_reason: str | None = None,
) -> str | None:
    """Take a packing order off its station: order freed, the station's row and pack session
    closed, and the station's own record written so a restarted station replays it."""
    extra: dict[str, Any] = {} if hold_reason is None else {"hold_reason": hold_reason}
    packer_id = order.operator_id
    freed = free_order(
        session, order.id, order.station_id, status=status, outcome=outcome, at=now, **extra
    )
    station_id = freed.station_id if freed is not None else None
    if station_id is None:
        return None
    _event(
        session,
        record.kind,
        now,
        order_id=order.id,
        station_id=station_id,
        operator_id=packer_id,
        payload=record.to_payload(),
    )
    return station_id


def release_order(
    session: Session,
    order_id: str,
    lead: LeadCredentials,
    reason: str,
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    """A packing order goes back to the queue (status ready, no station)."""
    auth = _authorize(session, lead, "release", order_id, now, limits)
    if isinstance(auth, ActionResult):
        return auth
    reason = reason.strip()
    if not reason:
        return ActionResult(False, Msg("queue.reason_required"), order_id)
    order = _order(session, order_id)
    if order is None:
        return ActionResult(False, Msg("queue.no_such_order", {"order": order_id}), order_id)
    if order.status != "packing":
        return ActionResult(
            False,
            Msg("queue.release.not_packing", {"order": order_id, "status": order.status}),
            order_id,
        )
    packer_id = order.operator_id
    station_id = _leave_station(
        session,
        order,
        now,
        status="ready",
        outcome="released",
        record=OrderReleased(at=now, order_id=order_id, approved_by=auth.id),
    )
    _event(
        session,
        "lead.release",
        now,
        order_id=order_id,
        station_id=station_id,
        operator_id=auth.id,
        payload={"lead_id": auth.id, "packer_id": packer_id, "reason": reason},
    )
    return ActionResult(
        True,
        Msg("queue.release.done", {"order": order_id, "station": station_id or "-"}),
        order_id,
    )


def set_priority(
    session: Session,
    order_id: str,
    lead: LeadCredentials,
    priority: int,
    reason: str = "",
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    auth = _authorize(session, lead, "priority", order_id, now, limits)
    if isinstance(auth, ActionResult):
        return auth
    if priority not in PRIORITY_RANGE:
        return ActionResult(
            False,
            Msg(
                "queue.priority.range",
                {"low": PRIORITY_RANGE.start, "high": PRIORITY_RANGE.stop - 1},
            ),
            order_id,
        )
    order = _open_order(session, order_id)
    if isinstance(order, ActionResult):
        return order
    before = order.priority
    session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(priority=priority, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    _event(
        session,
        "lead.priority",
        now,
        order_id=order_id,
        station_id=order.station_id,
        operator_id=auth.id,
        payload={"lead_id": auth.id, "from": before, "to": priority, "reason": reason.strip()},
    )
    return ActionResult(
        True, Msg("queue.priority.done", {"order": order_id, "priority": priority}), order_id
    )


def hold_order(
    session: Session,
    order_id: str,
    lead: LeadCredentials,
    reason: str,
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    """Put an open order on hold (needs_correction with the reason); a packing order leaves
    its station."""
    auth = _authorize(session, lead, "hold", order_id, now, limits)
    if isinstance(auth, ActionResult):
        return auth
    reason = reason.strip()
    if not reason:
        return ActionResult(False, Msg("queue.reason_required"), order_id)
    order = _open_order(session, order_id)
    if isinstance(order, ActionResult):
        return order
    status_before, packer_id = order.status, order.operator_id
    station_id = _leave_station(
        session,
        order,
        now,
        status="needs_correction",
        outcome="held",
        record=OrderHeld(at=now, order_id=order_id, reason=reason),
        hold_reason=reason,
    )
    _event(
        session,
        "lead.hold",
        now,
        order_id=order_id,
        station_id=station_id,
        operator_id=auth.id,
        payload={
            "lead_id": auth.id,
            "packer_id": packer_id,
            "from": status_before,
            "reason": reason,
        },
    )
    return ActionResult(True, Msg("queue.hold.done", {"order": order_id}), order_id)


def reassign_order(
    session: Session,
    order_id: str,
    lead: LeadCredentials,
    station: str,
    reason: str,
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    """Keep an open order for one station: only it claims the order, before its queue.

    A packing order leaves the station it is on (as a release: that station drops
    it). ``station`` "-" lifts the reservation: any station may take the order.
    """
    auth = _authorize(session, lead, "reassign", order_id, now, limits)
    if isinstance(auth, ActionResult):
        return auth
    reason, target = reason.strip(), station.strip()
    if not reason:
        return ActionResult(False, Msg("queue.reason_required"), order_id)
    to: str | None = None if target in ("", "-") else target
    if to is not None and session.get(Station, to) is None:
        return ActionResult(False, Msg("queue.reassign.no_station", {"station": to}), order_id)
    order = _open_order(session, order_id)
    if isinstance(order, ActionResult):
        return order
    if to is not None and order.station_id == to:
        return ActionResult(
            False, Msg("queue.reassign.already", {"order": order_id, "station": to}), order_id
        )
    packer_id, before = order.operator_id, order.station_id or order.reserved_for
    if order.status == "packing":
        _leave_station(
            session,
            order,
            now,
            status="ready",
            outcome="reassigned",
            record=OrderReleased(at=now, order_id=order_id, approved_by=auth.id),
        )
    session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(reserved_for=to, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    _event(
        session,
        "lead.reassign",
        now,
        order_id=order_id,
        station_id=before,
        operator_id=auth.id,
        payload={
            "lead_id": auth.id,
            "packer_id": packer_id,
            "from": before,
            "to": to,
            "reason": reason,
        },
    )
    return ActionResult(
        True,
        Msg("queue.reassign.done", {"order": order_id, "station": to or "-"}),
        order_id,
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
