"""Storing imported orders and reading them back.

One call of `import_orders` is one transaction (the caller's unit of work):
a file is imported whole or not at all. Per chunk of orders:

* one query reads the stored status and content hash of the chunk's ids: an
  identical order costs only its parse and hash, and writes nothing;
* new and changed (still editable) orders are validated and written as rows
  straight to the driver: one executemany per table on SQLite, COPY on
  PostgreSQL. Values go through the columns' own bind processors (what the
  ORM would store), but no statement is compiled per row and no ORM object
  is made: at 50,000 lines that is most of the time (benchmarks/import_process.py);
* line ids are taken before the lines are written (SQLite: after the highest,
  under the write lock taken before the first write; PostgreSQL: from the
  sequence), so barcodes need no RETURNING;
* an event per order, and one correction request per needs-correction order
  (idempotency keys looked up once per chunk), in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.check_digits import gtin14
from packstation.domain.instructions import Instruction, to_json
from packstation.domain.orders import EDITABLE_STATUSES, OrderData, OrderStatus, Problem
from packstation.models.order_import_writer import (
    BARCODE_COLUMNS,
    BARCODES,
    EVENT_COLUMNS,
    EVENTS,
    LINE_COLUMNS,
    LINES,
    NOTIFICATION_COLUMNS,
    NOTIFICATIONS,
    ORDER_COLUMNS,
    ORDERS,
    ImportWriter,
)
from packstation.models.orders import Order, OrderLine
from packstation.models.outbox_repo import customer_channel

CHUNK = 1000

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


#: Every content hash goes through one encoder (json.dumps would make one per call).
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def content_hash(order: OrderData) -> str:
    """What identifies "the same order": every field but where it sat in the file.

    Built by hand rather than with dataclasses.asdict, whose deep copies cost
    more than the whole database write on large files. Stored with the order:
    the text hashed must not change, or every stored order would count as changed.
    """
    c, a = order.customer, order.address
    ship_by = order.ship_by
    parts: list[object] = [
        order.id,
        order.tote,
        order.priority,
        ship_by.isoformat() if ship_by else None,
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
    if order.deliver_by is not None:  # only when given: orders without it hash as before
        parts.append(("deliver_by", order.deliver_by.isoformat()))
    parts += [
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
        # Sizes and the serial flag only when given: a line without them hashes as before.
        + ((ln.dims_mm,) if ln.dims_mm is not None else ())
        + ((("serial", ln.serial),) if ln.serial else ())
        for ln in order.lines
    ]
    # Instructions and the gift note only when given: an order without them hashes as before.
    if any(ln.instructions for ln in order.lines) or order.instructions:
        parts.append(("instructions", to_json(order_instructions(order))))
    if order.gift_note:
        parts.append(("gift_note", order.gift_note))
    return hashlib.sha256(_HASH_JSON.encode(parts).encode()).hexdigest()


def order_instructions(order: OrderData) -> list[Instruction]:
    """The order's own instructions, then its lines' (each names its SKU as the source)."""
    return [*order.instructions, *(i for ln in order.lines for i in ln.instructions)]


def order_extra(order: OrderData) -> dict[str, Any]:
    """What an order file gives beyond the columns, kept in ``orders.extra`` (empty: none)."""
    extra: dict[str, Any] = {}
    if instructions := order_instructions(order):
        extra["instructions"] = to_json(instructions)
    if order.gift_note:
        extra["gift_note"] = order.gift_note
    return extra


def _chunks(items: Iterable[OrderData], size: int) -> Iterator[list[OrderData]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def import_orders(
    session: Session,
    orders: Iterable[OrderData],
    validate: Validator,
    *,
    now: datetime | None = None,
    source: str = "",
    seen: list[tuple[str, str]] | None = None,
    first_write: bool = False,
) -> ImportReport:
    """Insert new orders, update changed editable ones, skip identical ones, refuse the rest.

    `seen`, when given, gets each order's id and content hash in file order (what
    `imported_files.remember` keeps). `first_write`: the caller's transaction has written
    nothing before (an order file's import): on PostgreSQL the reads then go beside the
    writes instead of waiting for them (`ImportWriter`)."""
    now = now or utcnow()
    report = ImportReport()
    session.flush()  # the caller's pending objects first: the rows below bypass the session
    writer = ImportWriter(session, now, reader=first_write)
    gtins: dict[str, str | None] = {}
    written: set[str] = set()  # ids this import has written: a later copy is read after them
    try:
        for chunk in _chunks(orders, CHUNK):
            own = any(order.id in written for order in chunk)
            _import_chunk(writer, chunk, validate, source, report, gtins, seen, own)
            written.update(order.id for order in chunk)
        writer.finish()
    finally:
        writer.close()
    if report.updated:  # rows changed under the session: what it holds of them is stale
        session.expire_all()
    return report


def _import_chunk(
    w: ImportWriter,
    chunk: list[OrderData],
    validate: Validator,
    source: str,
    report: ImportReport,
    gtins: dict[str, str | None],
    seen: list[tuple[str, str]] | None,
    own: bool,
) -> None:
    digests = [content_hash(order) for order in chunk]
    ids = [order.id for order in chunk]
    if seen is not None:
        seen += zip(ids, digests, strict=True)
    stored = w.stored(ids, own=own)
    writes = any(stored.get(i, ("", ""))[1] != d for i, d in zip(ids, digests, strict=True))
    if writes and w.lock():  # SQLite: read again, now that nobody else may write
        stored = w.stored(ids)
    to_change = [
        order.id
        for order, digest in zip(chunk, digests, strict=True)
        if (before := stored.get(order.id)) is not None
        and before[1] != digest
        and before[0] in EDITABLE_STATUSES
    ]
    if to_change:  # what they are now that nobody else may change them
        stored.update(w.stored(to_change, lock=True))

    when = w.when
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    fresh: list[OrderData] = []
    events: list[tuple[Any, ...]] = []
    requests: list[tuple[OrderData, list[Problem], str]] = []
    for order, digest in zip(chunk, digests, strict=True):
        before = stored.get(order.id)
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
                payload = {"reason": reason, "source": source}
                events.append((when, "order.import_refused", order.id, w.payload(payload)))
                continue
        problems = validate(order)
        status = OrderStatus.NEEDS_CORRECTION if problems else OrderStatus.READY
        c, a = order.customer, order.address
        row = (
            order.id,
            order.tote or None,
            status.value,
            order.priority,
            w.ship_by(order.ship_by),
            c.name,
            c.phone,
            c.email,
            c.locale,
            a.country[:2],
            a.region,
            a.city,
            a.postcode[:16],
            a.line1,
            a.line2,
            order.carrier or None,
            w.money(order.declared_value),
            order.currency[:3],
            w.problems([{"field": p.field, "message": p.message} for p in problems])
            if problems
            else w.no_problems,
            digest,
            when,
            when,
            when,
            w.extra(extra) if (extra := order_extra(order)) else w.no_extra,
            w.day(order.deliver_by),
        )
        if before is None:
            inserts.append(row)
        else:
            updates.append(row[1:21] + row[22:] + (order.id,))
            report.updated += 1
        fresh.append(order)
        report.lines += len(order.lines)
        if problems:
            report.needs_correction += 1
            report.problems[order.id] = problems
            requests.append((order, problems, digest))
        else:
            report.ready += 1
        kind = "order.imported" if before is None else "order.updated"
        events.append((when, kind, order.id, w.event_payload(status, before, problems, source)))

    # Every read first (line ids, correction keys), then every write: on PostgreSQL the
    # COPYs run while the next chunk is parsed, and a read would wait for them.
    if updates:
        w.delete_lines([row[-1] for row in updates])
        w.update_orders(updates)
    line_rows, barcode_rows = _line_rows(w, fresh, gtins)
    notes = _correction_requests(w, requests) if requests else []
    w.insert(ORDERS, ORDER_COLUMNS, inserts)
    w.insert(LINES, LINE_COLUMNS, line_rows)
    w.insert(BARCODES, BARCODE_COLUMNS, barcode_rows)
    w.insert(EVENTS, EVENT_COLUMNS, events)
    w.insert(NOTIFICATIONS, NOTIFICATION_COLUMNS, notes)


_NO_DIMS = (None, None, None)


def _line_rows(
    w: ImportWriter, orders: list[OrderData], gtins: dict[str, str | None]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of `orders`' lines and of their barcodes."""
    line_rows: list[tuple[Any, ...]] = []
    barcode_rows: list[tuple[Any, ...]] = []
    count = sum(len(order.lines) for order in orders)
    if not count:
        return line_rows, barcode_rows
    ids = iter(w.line_ids(count))
    weight, price = w.weight, w.price
    zero = Decimal(0)
    for order in orders:
        order_id = order.id
        for position, line in enumerate(order.lines):
            line_id = next(ids)
            line_rows.append(
                (
                    line_id,
                    order_id,
                    position,
                    line.sku,
                    line.name,
                    line.qty,
                    weight(line.unit_weight_g or zero),
                    price(line.unit_price),
                    line.fragile,
                    line.liquid,
                    line.marked,
                    line.hs_code,
                    *(line.dims_mm or _NO_DIMS),
                    line.serial or None,
                )
            )
            for code in line.barcodes:
                gtin = gtins.get(code, "")
                if gtin == "":
                    gtin = gtins[code] = gtin14(code)
                barcode_rows.append((line_id, order_id, code, gtin))
    if len(gtins) > 200_000:  # a memo, not a copy of every code of a huge file
        gtins.clear()
    return line_rows, barcode_rows


def _correction_requests(
    w: ImportWriter, requests: list[tuple[OrderData, list[Problem], str]]
) -> list[tuple[Any, ...]]:
    """The buyer is asked to correct the order: once per version of it (the key holds the
    content hash), so a corrected-but-still-wrong re-import asks again, an identical one
    does not. What `outbox_repo.enqueue` writes, for a chunk at a time."""
    keyed = [
        (f"order.needs_correction:{order.id}:{digest[:16]}", order, problems)
        for order, problems, digest in requests
    ]
    queued = w.queued([key for key, _, _ in keyed])
    rows: list[tuple[Any, ...]] = []
    for key, order, problems in keyed:
        if key in queued:
            continue
        queued.add(key)
        customer = order.customer
        channel, recipient = customer_channel(
            customer.email, customer.phone, (p.field for p in problems)
        )
        payload = {
            "order_id": order.id,
            "customer_name": customer.name,
            "problems": [{"field": p.field, "message": p.message} for p in problems],
        }
        rows.append(
            (
                key,
                order.id,
                channel,
                recipient or order.id,
                "order_needs_correction",
                customer.locale or "ru",
                w.note_payload(payload),
                "pending",
                0,
                w.when,
                w.when,
            )
        )
    return rows


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
