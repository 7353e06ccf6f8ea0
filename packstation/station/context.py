"""The workflow's read-only window onto the database (`Context` of the pack machine)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import (
    BindParameter,
    Connection,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from packstation.clock import Clock, utcnow
from packstation.config import PinLimits
from packstation.domain.codes import ScannedCode
from packstation.domain.evidence import CameraState
from packstation.domain.instructions import GIFT_NOTE, from_json, named_customers
from packstation.domain.rules import PackRules
from packstation.domain.workflow import (
    ClaimRefusal,
    LineView,
    Operator,
    OrderView,
    RefusalReason,
    line_view,
)
from packstation.domain.workflow.commands import PinVerdict
from packstation.models import (
    Barcode,
    MarkingCode,
    Order,
    OrderLine,
    PackedUnit,
    Parcel,
    Station,
)
from packstation.models import Operator as OperatorRow
from packstation.models.held_connection import connection_of
from packstation.models.statement_cache import constant
from packstation.station.leases import is_live

#: Orders a station may take. `packing` only when this station already holds it.
CLAIMABLE = "ready"


#: A row of `_ORDER_COLUMNS`.
OrderRow: TypeAlias = Row[*tuple[Any, ...]]

#: The columns of an order a station needs (`_load_view`), read as plain rows.
_ORDER_COLUMNS = (
    Order.id,
    Order.tote,
    Order.ship_by,
    Order.country,
    Order.city,
    Order.carrier,
    Order.priority,
    Order.status,
    Order.station_id,
    Order.reserved_for,
    Order.channel,
    Order.deliver_by,
    Order.extra,
    Order.email,
    Order.customer_name,
)
#: Lines with their barcodes in one query, in position then barcode order.
_LINE_ROWS = (
    select(
        OrderLine.id,
        OrderLine.sku,
        OrderLine.name,
        OrderLine.qty,
        OrderLine.unit_weight_g,
        OrderLine.fragile,
        OrderLine.liquid,
        OrderLine.marked,
        OrderLine.serial,
        OrderLine.length_mm,
        OrderLine.width_mm,
        OrderLine.height_mm,
        Barcode.code,
    )
    .outerjoin(Barcode, Barcode.line_id == OrderLine.id)
    .order_by(OrderLine.position, Barcode.id)
)


_LINES_OF = constant(_LINE_ROWS.where(OrderLine.order_id == bindparam("order_id")))

#: Every LIMIT 1 here is written into the SQL, not bound. psycopg prepares a statement it
#: runs often; PostgreSQL's generic plan for a bound LIMIT guesses 250 rows, looks dearer
#: than a plan for LIMIT 1 and is never chosen, so each run was planned anew: 0.1 ms of
#: the claim's 0.5 ms head query on 10,000 ready orders (the bound LIMIT was about as
#: fast as the literal one when the generic plan was forced).
_ONE = literal_column("1", Integer)

# The claim's statements, built once: a claim is every station's hot path, and building
# a statement costs as much Python as running it. ``me`` is the station id.
_ME: BindParameter[str] = bindparam("me", type_=String)
_FREE = (Order.status == CLAIMABLE, Order.station_id.is_(None))
#: Orders a lead reassigned to another station are not ours to take.
_READY = (*_FREE, or_(Order.reserved_for.is_(None), Order.reserved_for == _ME))
_QUEUE_ORDER = (Order.ship_by.asc().nulls_last(), Order.id)
#: A lead's reassignment to this station comes before the queue (ix_orders_reserved_for).
_RESERVED = constant(
    select(*_ORDER_COLUMNS)
    .where(*_FREE, Order.reserved_for == _ME)
    .order_by(Order.priority.desc(), *_QUEUE_ORDER)
    .limit(_ONE)
)
#: Usually the top priority still has a free order: one statement finds (and locks) it.
_TOP_HEAD = constant(
    select(*_ORDER_COLUMNS)
    .where(
        *_READY,
        Order.priority == select(func.max(Order.priority)).where(*_READY).scalar_subquery(),
    )
    .order_by(*_QUEUE_ORDER)
    .limit(_ONE)
)
_HEAD_AT = constant(
    select(*_ORDER_COLUMNS)
    .where(*_READY, Order.priority == bindparam("priority"))
    .order_by(*_QUEUE_ORDER)
    .limit(_ONE)
)
_TOP_BELOW = constant(
    select(func.max(Order.priority)).where(*_READY, Order.priority < bindparam("below"))
)
#: PostgreSQL: the head is locked, and stations asking at once skip each other's.
_SKIP_LOCKED = {
    query: constant(query.with_for_update(of=Order, skip_locked=True))
    for query in (_RESERVED, _TOP_HEAD, _HEAD_AT)
}
#: SQLite: take the write lock first (an update of no row), so stations queue up.
_SQLITE_WRITE_LOCK = constant(update(Station).where(false()).values(name=Station.name))


def _load_view(conn: Connection, row: OrderRow, rules: PackRules) -> OrderView:
    """The view of an order row plus its lines, without ORM objects.

    Core rows, not entities: a claim is on every station's hot path and the ORM's
    identity map and eager loaders cost more than the two queries themselves.
    """
    lines: list[LineView] = []
    current: list[Any] | None = None
    codes: list[str] = []

    def flush() -> None:
        if current is not None:
            lid, sku, name, qty, weight, fragile, liquid, marked, serial, *dims = current
            lines.append(
                line_view(
                    lid,
                    sku,
                    name,
                    qty,
                    weight,
                    barcodes=codes,
                    fragile=fragile,
                    liquid=liquid,
                    marked=marked,
                    dims_mm=tuple(dims) if None not in dims else (),
                    serial=serial or "",
                )  # fmt: skip
            )

    for *cells, code in conn.execute(_LINES_OF, {"order_id": row.id}):
        if current is None or current[0] != cells[0]:
            flush()
            current, codes = cells, []
        if code is not None:
            codes.append(code)
    flush()
    extra = row.extra if isinstance(row.extra, dict) else {}
    customer = named_customers((row.email, row.customer_name), rules.instructions, rules.inserts)
    return OrderView(
        id=row.id,
        lines=tuple(lines),
        tote=row.tote or "",
        ship_by=row.ship_by,
        country=row.country,
        city=row.city,
        carrier=row.carrier or "",
        priority=row.priority,
        channel=row.channel or "",
        deliver_by=row.deliver_by,
        instructions=from_json(extra.get("instructions")),
        inserts=(GIFT_NOTE,) if extra.get("gift_note") else (),
        customer=customer,
    )


class DbContext:
    """Answers the machine's questions inside the runner's transaction."""

    def __init__(
        self,
        session: Session,
        station_id: str,
        rules: PackRules,
        clock: Clock = utcnow,
    ) -> None:
        self.session = session
        self.station_id = station_id
        self._rules = rules
        self._clock = clock

    @property
    def rules(self) -> PackRules:
        return self._rules

    def now(self) -> datetime:
        return self._clock()

    def operator_by_badge(self, badge: str) -> Operator | None:
        row = self.session.scalar(
            select(OperatorRow).where(OperatorRow.badge == badge, OperatorRow.active)
        )
        return Operator(row.id, row.badge, row.name, row.role) if row else None

    #: Badge lockout ([security] in the station config); the station's backend may set it.
    pin_limits: PinLimits = PinLimits()
    #: The station's camera as last read (`packstation.domain.evidence`); None: no camera.
    #: The backend sets it for each decision; the claim checks it.
    camera: CameraState | None = None

    def verify_pin(self, operator: Operator, pin: str) -> PinVerdict:
        """Through `operators_repo.check_pin`: the wrong-PIN count is committed on its own
        (it survives this transaction's rollback), a locked badge comes back with its time."""
        from packstation.models.operators_repo import PinStatus, check_pin

        check = check_pin(
            self.session,
            operator.id,
            pin,
            now=self.now(),
            limit=self.pin_limits.attempts,
            lock_for=self.pin_limits.lock_for,
            station_id=self.station_id,
            purpose="override",
        )
        if check.status is PinStatus.LOCKED:
            return PinVerdict(False, locked_until=check.locked_until)
        return PinVerdict(check.ok, attempts_left=check.attempts_left)

    def find_order(self, ref: str) -> OrderView | ClaimRefusal | None:
        conn = connection_of(self.session)
        order = conn.execute(select(*_ORDER_COLUMNS).where(Order.id == ref)).first()
        if order is None:
            # A tote is reused: prefer its order that can be packed now.
            order = conn.execute(
                select(*_ORDER_COLUMNS)
                .where(Order.tote == ref)
                .order_by((Order.status == CLAIMABLE).desc(), Order.updated_at.desc())
                .limit(_ONE)
            ).first()
        if order is None:
            return None
        if order.station_id and order.station_id != self.station_id:
            lease = self.session.scalar(
                select(Station.lease_until).where(Station.id == order.station_id)
            )
            if is_live(lease, self.now()):
                return ClaimRefusal(
                    order.id, RefusalReason.HELD_ELSEWHERE, station=order.station_id
                )
            # Its station stopped beating: a lead releases it (or it is released by itself
            # after the auto-release time); until then nobody may take it over.
            return ClaimRefusal(
                order.id,
                RefusalReason.NOT_PACKABLE,
                station=order.station_id,
                status=f"{order.status}, station {order.station_id} offline",
            )
        if order.reserved_for and order.reserved_for != self.station_id and not order.station_id:
            # A lead reassigned it to that station: it is held there until it is claimed.
            return ClaimRefusal(order.id, RefusalReason.HELD_ELSEWHERE, station=order.reserved_for)
        mine = order.status == "packing" and order.station_id == self.station_id
        if order.status != CLAIMABLE and not mine:
            return ClaimRefusal(order.id, RefusalReason.NOT_PACKABLE, status=order.status)
        return _load_view(conn, order, self._rules)

    def next_order(self) -> OrderView | None:
        """The queue's head: highest priority, then earliest ship-by (none last), then id.

        Taken one priority at a time, so the lookup walks `ix_orders_queue`
        (status, priority, ship_by) instead of sorting every ready order (ship-by
        ascends while priority descends: one index cannot serve both at once).
        On PostgreSQL the row is locked with SKIP LOCKED until the runner's
        transaction, which goes on to commit the claim, ends: stations asking at
        once each get a different order and the claim's conditional update cannot
        miss. SQLite has one writer at a time: its write lock is taken before the
        lookup (an update of no row), so stations sharing a file queue up instead
        of all reading the same head and losing the race; the claim's conditional
        update still decides, and the runner still retries on ClaimConflict.
        """
        conn = connection_of(self.session)
        dialect = conn.dialect.name
        if dialect == "sqlite":
            conn.execute(_SQLITE_WRITE_LOCK)
        locking = dialect == "postgresql"

        def first(query: Select[*tuple[Any, ...]], **params: Any) -> OrderRow | None:
            stmt = _SKIP_LOCKED[query] if locking else query
            return conn.execute(stmt, {"me": self.station_id, **params}).first()

        order = first(_RESERVED) or first(_TOP_HEAD)
        below: int | None = None
        while order is None:  # every free order of the top priority is being taken
            if below is None:
                query = select(func.max(Order.priority)).where(*_READY)
                top = conn.execute(query, {"me": self.station_id}).scalar()
            else:
                top = conn.execute(_TOP_BELOW, {"me": self.station_id, "below": below}).scalar()
            if top is None:
                return None
            order = first(_HEAD_AT, priority=top)
            below = top
        return _load_view(conn, order, self._rules)

    def marking_used_in(self, identity: str) -> str | None:
        return self.session.scalar(
            select(MarkingCode.order_id).where(MarkingCode.identity == identity)
        )

    def serial_shipped_in(self, scope: str, serial: str) -> str | None:
        return self.session.scalar(
            select(PackedUnit.order_id)
            .where(
                PackedUnit.serial_scope == scope,
                PackedUnit.serial == serial,
                PackedUnit.returned_at.is_(None),
            )
            .limit(_ONE)
        )

    def order_of_code(self, code: ScannedCode) -> str | None:
        conds = [Barcode.code == code.text]
        if code.gtin:
            conds.append(Barcode.gtin == code.gtin)
        return self.session.scalar(
            select(Barcode.order_id)
            .join(Order, Order.id == Barcode.order_id)
            .where(or_(*conds))
            .order_by(
                (Order.status == CLAIMABLE).desc(),
                Order.priority.desc(),
                Order.ship_by.asc().nulls_last(),
            )
            .limit(_ONE)
        )

    def new_parcel_id(self, order_id: str) -> str:
        count = self.session.scalar(
            select(func.count()).select_from(Parcel).where(Parcel.order_id == order_id)
        )
        return f"PCL-{order_id}-{int(count or 0) + 1}"
