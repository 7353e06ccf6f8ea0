"""Returns in the database: announced ones imported, a return opened by a scan, and closed.

Closing writes everything a return means in the caller's one transaction: the
return row (the announced one, or a new one for a return nobody announced),
its lines, the refund, the events `return.received` and `refund.decided`, the
order's status `returned`, and the customer notifications `return_received`
and `refund_issued` (the latter only when money is paid back); the units matched by
their serial are marked returned in `packed_units` (their serial may leave again). Quantities
and amounts are checked again there, under a row lock on the order
(PostgreSQL; SQLite serialises writers), so two stations receiving the same
order cannot take back more than was shipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.orders import OrderStatus
from packstation.domain.returns import (
    DEFAULT_CURRENCY,
    RETURNABLE_STATUSES,
    ClosePlan,
    CloseSummary,
    Decision,
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
from packstation.models.outbox_repo import customer_channel, enqueue
from packstation.models.packing import Defect, Event, MarkingCode, PackedUnit
from packstation.models.returns import Refund, Return, ReturnLine

__all__ = [
    "ImportReport",
    "ReturnRefused",
    "close_return",
    "find_return",
    "import_announced",
    "list_returns",
]

CHUNK = 500
SHIP_SHORT = "ship_short"


class ReturnRefused(Exception):
    """Closing is refused (the order changed since the return was opened); one line."""


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


# --------------------------------------------------------------------------- close


def _check_plan(
    plan: ClosePlan, order: Order, shipped: dict[int, int], returned: dict[int, int]
) -> None:
    lines = {line.id: line for line in order.lines}
    for planned in plan.lines:
        line = lines.get(planned.line_id)
        if line is None:
            raise ReturnRefused(f"line {planned.line_id} is not in order {order.id}")
        if planned.qty < 1:
            raise ReturnRefused(f"{line.sku}: quantity must be at least 1")
        left = shipped[line.id] - returned.get(line.id, 0)
        if plan.units_of(line.id) > left:
            raise ReturnRefused(
                f"{line.sku}: {plan.units_of(line.id)} back, but only {max(left, 0)} of "
                f"{shipped[line.id]} shipped may still be returned"
            )
        full = (line.unit_price or Decimal(0)) * planned.qty
        if planned.decision is Decision.FULL:
            ok = line.unit_price is not None and planned.amount == full
        elif planned.decision is Decision.PARTIAL:
            ok = line.unit_price is not None and 0 < planned.amount <= full and bool(planned.reason)
        else:
            ok = planned.amount == 0 and bool(planned.reason)
        if not ok:
            raise ReturnRefused(
                f"{line.sku}: {planned.decision.value} refund of {money(planned.amount)} does not "
                f"fit the order's price"
            )


def close_return(
    session: Session,
    plan: ClosePlan,
    *,
    operator_id: int | None,
    station_id: str | None,
    now: datetime | None = None,
) -> CloseSummary:
    """Record an inspected return; raises `ReturnRefused` when it no longer fits the order."""
    now = now or utcnow()
    order = session.get(Order, plan.order_id, with_for_update=True)
    if order is None:
        raise ReturnRefused(f"order {plan.order_id} does not exist")
    if order.status not in RETURNABLE_STATUSES:
        raise ReturnRefused(f"order {order.id} is {order.status}")
    shipped = _shipped(session, order)
    _check_plan(plan, order, shipped, _returned(session, order.id))
    if plan.return_id is not None:
        ret = session.get(Return, plan.return_id, with_for_update=True)
        if ret is None or ret.order_id != order.id:
            raise ReturnRefused(f"return {plan.return_id} is not a return of order {order.id}")
        if ret.status != ReturnStatus.ANNOUNCED:
            raise ReturnRefused(f"return {ret.rma or ret.id} was already closed")
    else:
        ret = Return(order_id=order.id, announced=False, reason="", announced_items=[])
        session.add(ret)
    ret.status = ReturnStatus.CLOSED.value
    ret.received_at = plan.received_at or now
    ret.closed_at = now
    ret.operator_id = operator_id
    ret.station_id = station_id
    session.flush()
    skus = {line.id: line.sku for line in order.lines}
    for planned in plan.lines:
        session.add(
            ReturnLine(
                return_id=ret.id,
                line_id=planned.line_id,
                qty=planned.qty,
                condition=planned.condition.value,
                decision=planned.decision.value,
                refund_amount=planned.amount,
                reason=planned.reason,
            )
        )
    if plan.serials_back:  # the units shipped with these serials are back: they may leave again
        session.execute(
            update(PackedUnit)
            .where(
                PackedUnit.order_id == order.id,
                PackedUnit.serial.in_(plan.serials_back),
                PackedUnit.returned_at.is_(None),
            )
            .values(returned_at=now, return_id=ret.id)
            .execution_options(synchronize_session=False)
        )
    currency = _currency(order)
    if plan.refund > 0:
        session.add(
            Refund(
                return_id=ret.id,
                order_id=order.id,
                amount=plan.refund,
                currency=currency,
                status="issued",
                operator_id=operator_id,
                created_at=now,
            )
        )
    order_from = order.status
    if order.status != OrderStatus.RETURNED:
        order.status = OrderStatus.RETURNED.value
        order.status_changed_at = now
        order.updated_at = now
    common: dict[str, Any] = {"return_id": ret.id, "rma": ret.rma}
    lines = [
        {"line_id": p.line_id, "sku": skus.get(p.line_id, ""), "qty": p.qty} for p in plan.lines
    ]
    session.add_all(
        [
            Event(
                at=now,
                kind="return.received",
                order_id=order.id,
                station_id=station_id,
                operator_id=operator_id,
                payload={
                    **common,
                    "announced": ret.announced,
                    "received_at": ret.received_at.astimezone(UTC).isoformat(),
                    "units": plan.units,
                    "lines": [
                        {**line, "condition": p.condition.value}
                        for line, p in zip(lines, plan.lines, strict=True)
                    ],
                    "identities": list(plan.identities),
                    "unit_facts": [
                        {"line_id": u.line_id, "serial": u.serial, "lot": u.lot}
                        for u in plan.returned_units
                    ],
                    "order_from": order_from,
                    "order_status": order.status,
                },
            ),
            Event(
                at=now,
                kind="refund.decided",
                order_id=order.id,
                station_id=station_id,
                operator_id=operator_id,
                payload={
                    **common,
                    "total": money(plan.refund),
                    "currency": currency,
                    "lines": [
                        {
                            **line,
                            "decision": p.decision.value,
                            "amount": money(p.amount),
                            "reason": p.reason,
                        }
                        for line, p in zip(lines, plan.lines, strict=True)
                    ],
                },
            ),
        ]
    )
    sent = _notify(session, order, ret, plan.refund, currency, now)
    return CloseSummary(order.id, ret.id, plan.units, plan.refund, currency, sent)


def _notify(
    session: Session, order: Order, ret: Return, refund: Decimal, currency: str, now: datetime
) -> int:
    channel, recipient = customer_channel(
        order.email, order.phone, (p.get("field", "") for p in order.problems)
    )
    base = {"order_id": order.id, "customer_name": order.customer_name, "rma": ret.rma or ""}
    sent = 0
    messages = [("return_received", base)]
    if refund > 0:
        messages.append(("refund_issued", {**base, "amount": money(refund), "currency": currency}))
    for template, payload in messages:
        if enqueue(
            session,
            key=f"{template}:{ret.id}",
            template=template,
            channel=channel,
            recipient=recipient,
            locale=order.locale or "ru",
            payload=payload,
            order_id=order.id,
            now=now,
        ):
            sent += 1
    return sent


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
