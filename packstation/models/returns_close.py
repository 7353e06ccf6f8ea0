"""Closing a return in the database, apart from returns_repo.py (opening, importing, listing).

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

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.orders import OrderStatus
from packstation.domain.returns import (
    RETURNABLE_STATUSES,
    ClosePlan,
    CloseSummary,
    Decision,
    ReturnStatus,
    money,
)
from packstation.models.orders import Order
from packstation.models.outbox_repo import customer_channel, enqueue
from packstation.models.packing import Event, PackedUnit
from packstation.models.returns import Refund, Return, ReturnLine
from packstation.models.returns_repo import _currency, _returned, _shipped

__all__ = ["ReturnRefused", "close_return"]


class ReturnRefused(Exception):
    """Closing is refused (the order changed since the return was opened); one line."""


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
