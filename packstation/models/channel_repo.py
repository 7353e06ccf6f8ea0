"""Storage for the marketplace channels: which orders are whose, cancellations, calls made,
product facts cached. Each function runs inside the caller's unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from packstation.models.db import Database

from packstation.channels.base import CallRecord
from packstation.domain.orders import OrderStatus
from packstation.models.channels import ChannelCall, ChannelProduct
from packstation.models.order_release import free_order
from packstation.models.orders import Order
from packstation.models.packing import Event

#: Orders the marketplace may still cancel before they leave: sync asks about these.
OPEN_AT_MARKETPLACE = (
    OrderStatus.NEW,
    OrderStatus.NEEDS_CORRECTION,
    OrderStatus.READY,
    OrderStatus.PACKING,
    OrderStatus.PACKED,
)


def owners(session: Session, ids: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """(channel, channel_ref) of the stored orders among `ids`."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Order.id, Order.channel, Order.channel_ref).where(
                Order.id.in_(ids[start : start + 500])
            )
        )
        found.update({r.id: (r.channel, r.channel_ref) for r in rows})
    return found


def channel_of(session: Session, order_id: str) -> tuple[str, str] | None:
    """(channel, marketplace id) of a marketplace order, None for an order from a file."""
    row = session.execute(
        select(Order.channel, Order.channel_ref).where(Order.id == order_id)
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


def attach(
    session: Session, rows: Iterable[tuple[str, str, str, dict[str, Any]]], now: datetime
) -> int:
    """Mark each (order id, channel, ref, extra) as the channel's; only rows that differ are
    written, so a sync that saw nothing new writes nothing."""
    rows = list(rows)
    ids = [r[0] for r in rows]
    stored: dict[str, tuple[str | None, str | None, dict[str, Any]]] = {}
    for start in range(0, len(ids), 500):
        for r in session.execute(
            select(Order.id, Order.channel, Order.channel_ref, Order.extra).where(
                Order.id.in_(ids[start : start + 500])
            )
        ):
            stored[r.id] = (r.channel, r.channel_ref, dict(r.extra or {}))
    changed = 0
    for order_id, channel, ref, extra in rows:
        before = stored.get(order_id)
        if before is None:
            continue
        merged = {**before[2], **extra}
        if before[0] == channel and before[1] == ref and merged == before[2]:
            continue
        session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(channel=channel, channel_ref=ref, extra=merged, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        changed += 1
    return changed


@dataclass(frozen=True, slots=True)
class OpenOrder:
    order_id: str
    ref: str
    status: str
    station_id: str | None


def open_orders(session: Session, channel: str) -> list[OpenOrder]:
    rows = session.execute(
        select(Order.id, Order.channel_ref, Order.status, Order.station_id).where(
            Order.channel == channel,
            Order.status.in_([s.value for s in OPEN_AT_MARKETPLACE]),
        )
    )
    return [OpenOrder(r.id, r.channel_ref or "", r.status, r.station_id) for r in rows]


def cancel(session: Session, order: OpenOrder, channel: str, now: datetime) -> str | None:
    """The marketplace cancelled it: the order is cancelled here too and leaves the station
    packing it (that station then shows "cancelled by the buyer: put the items back").
    Returns the station it left, if any. Audited as `order.cancelled`."""
    holder = order.station_id if order.status == OrderStatus.PACKING else None
    freed = None
    # The station packing it first (its session and row are closed); if it moved on
    # meanwhile, the order is cancelled wherever it is.
    for station_id in dict.fromkeys((holder, None)):
        freed = free_order(
            session,
            order.order_id,
            station_id,
            status=OrderStatus.CANCELLED.value,
            outcome="cancelled",
            at=now,
        )
        if freed is not None:
            break
    left = freed.station_id if freed is not None else None
    session.execute(
        insert(Event),
        [
            {
                "kind": "order.cancelled",
                "at": now,
                "order_id": order.order_id,
                "station_id": left,
                "operator_id": None,
                "payload": {
                    "by": "marketplace",
                    "channel": channel,
                    "ref": order.ref,
                    "from": order.status,
                },
            }
        ],
    )
    return left


def record_calls(session: Session, calls: Sequence[CallRecord], now: datetime) -> None:
    if not calls:
        return
    session.execute(
        insert(ChannelCall),
        [
            {
                "channel": c.channel,
                "method": c.method,
                "endpoint": c.endpoint[:200],
                "status": c.status,
                "duration_ms": c.duration_ms,
                "error": c.error[:200],
                "attempt": c.attempt,
                "at": now,
            }
            for c in calls
        ],
    )


def prune_calls(session: Session, before: datetime) -> int:
    result = session.execute(delete(ChannelCall).where(ChannelCall.at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ChannelHealth:
    """What the lead reads of one channel: "Ozon: 3 calls failing, last 429"."""

    channel: str
    calls: int
    failing: int
    last_status: int | None
    last_error: str
    last_at: datetime | None


def health(session: Session, since: datetime) -> list[ChannelHealth]:
    failed = (ChannelCall.status.is_(None)) | (ChannelCall.status >= 400)
    totals = session.execute(
        select(
            ChannelCall.channel,
            func.count(),
            func.sum(case((failed, 1), else_=0)),
        )
        .where(ChannelCall.at >= since)
        .group_by(ChannelCall.channel)
        .order_by(ChannelCall.channel)
    ).all()
    report = []
    for channel, calls, failing in totals:
        last = session.execute(
            select(ChannelCall.status, ChannelCall.error, ChannelCall.at)
            .where(ChannelCall.channel == channel, ChannelCall.at >= since, failed)
            .order_by(ChannelCall.id.desc())
            .limit(1)
        ).first()
        report.append(
            ChannelHealth(
                channel,
                int(calls),
                int(failing or 0),
                last.status if last else None,
                last.error if last else "",
                last.at if last else None,
            )
        )
    return report


class ProductCache:
    """A channel's product facts from `channel_products`, for the clients' `product_cache`
    / `product_store` callables: read once (facts fetched since `fresh_after`), new
    facts written in one transaction by `flush`, so a sync of 10,000 postings over 200
    products asks the marketplace about each product once a week, not once per posting."""

    def __init__(self, db: Database, channel: str, fresh_after: datetime) -> None:
        self.db = db
        self.channel = channel
        with db.unit_of_work() as session:
            rows = session.execute(
                select(ChannelProduct.product_ref, ChannelProduct.data).where(
                    ChannelProduct.channel == channel, ChannelProduct.fetched_at >= fresh_after
                )
            )
            self.known: dict[str, dict[str, Any]] = {r.product_ref: dict(r.data) for r in rows}
        self.pending: dict[str, dict[str, Any]] = {}

    def get(self, ref: str) -> dict[str, Any] | None:
        return self.known.get(ref)

    def put(self, ref: str, data: dict[str, Any]) -> None:
        self.known[ref] = data
        self.pending[ref] = data

    def flush(self, now: datetime) -> None:
        if not self.pending:
            return
        with self.db.unit_of_work() as session:
            refs = list(self.pending)
            session.execute(
                delete(ChannelProduct).where(
                    ChannelProduct.channel == self.channel, ChannelProduct.product_ref.in_(refs)
                )
            )
            session.execute(
                insert(ChannelProduct),
                [
                    {"channel": self.channel, "product_ref": ref, "data": data, "fetched_at": now}
                    for ref, data in self.pending.items()
                ],
            )
        self.pending.clear()
