"""Returns in the database: announced ones imported, a return opened by a scan, and listed.

Closing one is in `returns_close.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.returns import (
    DEFAULT_CURRENCY,
    RETURNABLE_STATUSES,
    LookupRefusal,
    RefusalKind,
    ReturnStatus,
    ReturnView,
    money,
    return_line_view,
)
from packstation.domain.returns_file import AnnouncedReturn
from packstation.domain.units import ShippedUnit
from packstation.models.orders import Barcode, Order
from packstation.models.packing import Defect, Event, MarkingCode, PackedUnit
from packstation.models.returns import Refund, Return, ReturnLine

__all__ = [
    "ImportReport",
    "find_return",
    "import_announced",
    "list_returns",
]

CHUNK = 500
SHIP_SHORT = "ship_short"


# --------------------------------------------------------------------------- quantities


def _shipped(session: Session, order: Order) -> dict[int, int]:
    """Units of each line that left the warehouse: ordered minus short-shipped."""
    short = dict(
        session.execute(
            select(Defect.line_id, func.sum(Defect.qty))
            .where(Defect.order_id == order.id, Defect.resolution == SHIP_SHORT)
            .group_by(Defect.line_id)
        ).all()
    )
    return {line.id: max(line.qty - int(short.get(line.id) or 0), 0) for line in order.lines}


def _returned(session: Session, order_id: str) -> dict[int, int]:
    """Units of each line in returns closed so far."""
    rows = session.execute(
        select(ReturnLine.line_id, func.sum(ReturnLine.qty))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id, Return.status == ReturnStatus.CLOSED.value)
        .group_by(ReturnLine.line_id)
    ).all()
    return {line_id: int(qty or 0) for line_id, qty in rows}


def _currency(order: Order) -> str:
    return (order.currency or DEFAULT_CURRENCY).upper()


# --------------------------------------------------------------------------- open


def find_return(
    session: Session, key: str, now: datetime | None = None
) -> ReturnView | LookupRefusal:
    """What the returns screen opens for a scanned return label, RMA or order id."""
    key = key.strip()
    ret = session.scalar(
        select(Return)
        .where(or_(Return.rma == key, Return.label_code == key))
        .order_by((Return.status == ReturnStatus.ANNOUNCED.value).desc(), Return.id)
        .limit(1)
    )
    if ret is not None and ret.status == ReturnStatus.CLOSED:
        return LookupRefusal(RefusalKind.ALREADY_CLOSED, key, ret.order_id)
    order = session.get(Order, ret.order_id if ret is not None else key)
    if order is None:
        return LookupRefusal(RefusalKind.NOT_FOUND, key)
    if order.status not in RETURNABLE_STATUSES:
        return LookupRefusal(RefusalKind.NOT_RETURNABLE, key, order.id, order.status)
    if ret is None:  # scanned by order id: receive the announced return if there is one
        ret = session.scalar(
            select(Return)
            .where(Return.order_id == order.id, Return.status == ReturnStatus.ANNOUNCED.value)
            .order_by(Return.id)
            .limit(1)
        )
    shipped = _shipped(session, order)
    returned = _returned(session, order.id)
    codes: dict[int, list[str]] = {}
    for line_id, code in session.execute(
        select(Barcode.line_id, Barcode.code)
        .where(Barcode.order_id == order.id)
        .order_by(Barcode.id)
    ):
        codes.setdefault(line_id, []).append(code)
    lines = tuple(
        return_line_view(
            line.id,
            line.sku,
            line.name,
            shipped[line.id],
            returned.get(line.id, 0),
            line.unit_price,
            codes.get(line.id, ()),
        )
        for line in order.lines
    )
    if all(line.shipped - line.returned_before <= 0 for line in lines):
        return LookupRefusal(RefusalKind.NOTHING_LEFT, key, order.id, order.status)
    markings = frozenset(
        session.scalars(select(MarkingCode.identity).where(MarkingCode.order_id == order.id))
    )
    units = tuple(
        ShippedUnit(line_id, serial, lot)
        for line_id, serial, lot in session.execute(
            select(PackedUnit.line_id, PackedUnit.serial, PackedUnit.lot)
            .where(PackedUnit.order_id == order.id, PackedUnit.returned_at.is_(None))
            .order_by(PackedUnit.id)
        )
    )
    announced: tuple[tuple[str, int], ...] = ()
    if ret is not None:
        announced = tuple(
            (str(i.get("sku", "")), int(i.get("qty", 0))) for i in ret.announced_items
        )
    return ReturnView(
        order_id=order.id,
        order_status=order.status,
        currency=_currency(order),
        lines=lines,
        customer_name=order.customer_name,
        return_id=ret.id if ret is not None else None,
        rma=ret.rma if ret is not None else None,
        label_code=ret.label_code if ret is not None else None,
        reason=ret.reason if ret is not None else "",
        announced_items=announced,
        markings=markings,
        units=units,
        received_at=now or utcnow(),
    )


# --------------------------------------------------------------------------- announced


@dataclass(slots=True)
class ImportReport:
    announced: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (rma, reason) of returns not stored.
    refused: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "announced": self.announced,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "refused": [{"rma": r, "reason": why} for r, why in self.refused],
        }


def _chunks(items: Iterable[AnnouncedReturn], size: int) -> Iterator[list[AnnouncedReturn]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _items_json(row: AnnouncedReturn) -> list[dict[str, Any]]:
    return [{"sku": item.sku, "qty": item.qty} for item in row.items]


def _refusal(session: Session, row: AnnouncedReturn, order: Order | None) -> str | None:
    if order is None:
        return f"unknown order {row.order_id}"
    if order.status not in RETURNABLE_STATUSES:
        return f"order {order.id} is {order.status}: nothing of it has been shipped"
    by_sku = {line.sku: line for line in order.lines}
    unknown = [item.sku for item in row.items if item.sku not in by_sku]
    if unknown:
        return f"{', '.join(unknown)} not in order {order.id}"
    shipped = _shipped(session, order)
    for item in row.items:
        line = by_sku[item.sku]
        if item.qty > shipped[line.id]:
            return f"{item.sku}: {item.qty} announced, {shipped[line.id]} shipped"
    return None


def import_announced(
    session: Session,
    returns: Iterable[AnnouncedReturn],
    now: datetime | None = None,
    *,
    source: str = "",
) -> ImportReport:
    """Store announced returns; an RMA seen before is updated while still announced."""
    now = now or utcnow()
    report = ImportReport()
    for chunk in _chunks(returns, CHUNK):
        order_ids = list({row.order_id for row in chunk})
        orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(order_ids)))}
        rmas = [row.rma for row in chunk]
        known = {r.rma: r for r in session.scalars(select(Return).where(Return.rma.in_(rmas)))}
        for row in chunk:
            order = orders.get(row.order_id)
            existing = known.get(row.rma)
            if existing is not None and existing.order_id != row.order_id:
                report.refused.append((row.rma, f"already announced for order {existing.order_id}"))
                continue
            why = _refusal(session, row, order)
            if why is not None:
                report.refused.append((row.rma, why))
                continue
            _store(session, report, row, existing, now, source)
    return report


def _store(
    session: Session,
    report: ImportReport,
    row: AnnouncedReturn,
    existing: Return | None,
    now: datetime,
    source: str,
) -> None:
    items = _items_json(row)
    label = row.label_code or None
    if existing is not None:
        same = (
            existing.announced_items == items
            and existing.reason == row.reason
            and existing.label_code == label
        )
        if same or existing.status != ReturnStatus.ANNOUNCED:
            report.unchanged += 1  # a received return keeps what was inspected
            return
        existing.announced_items = items
        existing.reason = row.reason
        existing.label_code = label
        report.updated += 1
        kind = "return.reannounced"
    else:
        existing = Return(
            order_id=row.order_id,
            rma=row.rma,
            label_code=label,
            announced=True,
            status=ReturnStatus.ANNOUNCED.value,
            reason=row.reason,
            announced_items=items,
            announced_at=row.announced_at or now,
            created_at=now,
        )
        session.add(existing)
        session.flush()
        report.announced += 1
        kind = "return.announced"
    session.add(
        Event(
            at=now,
            kind=kind,
            order_id=row.order_id,
            payload={
                "return_id": existing.id,
                "rma": row.rma,
                "label": row.label_code,
                "reason": row.reason,
                "items": items,
                "source": f"{source} {row.source}".strip(),
            },
        )
    )


# --------------------------------------------------------------------------- list


def list_returns(
    session: Session, *, status: str | None = None, limit: int = 100
) -> Sequence[dict[str, Any]]:
    """Newest first, with the refund paid back (JSON-ready values)."""
    query = (
        select(Return, Refund.amount, Refund.currency)
        .outerjoin(Refund, Refund.return_id == Return.id)
        .order_by(Return.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Return.status == status)
    out: list[dict[str, Any]] = []
    for ret, amount, currency in session.execute(query):
        units = session.scalar(
            select(func.coalesce(func.sum(ReturnLine.qty), 0)).where(ReturnLine.return_id == ret.id)
        )
        out.append(
            {
                "id": ret.id,
                "order_id": ret.order_id,
                "rma": ret.rma,
                "label": ret.label_code,
                "status": ret.status,
                "announced": ret.announced,
                "reason": ret.reason,
                "units": int(units or 0),
                "refund": money(amount) if amount is not None else None,
                "currency": currency,
                "received_at": ret.received_at.isoformat() if ret.received_at else None,
                "closed_at": ret.closed_at.isoformat() if ret.closed_at else None,
                "station_id": ret.station_id,
            }
        )
    return out
