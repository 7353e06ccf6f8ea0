"""The workflow's read-only window onto the database (`Context` of the pack machine)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, or_, select
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
from packstation.models import Barcode, MarkingCode, Order, OrderLine, Parcel
from packstation.models import Operator as OperatorRow
from packstation.models.base import utcnow

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
            return ClaimRefusal(order.id, RefusalReason.HELD_ELSEWHERE, station=order.station_id)
        mine = order.status == "packing" and order.station_id == self.station_id
        if order.status != CLAIMABLE and not mine:
            return ClaimRefusal(order.id, RefusalReason.NOT_PACKABLE, status=order.status)
        return order_view(order)

    def next_order(self) -> OrderView | None:
        order = self.session.scalars(
            select(Order)
            .options(WITH_LINES)
            .where(Order.status == CLAIMABLE, Order.station_id.is_(None))
            .order_by(Order.priority.desc(), Order.ship_by.asc().nulls_last(), Order.id)
            .limit(1)
        ).first()
        return order_view(order) if order else None

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
