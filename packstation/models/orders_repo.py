"""Storing imported orders and reading them back.

One call of `import_orders` is one transaction (the caller's unit of work):
a file is imported whole or not at all. Rows are written with executemany
in chunks so a 100,000-line file stays fast and small in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.codes import gtin14
from packstation.domain.orders import EDITABLE_STATUSES, OrderData, OrderStatus, Problem
from packstation.models.orders import Barcode, Order, OrderLine
from packstation.models.outbox_repo import customer_channel, enqueue

CHUNK = 1000

# Core tables for executemany writes (the ORM's bulk path costs more than SQLite itself).
_ORDERS = Order.metadata.tables["orders"]
_LINES = Order.metadata.tables["order_lines"]
_BARCODES = Order.metadata.tables["barcodes"]
_EVENTS = Order.metadata.tables["events"]

Validator = Callable[[OrderData], list[Problem]]


@dataclass(slots=True)
class ImportReport:
    ready: int = 0
    needs_correction: int = 0
    unchanged: int = 0
    updated: int = 0
    lines: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: order id -> its problems, for orders stored as needs_correction.
    problems: dict[str, list[Problem]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "needs_correction": self.needs_correction,
            "unchanged": self.unchanged,
            "refused": len(self.refused),
            "updated": self.updated,
            "lines": self.lines,
        }


def content_hash(order: OrderData) -> str:
    """What identifies "the same order": every field but where it sat in the file.

    Built by hand rather than with dataclasses.asdict, whose deep copies cost
    more than the whole database write on large files.
    """
    c, a = order.customer, order.address
    parts: list[object] = [
        order.id,
        order.tote,
        order.priority,
        order.ship_by.isoformat() if order.ship_by else None,
        c.name,
        c.phone,
        c.email,
        c.locale,
        a.country,
        a.region,
        a.city,
        a.postcode,
        a.line1,
        a.line2,
        order.carrier,
        str(order.declared_value),
        order.currency,
    ]
    for ln in order.lines:
        parts.append(
            (
                ln.sku,
                ln.name,
                ln.barcodes,
                ln.qty,
                str(ln.unit_weight_g),
                ln.fragile,
                ln.liquid,
                ln.marked,
                ln.hs_code,
                str(ln.unit_price),
            )
        )
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _chunks(items: Iterable[OrderData], size: int) -> Iterator[list[OrderData]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _order_row(
    order: OrderData, status: OrderStatus, problems: list[Problem], digest: str, now: datetime
) -> dict[str, Any]:
    c, a = order.customer, order.address
    return {
        "id": order.id,
        "tote": order.tote or None,
        "status": status.value,
        "priority": order.priority,
        "ship_by": order.ship_by,
        "customer_name": c.name,
        "phone": c.phone,
        "email": c.email,
        "locale": c.locale,
        "country": a.country[:2],
        "region": a.region,
        "city": a.city,
        "postcode": a.postcode[:16],
        "line1": a.line1,
        "line2": a.line2,
        "carrier": order.carrier or None,
        "declared_value": order.declared_value,
        "currency": order.currency[:3],
        "problems": [{"field": p.field, "message": p.message} for p in problems],
        "content_hash": digest,
        "status_changed_at": now,
        "created_at": now,
        "updated_at": now,
        "extra": {},
    }


def _insert_lines(session: Session, orders: Sequence[OrderData]) -> int:
    line_rows: list[dict[str, Any]] = []
    codes_per_line: list[tuple[str, list[str]]] = []
    for order in orders:
        for pos, line in enumerate(order.lines):
            line_rows.append(
                {
                    "order_id": order.id,
                    "position": pos,
                    "sku": line.sku,
                    "name": line.name,
                    "qty": line.qty,
                    "unit_weight_g": line.unit_weight_g or Decimal(0),
                    "unit_price": line.unit_price,
                    "fragile": line.fragile,
                    "liquid": line.liquid,
                    "marked": line.marked,
                    "hs_code": line.hs_code,
                }
            )
            codes_per_line.append((order.id, line.barcodes))
    if not line_rows:
        return 0
    conn = session.connection()
    ids = (
        conn.execute(
            insert(_LINES).returning(_LINES.c.id, sort_by_parameter_order=True),
            line_rows,
        )
        .scalars()
        .all()
    )
    barcode_rows = [
        {"line_id": line_id, "order_id": order_id, "code": code, "gtin": gtin14(code)}
        for line_id, (order_id, codes) in zip(ids, codes_per_line, strict=True)
        for code in codes
    ]
    if barcode_rows:
        conn.execute(insert(_BARCODES), barcode_rows)
    return len(line_rows)


def import_orders(
    session: Session,
    orders: Iterable[OrderData],
    validate: Validator,
    *,
    now: datetime | None = None,
    source: str = "",
) -> ImportReport:
    """Insert new orders, update changed editable ones, skip identical ones, refuse the rest."""
    now = now or utcnow()
    report = ImportReport()
    for chunk in _chunks(orders, CHUNK):
        existing = {
            row.id: (row.status, row.content_hash)
            for row in session.execute(
                select(Order.id, Order.status, Order.content_hash).where(
                    Order.id.in_([o.id for o in chunk])
                )
            )
        }
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[OrderData, dict[str, Any]]] = []
        fresh: list[OrderData] = []
        events: list[dict[str, Any]] = []
        for order in chunk:
            digest = content_hash(order)
            before = existing.get(order.id)
            if before is not None:
                status_before, hash_before = before
                if hash_before == digest:
                    report.unchanged += 1
                    continue
                if status_before not in EDITABLE_STATUSES:
                    reason = (
                        f"{order.id} is already {status_before}; changes are accepted only "
                        f"while new, ready or needs_correction"
                    )
                    report.refused.append((order.id, reason))
                    events.append(
                        _event(
                            "order.import_refused",
                            order.id,
                            now,
                            {"reason": reason, "source": source},
                        )
                    )
                    continue
            problems = validate(order)
            status = OrderStatus.NEEDS_CORRECTION if problems else OrderStatus.READY
            row = _order_row(order, status, problems, digest, now)
            if before is None:
                inserts.append(row)
            else:
                row.pop("created_at")
                updates.append((order, row))
                report.updated += 1
            fresh.append(order)
            report.lines += len(order.lines)
            if problems:
                report.needs_correction += 1
                report.problems[order.id] = problems
                _queue_correction_request(session, order, problems, digest, now)
            else:
                report.ready += 1
            events.append(
                _event(
                    "order.imported" if before is None else "order.updated",
                    order.id,
                    now,
                    {
                        "status": status.value,
                        "from": before[0] if before else None,
                        "problems": [str(p) for p in problems],
                        "source": source,
                    },
                )
            )
        if inserts:
            session.connection().execute(insert(_ORDERS), inserts)
        for order, row in updates:
            session.execute(delete(Barcode).where(Barcode.order_id == order.id))
            session.execute(delete(OrderLine).where(OrderLine.order_id == order.id))
            session.execute(update(Order).where(Order.id == order.id).values(**row))
        _insert_lines(session, fresh)
        if events:
            session.connection().execute(insert(_EVENTS), events)
    return report


def _event(kind: str, order_id: str, now: datetime, payload: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "order_id": order_id, "at": now, "payload": payload}


def _queue_correction_request(
    session: Session, order: OrderData, problems: list[Problem], digest: str, now: datetime
) -> None:
    channel, recipient = customer_channel(
        order.customer.email, order.customer.phone, (p.field for p in problems)
    )
    enqueue(
        session,
        # One request per version of the order: a corrected-but-still-wrong
        # re-import asks again, an identical one does not.
        key=f"order.needs_correction:{order.id}:{digest[:16]}",
        template="order_needs_correction",
        channel=channel,
        recipient=recipient,
        locale=order.customer.locale or "ru",
        payload={
            "order_id": order.id,
            "customer_name": order.customer.name,
            "problems": [{"field": p.field, "message": p.message} for p in problems],
        },
        order_id=order.id,
        now=now,
    )


@dataclass(frozen=True, slots=True)
class OrderSummary:
    id: str
    status: str
    priority: int
    ship_by: datetime | None
    city: str
    country: str
    lines: int
    units: int
    weight_g: Decimal
    problems: list[dict[str, str]]
    station_id: str | None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ship_by"] = self.ship_by.isoformat() if self.ship_by else None
        d["weight_g"] = str(self.weight_g)
        return d


def list_orders(
    session: Session, *, status: str | None = None, limit: int | None = None
) -> list[OrderSummary]:
    """Orders in queue order (priority, then earliest ship-by), with line aggregates in SQL."""
    agg = (
        select(
            OrderLine.order_id,
            func.count().label("lines"),
            func.coalesce(func.sum(OrderLine.qty), 0).label("units"),
            func.coalesce(func.sum(OrderLine.qty * OrderLine.unit_weight_g), 0).label("weight"),
        )
        .group_by(OrderLine.order_id)
        .subquery()
    )
    query = (
        select(Order, agg.c.lines, agg.c.units, agg.c.weight)
        .outerjoin(agg, agg.c.order_id == Order.id)
        .order_by(Order.priority.desc(), Order.ship_by.asc().nulls_last(), Order.id)
    )
    if status:
        query = query.where(Order.status == status)
    if limit:
        query = query.limit(limit)
    return [
        OrderSummary(
            id=o.id,
            status=o.status,
            priority=o.priority,
            ship_by=o.ship_by,
            city=o.city,
            country=o.country,
            lines=int(lines or 0),
            units=int(units or 0),
            weight_g=Decimal(str(weight or 0)),
            problems=list(o.problems or []),
            station_id=o.station_id,
        )
        for o, lines, units, weight in session.execute(query)
    ]
