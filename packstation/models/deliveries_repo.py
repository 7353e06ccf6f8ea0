"""Apply carrier statuses to parcels and orders: events, notifications, promises.

A parcel moves forward only::

    confirmed | shipped  ->  delivery_failed  ->  delivered | returned
    confirmed | shipped  ->  delivered | returned

A failed parcel may fail again later (another attempt: a new event and a new
notification); delivered and returned are final. The carrier's time of the
last status applied to a parcel is read back from its `delivery.*` events
(parcels have no column for the time of a failure or a return), so an update
that repeats the last status with the same time is `unchanged`, and one that
contradicts a final status or is older than the last one is `refused` with the
reason. Parcels that were never packed (`labelled`, `void`) are refused too.

Everything happens in the caller's transaction: the CLI imports a file as one
unit of work, so a file error rolls back every update before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.deliveries import Condition, DeliveryStatus, DeliveryUpdate
from packstation.domain.orders import OrderStatus
from packstation.domain.rules import PackRules
from packstation.models.orders import Order
from packstation.models.outbox_repo import customer_channel, enqueue
from packstation.models.packing import Event, Parcel

__all__ = ["DeliveryReport", "derive_promise", "import_deliveries"]

CHUNK = 500
#: Parcel statuses a carrier status may follow.
IN_TRANSIT = frozenset({"confirmed", "shipped"})
FINAL = frozenset({"delivered", "returned"})
PARCEL_STATUS = {
    DeliveryStatus.DELIVERED: "delivered",
    DeliveryStatus.FAILED: "delivery_failed",
    DeliveryStatus.RETURNED: "returned",
}
ORDER_STATUS = {
    DeliveryStatus.DELIVERED: OrderStatus.DELIVERED,
    DeliveryStatus.FAILED: OrderStatus.DELIVERY_FAILED,
    DeliveryStatus.RETURNED: OrderStatus.RETURNED,
}
#: What the customer is told when the carrier sends the parcel back without a reason.
RETURNED_REASON = "returned to sender"


@dataclass(slots=True)
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    returned: int = 0
    unchanged: int = 0
    #: Parcel ids the database does not know (each once, in file order).
    unknown_parcels: list[str] = field(default_factory=list)
    #: (parcel id, reason) for updates that were not applied.
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: Of the delivered ones, how many arrived damaged.
    damaged: int = 0
    notifications: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivered": self.delivered,
            "failed": self.failed,
            "returned": self.returned,
            "unchanged": self.unchanged,
            "damaged": self.damaged,
            "notifications": self.notifications,
            "unknown_parcels": list(self.unknown_parcels),
            "refused": [{"parcel_id": p, "reason": r} for p, r in self.refused],
        }


def derive_promise(
    ship_by: datetime | None, carrier: str, tariff: str, rules: PackRules | None
) -> datetime | None:
    """The delivery promise of a parcel stored without one.

    The order's ship-by plus the tariff's days when the config knows the
    tariff; the ship-by alone otherwise (a strict promise: such parcels count
    late unless delivered by the ship-by time); None without a ship-by.
    """
    if ship_by is None:
        return None
    if rules is not None:
        for c in rules.carriers:
            if c.code.upper() != carrier.upper():
                continue
            for t in c.tariffs:
                if t.code.upper() == tariff.upper():
                    return ship_by + timedelta(days=t.days)
    return ship_by


def _utc(at: datetime) -> str:
    """One spelling per instant, so Z and +03:00 files give the same keys."""
    return at.astimezone(UTC).isoformat()


def _chunks(items: Iterable[DeliveryUpdate], size: int) -> Iterator[list[DeliveryUpdate]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _last_times(session: Session, order_ids: Sequence[str]) -> dict[str, datetime]:
    """Carrier time of the last status applied to each parcel of these orders."""
    last: dict[str, datetime] = {}
    rows = session.execute(
        select(Event.payload).where(Event.order_id.in_(order_ids), Event.kind.like("delivery.%"))
    )
    for (payload,) in rows:
        parcel_id, time = payload.get("parcel_id"), payload.get("time")
        if not isinstance(parcel_id, str) or not isinstance(time, str):
            continue
        at = datetime.fromisoformat(time)
        if parcel_id not in last or at > last[parcel_id]:
            last[parcel_id] = at
    return last


def import_deliveries(
    session: Session,
    updates: Iterable[DeliveryUpdate],
    now: datetime | None = None,
    *,
    rules: PackRules | None = None,
    source: str = "",
) -> DeliveryReport:
    """Apply carrier statuses in file order; see the module doc for what is accepted."""
    now = now or utcnow()
    report = DeliveryReport()
    unknown: set[str] = set()
    for chunk in _chunks(updates, CHUNK):
        ids = list({u.parcel_id for u in chunk})
        parcels = {p.id: p for p in session.scalars(select(Parcel).where(Parcel.id.in_(ids)))}
        order_ids = list({p.order_id for p in parcels.values()})
        orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(order_ids)))}
        last = _last_times(session, order_ids) if order_ids else {}
        for update in chunk:
            parcel = parcels.get(update.parcel_id)
            if parcel is None:
                if update.parcel_id not in unknown:
                    unknown.add(update.parcel_id)
                    report.unknown_parcels.append(update.parcel_id)
                continue
            _apply(
                session, report, update, parcel, orders[parcel.order_id], last, now, rules, source
            )
    return report


def _verdict(parcel: Parcel, update: DeliveryUpdate, last: datetime | None) -> str | None:
    """None to apply, "" for unchanged, else the reason for refusing."""
    new = PARCEL_STATUS[update.status]
    when = update.at.isoformat()
    if parcel.status in IN_TRANSIT:
        return None
    if parcel.status == "delivery_failed" or parcel.status in FINAL:
        if last is not None and update.at == last and parcel.status == new:
            return ""
        if parcel.status in FINAL:
            at = f" at {last.isoformat()}" if last else ""
            if parcel.status == new:
                return f"already {new}{at}; {new} again at {when} ignored"
            return f"already {parcel.status}{at}: {update.status.value} at {when} would go back"
        if last is not None and update.at < last:
            return (
                f"{update.status.value} at {when} is older than the failed attempt "
                f"at {last.isoformat()}"
            )
        return None
    return f"parcel is {parcel.status}, never handed to the carrier"


def _apply(
    session: Session,
    report: DeliveryReport,
    update: DeliveryUpdate,
    parcel: Parcel,
    order: Order,
    last: dict[str, datetime],
    now: datetime,
    rules: PackRules | None,
    source: str,
) -> None:
    previous = last.get(parcel.id)
    if previous is None and parcel.status == "delivered":
        previous = parcel.delivered_at  # delivered before events were kept, or written directly
    verdict = _verdict(parcel, update, previous)
    if verdict == "":
        report.unchanged += 1
        return
    if verdict is not None:
        report.refused.append((parcel.id, verdict))
        return
    before = parcel.status
    parcel.status = PARCEL_STATUS[update.status]
    if update.condition is not Condition.UNKNOWN or parcel.condition is None:
        parcel.condition = update.condition.value
    if parcel.promised_by is None:
        parcel.promised_by = derive_promise(order.ship_by, parcel.carrier, parcel.tariff, rules)
    if update.status is DeliveryStatus.DELIVERED:
        parcel.delivered_at = update.at
        report.delivered += 1
        if update.condition is Condition.DAMAGED:
            report.damaged += 1
    elif update.status is DeliveryStatus.FAILED:
        report.failed += 1
    else:
        report.returned += 1
    order_before = order.status
    target = ORDER_STATUS[update.status]
    if order.status != target:
        order.status = target
        order.status_changed_at = now
        order.updated_at = now
    last[parcel.id] = update.at
    reason = update.reason
    if update.status is not DeliveryStatus.DELIVERED:
        reason = reason or (RETURNED_REASON if update.status is DeliveryStatus.RETURNED else "")
        if _notify(session, update, parcel, order, reason, now):
            report.notifications += 1
    session.add(
        Event(
            at=now,
            kind=f"delivery.{update.status.value}",
            order_id=order.id,
            payload={
                "parcel_id": parcel.id,
                "time": _utc(update.at),
                "from": before,
                "status": parcel.status,
                "order_from": order_before,
                "order_status": order.status,
                "reason": reason,
                "condition": update.condition.value,
                "source": f"{source} {update.source}".strip(),
            },
        )
    )


def _notify(
    session: Session,
    update: DeliveryUpdate,
    parcel: Parcel,
    order: Order,
    reason: str,
    now: datetime,
) -> bool:
    """Failed and returned-to-sender both tell the buyer with the `delivery_failed` template."""
    channel, recipient = customer_channel(
        order.email, order.phone, (p.get("field", "") for p in order.problems)
    )
    prefix = "delivery_failed" if update.status is DeliveryStatus.FAILED else "delivery_returned"
    return enqueue(
        session,
        key=f"{prefix}:{parcel.id}:{_utc(update.at)}",
        template="delivery_failed",
        channel=channel,
        recipient=recipient,
        locale=order.locale or "ru",
        payload={
            "order_id": order.id,
            "parcel_id": parcel.id,
            "carrier": parcel.carrier,
            "reason": reason,
            "customer_name": order.customer_name,
        },
        order_id=order.id,
        now=now,
    )
