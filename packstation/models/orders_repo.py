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

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import JSON, Connection, Table, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.codes import gtin14
from packstation.domain.orders import EDITABLE_STATUSES, OrderData, OrderStatus, Problem
from packstation.models.orders import Order, OrderLine
from packstation.models.outbox_repo import customer_channel

CHUNK = 1000
#: SQLite's page cache (KiB) while an import runs: with the default 2 MiB, inserts into the
#: indexes of a database that already holds many orders keep missing pages.
_SQLITE_CACHE_KIB = 64 * 1024

_ORDERS = Order.metadata.tables["orders"]
_LINES = Order.metadata.tables["order_lines"]
_BARCODES = Order.metadata.tables["barcodes"]
_EVENTS = Order.metadata.tables["events"]
_NOTIFICATIONS = Order.metadata.tables["notifications"]

#: The columns each import row gives, in its tuple's order. Every other column must default
#: to NULL (checked below): rows written straight to the driver get no ORM defaults.
_ORDER_COLUMNS = (
    "id",
    "tote",
    "status",
    "priority",
    "ship_by",
    "customer_name",
    "phone",
    "email",
    "locale",
    "country",
    "region",
    "city",
    "postcode",
    "line1",
    "line2",
    "carrier",
    "declared_value",
    "currency",
    "problems",
    "content_hash",
    "status_changed_at",
    "created_at",
    "updated_at",
    "extra",
)
_LINE_COLUMNS = (
    "id",
    "order_id",
    "position",
    "sku",
    "name",
    "qty",
    "unit_weight_g",
    "unit_price",
    "fragile",
    "liquid",
    "marked",
    "hs_code",
)
_BARCODE_COLUMNS = ("line_id", "order_id", "code", "gtin")
_EVENT_COLUMNS = ("at", "kind", "order_id", "payload")
_NOTIFICATION_COLUMNS = (
    "idempotency_key",
    "order_id",
    "channel",
    "recipient",
    "template",
    "locale",
    "payload",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)
#: What an update rewrites: all but the id (the WHERE) and created_at.
_UPDATE_COLUMNS = tuple(c for c in _ORDER_COLUMNS if c not in ("id", "created_at"))


def _check_columns(table: Table, given: Sequence[str]) -> None:
    """Every column the rows leave out must be one the database fills: a key, a server
    default, or NULL (not an ORM default: nothing applies it to these rows)."""
    for column in table.columns:
        if column.name in given or column.primary_key or column.server_default is not None:
            continue
        orm_default = getattr(column.default, "arg", None)
        if orm_default is not None or not column.nullable:
            raise RuntimeError(f"the import rows do not give {table.name}.{column.name}")


for _table, _given in (
    (_ORDERS, _ORDER_COLUMNS),
    (_LINES, _LINE_COLUMNS),
    (_BARCODES, _BARCODE_COLUMNS),
    (_EVENTS, _EVENT_COLUMNS),
    (_NOTIFICATIONS, _NOTIFICATION_COLUMNS),
):
    _check_columns(_table, _given)

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
        for ln in order.lines
    ]
    return hashlib.sha256(_HASH_JSON.encode(parts).encode()).hexdigest()


