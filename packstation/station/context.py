"""The workflow's read-only window onto the database (`Context` of the pack machine)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import false, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from packstation.domain.codes import ScannedCode
from packstation.domain.pins import verify_pin
from packstation.domain.rules import PackRules
from packstation.domain.workflow import (
    ClaimRefusal,
    Operator,
    OrderView,
    RefusalReason,
    line_view,
)
from packstation.models import Barcode, MarkingCode, Order, OrderLine, Parcel, Station
from packstation.models import Operator as OperatorRow
from packstation.models.base import utcnow
from packstation.station.leases import is_live

#: Lines and their barcodes in two queries, not one per line (orders can have 2,000 lines).
WITH_LINES = selectinload(Order.lines).selectinload(OrderLine.barcodes)

#: Orders a station may take. `packing` only when this station already holds it.
CLAIMABLE = "ready"


def order_view(order: Order) -> OrderView:
    return OrderView(
        id=order.id,
        lines=tuple(
            line_view(
                line.id,
                line.sku,
                line.name,
                line.qty,
                line.unit_weight_g,
                barcodes=[b.code for b in line.barcodes],
                fragile=line.fragile,
                liquid=line.liquid,
                marked=line.marked,
            )
            for line in order.lines
        ),
        tote=order.tote or "",
        ship_by=order.ship_by,
        country=order.country,
        city=order.city,
        carrier=order.carrier or "",
        priority=order.priority,
    )


class DbContext:
    """Answers the machine's questions inside the runner's transaction."""

    def __init__(
        self,
        session: Session,
        station_id: str,
        rules: PackRules,
        clock: Callable[[], datetime] = utcnow,
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

    def verify_pin(self, operator: Operator, pin: str) -> bool:
        stored = self.session.scalar(
            select(OperatorRow.pin_hash).where(OperatorRow.id == operator.id)
        )
        return verify_pin(pin, stored)

    def find_order(self, ref: str) -> OrderView | ClaimRefusal | None:
        order = self.session.get(Order, ref, options=[WITH_LINES])
        if order is None:
            # A tote is reused: prefer its order that can be packed now.
            order = self.session.scalars(
                select(Order)
                .options(WITH_LINES)
                .where(Order.tote == ref)
                .order_by((Order.status == CLAIMABLE).desc(), Order.updated_at.desc())
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
        mine = order.status == "packing" and order.station_id == self.station_id
        if order.status != CLAIMABLE and not mine:
            return ClaimRefusal(order.id, RefusalReason.NOT_PACKABLE, status=order.status)
        return order_view(order)

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
        dialect = self.session.get_bind().dialect.name
        if dialect == "sqlite":
            self.session.execute(update(Station).where(false()).values(name=Station.name))
        ready = (Order.status == CLAIMABLE, Order.station_id.is_(None))
        below: int | None = None
        while True:
            top = select(func.max(Order.priority)).where(*ready)
            if below is not None:
                top = top.where(Order.priority < below)
            priority = self.session.scalar(top)
            if priority is None:
                return None
            query = (
                select(Order)
                .options(WITH_LINES)
                .where(*ready, Order.priority == priority)
                .order_by(Order.ship_by.asc().nulls_last(), Order.id)
                .limit(1)
            )
            if dialect == "postgresql":
                query = query.with_for_update(of=Order, skip_locked=True)
            order = self.session.scalars(query).first()
            if order is not None:
                return order_view(order)
            below = priority  # every order of this priority is taken (or being taken)

    def marking_used_in(self, identity: str) -> str | None:
        return self.session.scalar(
            select(MarkingCode.order_id).where(MarkingCode.identity == identity)
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
            .limit(1)
        )

    def new_parcel_id(self, order_id: str) -> str:
        count = self.session.scalar(
            select(func.count()).select_from(Parcel).where(Parcel.order_id == order_id)
        )
        return f"PCL-{order_id}-{int(count or 0) + 1}"
