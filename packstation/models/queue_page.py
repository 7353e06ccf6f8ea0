"""One page of the team lead's queue: the orders, filtered and in queue order.

Every count and ordering is done in SQL and only one page of orders (200 rows) ever
reaches Python, so a refresh costs the same at 100 orders and at 100,000. Time-dependent
fields (late, at risk) take `now` from the caller, so tests and snapshots pin the clock.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, text
from sqlalchemy.orm import Session

from packstation.domain.orders import OrderStatus
from packstation.models.orders import Order, OrderLine
from packstation.models.people import Operator

__all__ = [
    "AT_RISK",
    "OPEN_STATUSES",
    "QueueFilters",
    "QueuePage",
    "QueueRow",
    "priorities",
    "queue_page",
]


#: Orders still on the floor: the queue proper.
OPEN_STATUSES: tuple[str, ...] = ("new", "needs_correction", "ready", "packing")
#: An open order whose ship-by is this close is "at risk".
AT_RISK = timedelta(hours=2)


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
    #: Its evidence events' kinds (`evidence/events.py`: clip, photo, missing), if read.
    evidence: frozenset[str] = frozenset()

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