def _chunks(items: Iterable[OrderData], size: int) -> Iterator[list[OrderData]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _identity(value: Any) -> Any:
    return value


class _Writer:
    """Rows straight to the driver inside the session's transaction.

    SQLite: executemany of one INSERT per table; the write lock is taken before the first
    write (`lock`), so the stored hashes acted on and the line ids chosen stay true until
    the commit. PostgreSQL (psycopg): COPY; a changed order's row is locked before it is
    rewritten. Values pass the columns' bind processors, as the ORM would pass them."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.conn: Connection = session.connection()
        dialect = self.conn.dialect
        self.dialect = dialect
        self.name = dialect.name
        if self.name not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"order import needs SQLite or PostgreSQL, not {self.name}")
        self.copy = self.name == "postgresql" and dialect.driver == "psycopg"
        self.mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self._cache_size: int | None = None
        self._sequence: str | None = None
        #: SQLite: whether this connection holds the write lock (it has written already).
        self.locked = self.name != "sqlite" or bool(self._dbapi().in_transaction)
        if self.name == "sqlite":
            size = self.conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
            if -_SQLITE_CACHE_KIB < size < 0 or 0 <= size < _SQLITE_CACHE_KIB // 4:
                self._cache_size = size  # restored by `close`
                self.conn.exec_driver_sql(f"PRAGMA cache_size=-{_SQLITE_CACHE_KIB}")
        proc = self.processor
        self.when = proc(_ORDERS, "created_at")(now)
        self.no_problems = proc(_ORDERS, "problems")([])
        self.no_extra = proc(_ORDERS, "extra")({})
        self.problems = proc(_ORDERS, "problems")
        self.money = proc(_ORDERS, "declared_value")
        self.weight = proc(_LINES, "unit_weight_g")
        self.price = proc(_LINES, "unit_price")
        self.payload = proc(_EVENTS, "payload")
        self.note_payload = proc(_NOTIFICATIONS, "payload")
        self._ship_by = proc(_ORDERS, "ship_by")
        self._ship_by_seen: dict[datetime, Any] = {}
        self._payloads: dict[tuple[OrderStatus, str | None, str], Any] = {}

    def _dbapi(self) -> Any:
        return self.conn.connection.dbapi_connection

    def lock(self) -> bool:
        """SQLite: take the write lock before the first write (BEGIN IMMEDIATE), so what is
        read from here on stays true until the commit; True when taken just now (what was
        read before may have changed). A file with nothing to write never takes it."""
        if self.locked:
            return False
        self.conn.exec_driver_sql("BEGIN IMMEDIATE")
        self.locked = True
        return True

    def processor(self, table: Table, column: str) -> Callable[[Any], Any]:
        """The column's bind processor for this database (booleans need none: both drivers
        take Python bools). COPY sends every value as text, so a JSON value goes as the
        text psycopg would send for it, made once here rather than at each row it is in."""
        type_ = table.c[column].type
        if self.copy and isinstance(type_, JSON):
            serializer: Callable[[Any], str] | None = getattr(
                self.dialect, "_json_serializer", None
            )
            return serializer or json.dumps
        found = type_.dialect_impl(self.dialect).bind_processor(self.dialect)
        return found or _identity

    def event_payload(
        self,
        status: OrderStatus,
        before: tuple[str, str] | None,
        problems: list[Problem],
        source: str,
    ) -> Any:
        """An imported or updated order's event payload; the few without problems are the
        same few texts, made once."""
        key = (status, before[0] if before else None, source)
        if not problems and (done := self._payloads.get(key)) is not None:
            return done
        payload = {
            "status": status.value,
            "from": key[1],
            "problems": [str(p) for p in problems],
            "source": source,
        }
        done = self.payload(payload)
        if not problems:
            self._payloads[key] = done
        return done

    def ship_by(self, value: datetime | None) -> Any:
        if value is None:
            return None
        done = self._ship_by_seen.get(value)
        if done is None:
            done = self._ship_by_seen[value] = self._ship_by(value)
        return done

    # ------------------------------------------------------------------ reads

    def stored(self, ids: list[str], *, lock: bool = False) -> dict[str, tuple[str, str]]:
        """Status and content hash of those of `ids` already stored (locked on PostgreSQL)."""
        sql = "SELECT id, status, content_hash FROM orders WHERE id {in}"
        if lock and self.name == "postgresql":
            sql += " FOR UPDATE"
        return {row[0]: (row[1], row[2]) for row in self._where_in(sql, ids)}

    def queued(self, keys: list[str]) -> set[str]:
        sql = "SELECT idempotency_key FROM notifications WHERE idempotency_key {in}"
        return {row[0] for row in self._where_in(sql, keys)}

    def _where_in(self, sql: str, values: list[str], *, rows: bool = True) -> list[Any]:
        """`sql` for `values` in place of {in}: one array on PostgreSQL; on SQLite lists of
        at most 500 (older SQLite take 999 parameters at most)."""
        if self.name == "postgresql":
            result = self.conn.exec_driver_sql(sql.format(**{"in": "= ANY(%s)"}), (values,))
            return list(result.all()) if rows else []
        found: list[Any] = []
        for start in range(0, len(values), 500):
            group = tuple(values[start : start + 500])
            marks = ", ".join(["?"] * len(group))
            result = self.conn.exec_driver_sql(sql.format(**{"in": f"IN ({marks})"}), group)
            if rows:
                found += result.all()
        return found

    def line_ids(self, n: int) -> Sequence[int]:
        """`n` new order line ids, ascending."""
        if self.name == "sqlite":  # under this import's write lock
            top = self.conn.exec_driver_sql("SELECT max(id) FROM order_lines").scalar()
            return range(int(top or 0) + 1, int(top or 0) + 1 + n)
        if self._sequence is None:  # looked up once: per id it would cost more than the id
            self._sequence = self.conn.exec_driver_sql(
                "SELECT pg_get_serial_sequence('order_lines', 'id')"
            ).scalar_one()
        ids = self.conn.exec_driver_sql(
            "SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)",
            (self._sequence, n),
        ).scalar()
        return sorted(ids or ())

    # ------------------------------------------------------------------ writes

    def insert(self, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        prep = self.dialect.identifier_preparer
        names = ", ".join(prep.quote(c) for c in columns)
        target = f"{prep.format_table(table)} ({names})"
        if self.copy:
            self._copy(f"COPY {target} FROM STDIN", rows)
        else:
            marks = ", ".join([self.mark] * len(columns))
            self.conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", rows)

    def _copy(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        error = self.dialect.loaded_dbapi.Error
        try:
            with self._dbapi().cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except error as e:  # as SQLAlchemy would raise it: the CLI prints one line
            raise DBAPIError.instance(sql, None, e, error, dialect=self.dialect) from e

    def close(self) -> None:
        """Give the connection back as it was (SQLite's page cache size); best effort, so
        that it never hides the error an import failed with."""
        if self._cache_size is not None:
            size, self._cache_size = self._cache_size, None
            with contextlib.suppress(DBAPIError):
                self.conn.exec_driver_sql(f"PRAGMA cache_size={size}")

    def update_orders(self, rows: list[tuple[Any, ...]]) -> None:
        """Rows of `_UPDATE_COLUMNS` then the id."""
        if not rows:
            return
        prep = self.dialect.identifier_preparer
        sets = ", ".join(f"{prep.quote(c)} = {self.mark}" for c in _UPDATE_COLUMNS)
        self.conn.exec_driver_sql(f"UPDATE orders SET {sets} WHERE id = {self.mark}", rows)

    def delete_lines(self, order_ids: list[str]) -> None:
        """The lines of these orders, and their barcodes (found through the lines' ids)."""
        lines = "SELECT id FROM order_lines WHERE order_id {in}"
        self._where_in(f"DELETE FROM barcodes WHERE line_id IN ({lines})", order_ids, rows=False)
        self._where_in("DELETE FROM order_lines WHERE order_id {in}", order_ids, rows=False)


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
    session.flush()  # the caller's pending objects first: the rows below bypass the session
    writer = _Writer(session, now)
    gtins: dict[str, str | None] = {}
    try:
        for chunk in _chunks(orders, CHUNK):
            _import_chunk(writer, chunk, validate, source, report, gtins)
    finally:
        writer.close()
    if report.updated:  # rows changed under the session: what it holds of them is stale
        session.expire_all()
    return report


def _import_chunk(
    w: _Writer,
    chunk: list[OrderData],
    validate: Validator,
    source: str,
    report: ImportReport,
    gtins: dict[str, str | None],
) -> None:
    digests = [content_hash(order) for order in chunk]
    ids = [order.id for order in chunk]
    stored = w.stored(ids)
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
            w.no_extra,
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

    if updates:
        w.delete_lines([row[-1] for row in updates])
    w.insert(_ORDERS, _ORDER_COLUMNS, inserts)
    w.update_orders(updates)
    _insert_lines(w, fresh, gtins)
    w.insert(_EVENTS, _EVENT_COLUMNS, events)
    if requests:
        _queue_correction_requests(w, requests)


def _insert_lines(w: _Writer, orders: list[OrderData], gtins: dict[str, str | None]) -> None:
    count = sum(len(order.lines) for order in orders)
    if not count:
        return
    ids = iter(w.line_ids(count))
    weight, price = w.weight, w.price
    zero = Decimal(0)
    line_rows: list[tuple[Any, ...]] = []
    barcode_rows: list[tuple[Any, ...]] = []
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
                )
            )
            for code in line.barcodes:
                gtin = gtins.get(code, "")
                if gtin == "":
                    gtin = gtins[code] = gtin14(code)
                barcode_rows.append((line_id, order_id, code, gtin))
    if len(gtins) > 200_000:  # a memo, not a copy of every code of a huge file
        gtins.clear()
    w.insert(_LINES, _LINE_COLUMNS, line_rows)
    w.insert(_BARCODES, _BARCODE_COLUMNS, barcode_rows)


def _queue_correction_requests(
    w: _Writer, requests: list[tuple[OrderData, list[Problem], str]]
) -> None:
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
    w.insert(_NOTIFICATIONS, _NOTIFICATION_COLUMNS, rows)


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
