"""Storing imported orders and reading them back.

One call of `import_orders` is one transaction (the caller's unit of work):
a file is imported whole or not at all. Per chunk of orders:

* one query reads the stored status and content hash of the chunk's ids: an
  identical order costs only its parse and hash, and writes nothing;
* new and changed (still editable) orders are written as the rows
  `domain/intake/rows.prepare_chunk` made of them (validated, hashed), straight
  to the driver: one executemany per table on SQLite, COPY on PostgreSQL.
  Values go through the columns' own bind processors (what the ORM would
  store), but no statement is compiled per row and no ORM object is made: at
  50,000 lines that is most of the time (benchmarks/import_process.py);
* line ids are taken before the lines are written (SQLite: after the highest,
  under the write lock taken before the first write; PostgreSQL: from the
  sequence), so barcodes need no RETURNING;
* an event per order, and one correction request per needs-correction order
  (idempotency keys looked up once per chunk), in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.intake.files import CHUNK, chunks
from packstation.domain.intake.rows import (
    PreparedOrder,
    RowFormats,
    Validator,
    content_hash,
    order_extra,
    order_instructions,
    prepare_chunk,
)
from packstation.domain.orders import EDITABLE_STATUSES, OrderData, Problem
from packstation.models.order_import_rows import formats_of
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

__all__ = [
    "CHUNK",
    "ImportReport",
    "OrderSummary",
    "content_hash",
    "import_orders",
    "import_prepared",
    "list_orders",
    "order_extra",
    "order_instructions",
]


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
    formats = formats_of(session.get_bind().dialect, now or utcnow())
    prepared = (prepare_chunk(chunk, validate, formats) for chunk in chunks(orders, CHUNK))
    return import_prepared(
        session, prepared, formats, source=source, seen=seen, first_write=first_write
    )


def import_prepared(
    session: Session,
    chunks: Iterable[list[PreparedOrder]],
    formats: RowFormats,
    *,
    source: str = "",
    seen: list[tuple[str, str]] | None = None,
    first_write: bool = False,
) -> ImportReport:
    """`import_orders` for orders already prepared with `formats` (`prepare_chunk`), in
    chunks of at most `CHUNK`: here or in a process of their own (`cli/import_child.py`)."""
    report = ImportReport()
    session.flush()  # the caller's pending objects first: the rows below bypass the session
    writer = ImportWriter(session, formats, reader=first_write)
    written: set[str] = set()  # ids this import has written: a later copy is read after them
    try:
        for chunk in chunks:
            own = any(order.row[0] in written for order in chunk)
            _import_chunk(writer, chunk, source, report, seen, own)
            written.update(order.row[0] for order in chunk)
        writer.finish()
    finally:
        writer.close()
    if report.updated:  # rows changed under the session: what it holds of them is stale
        session.expire_all()
    return report


def _import_chunk(
    w: ImportWriter,
    chunk: list[PreparedOrder],
    source: str,
    report: ImportReport,
    seen: list[tuple[str, str]] | None,
    own: bool,
) -> None:
    ids = [order.row[0] for order in chunk]
    digests = [order.row[19] for order in chunk]
    if seen is not None:
        seen += zip(ids, digests, strict=True)
    stored = w.stored(ids, own=own)
    writes = any(stored.get(i, ("", ""))[1] != d for i, d in zip(ids, digests, strict=True))
    if writes and w.lock():  # SQLite: read again, now that nobody else may write
        stored = w.stored(ids)
    to_change = [
        order_id
        for order_id, digest in zip(ids, digests, strict=True)
        if (before := stored.get(order_id)) is not None
        and before[1] != digest
        and before[0] in EDITABLE_STATUSES
    ]
    if to_change:  # what they are now that nobody else may change them
        stored.update(w.stored(to_change, lock=True))

    when = w.when
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    fresh: list[PreparedOrder] = []
    events: list[tuple[Any, ...]] = []
    requests: list[PreparedOrder] = []
    for order in chunk:
        row = order.row
        order_id = row[0]
        before = stored.get(order_id)
        if before is not None:
            status_before, hash_before = before
            if hash_before == row[19]:
                report.unchanged += 1
                continue
            if status_before not in EDITABLE_STATUSES:
                reason = (
                    f"{order_id} is already {status_before}; changes are accepted only "
                    f"while new, ready or needs_correction"
                )
                report.refused.append((order_id, reason))
                payload = w.formats.payload({"reason": reason, "source": source})
                events.append((when, "order.import_refused", order_id, payload))
                continue
        if before is None:
            inserts.append(row)
        else:
            updates.append(row[1:21] + row[22:] + (order_id,))
            report.updated += 1
        fresh.append(order)
        report.lines += len(order.lines)
        problems = order.problems
        if problems:
            report.needs_correction += 1
            report.problems[order_id] = list(problems)
            requests.append(order)
        else:
            report.ready += 1
        kind = "order.imported" if before is None else "order.updated"
        events.append((when, kind, order_id, w.event_payload(row[2], before, problems, source)))

    # Every read first (line ids, correction keys), then every write: on PostgreSQL the
    # COPYs run while the next chunk is parsed, and a read would wait for them.
    if updates:
        w.delete_lines([row[-1] for row in updates])
        w.update_orders(updates)
    line_rows, barcode_rows = _line_rows(w, fresh)
    notes = _correction_requests(w, requests) if requests else []
    w.insert(ORDERS, ORDER_COLUMNS, inserts)
    w.insert(LINES, LINE_COLUMNS, line_rows)
    w.insert(BARCODES, BARCODE_COLUMNS, barcode_rows)
    w.insert(EVENTS, EVENT_COLUMNS, events)
    w.insert(NOTIFICATIONS, NOTIFICATION_COLUMNS, notes)


def _line_rows(
    w: ImportWriter, orders: list[PreparedOrder]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of `orders`' lines and of their barcodes, with the line ids given now."""
    line_rows: list[tuple[Any, ...]] = []
    barcode_rows: list[tuple[Any, ...]] = []
    count = sum(len(order.lines) for order in orders)
    if not count:
        return line_rows, barcode_rows
    ids = iter(w.line_ids(count))
    add_line, add_code = line_rows.append, barcode_rows.append
    for order in orders:
        order_id = order.row[0]
        for line, codes in order.lines:
            line_id = next(ids)
            add_line((line_id, *line))
            for code, gtin in codes:
                add_code((line_id, order_id, code, gtin))
    return line_rows, barcode_rows


def _correction_requests(w: ImportWriter, requests: list[PreparedOrder]) -> list[tuple[Any, ...]]:
    """The buyer is asked to correct the order: once per version of it (the key holds the
    content hash), so a corrected-but-still-wrong re-import asks again, an identical one
    does not. What `outbox_repo.enqueue` writes, for a chunk at a time."""
    keyed = [
        (f"order.needs_correction:{order.row[0]}:{order.row[19][:16]}", order) for order in requests
    ]
    queued = w.queued([key for key, _ in keyed])
    rows: list[tuple[Any, ...]] = []
    for key, order in keyed:
        if key in queued:
            continue
        queued.add(key)
        order_id, customer, problems = order.row[0], order.contact, order.problems
        assert customer is not None, "prepare_chunk keeps the contact of an order with problems"
        channel, recipient = customer_channel(
            customer.email, customer.phone, (p.field for p in problems)
        )
        payload = {
            "order_id": order_id,
            "customer_name": customer.name,
            "problems": [{"field": p.field, "message": p.message} for p in problems],
        }
        rows.append(
            (
                key,
                order_id,
                channel,
                recipient or order_id,
                "order_needs_correction",
                customer.locale or "ru",
                w.formats.note_payload(payload),
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
