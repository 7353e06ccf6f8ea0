"""How an order import's rows reach the database: `ImportWriter`.

Rows go straight to the driver inside the session's transaction, as tuples in the column
order given here (one executemany per table on SQLite, COPY on PostgreSQL); what the rows
hold, and when each is written, is `orders_repo.import_orders`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from packstation.domain.intake.rows import RowFormats
from packstation.domain.orders import Problem
from packstation.models.copy_pipeline import CopyPipeline
from packstation.models.orders import Order

__all__ = [
    "BARCODES",
    "BARCODE_COLUMNS",
    "EVENTS",
    "EVENT_COLUMNS",
    "LINES",
    "LINE_COLUMNS",
    "NOTIFICATIONS",
    "NOTIFICATION_COLUMNS",
    "ORDERS",
    "ORDER_COLUMNS",
    "ImportWriter",
]


#: SQLite's page cache (KiB) while an import runs: with the default 2 MiB, inserts into the
#: indexes of a database that already holds many orders keep missing pages.
_SQLITE_CACHE_KIB = 64 * 1024

ORDERS = Order.metadata.tables["orders"]
LINES = Order.metadata.tables["order_lines"]
BARCODES = Order.metadata.tables["barcodes"]
EVENTS = Order.metadata.tables["events"]
NOTIFICATIONS = Order.metadata.tables["notifications"]

#: The columns each import row gives, in its tuple's order. Every other column must default
#: to NULL (checked below): rows written straight to the driver get no ORM defaults.
ORDER_COLUMNS = (
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
    "deliver_by",
)
LINE_COLUMNS = (
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
    "length_mm",
    "width_mm",
    "height_mm",
    "serial",
)
BARCODE_COLUMNS = ("line_id", "order_id", "code", "gtin")
EVENT_COLUMNS = ("at", "kind", "order_id", "payload")
NOTIFICATION_COLUMNS = (
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
_UPDATE_COLUMNS = tuple(c for c in ORDER_COLUMNS if c not in ("id", "created_at"))


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
    (ORDERS, ORDER_COLUMNS),
    (LINES, LINE_COLUMNS),
    (BARCODES, BARCODE_COLUMNS),
    (EVENTS, EVENT_COLUMNS),
    (NOTIFICATIONS, NOTIFICATION_COLUMNS),
):
    _check_columns(_table, _given)


class ImportWriter:
    """Rows straight to the driver inside the session's transaction.

    SQLite: executemany of one INSERT per table; the write lock is taken before the first
    write (`lock`), so the stored hashes acted on and the line ids chosen stay true until
    the commit. PostgreSQL (psycopg): COPY, on a thread of its own (`CopyPipeline`): every
    other statement here waits for the COPYs handed over before it; a changed order's row
    is locked before it is rewritten. Values pass the columns' bind processors, as the ORM
    would pass them. `finish` before the commit; `close` always."""

    def __init__(self, session: Session, formats: RowFormats, *, reader: bool = False) -> None:
        self.conn: Connection = session.connection()
        dialect = self.conn.dialect
        self.dialect = dialect
        self.name = dialect.name
        if self.name not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"order import needs SQLite or PostgreSQL, not {self.name}")
        self.copy = self.name == "postgresql" and dialect.driver == "psycopg"
        if (formats.database, formats.copy) != (self.name, self.copy):
            raise ValueError(
                f"rows prepared for {formats.database} ({formats.driver}) "
                f"cannot be written to {self.name} ({dialect.driver})"
            )
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
        #: How values are given to this database (the rows prepared with them are written).
        self.formats = formats
        self.when = self.formats.when
        self._payloads: dict[tuple[str, str | None, str], Any] = {}
        #: PostgreSQL, when the caller's transaction wrote nothing before the import: the
        #: reads that need not see this import's own rows (stored orders, correction keys,
        #: line ids) go through a connection of their own, so that they do not wait for the
        #: COPYs in flight. Its rows are the committed ones, what this transaction sees too.
        self._reader: Connection | None = None
        if reader and self.copy:
            self._reader = self.conn.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        # Last: nothing after it may fail, so a writer made is a writer `close`d.
        self._pipeline = CopyPipeline(self._dbapi()) if self.copy else None

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

    def event_payload(
        self,
        status: str,
        before: tuple[str, str] | None,
        problems: Sequence[Problem],
        source: str,
    ) -> Any:
        """An imported or updated order's event payload (`status`: its value); the few
        without problems are the same few texts, made once."""
        key = (status, before[0] if before else None, source)
        if not problems and (done := self._payloads.get(key)) is not None:
            return done
        payload = {
            "status": status,
            "from": key[1],
            "problems": [str(p) for p in problems],
            "source": source,
        }
        done = self.formats.payload(payload)
        if not problems:
            self._payloads[key] = done
        return done

    # ------------------------------------------------------------------ reads

    def stored(
        self, ids: list[str], *, lock: bool = False, own: bool = False
    ) -> dict[str, tuple[str, str]]:
        """Status and content hash of those of `ids` already stored (locked on PostgreSQL);
        `own`: this import may have written some of them already."""
        sql = "SELECT id, status, content_hash FROM orders WHERE id {in}"
        if lock and self.name == "postgresql":
            sql += " FOR UPDATE"
        found = self._where_in(sql, ids, elsewhere=not (lock or own))
        return {row[0]: (row[1], row[2]) for row in found}

    def queued(self, keys: list[str]) -> set[str]:
        """Those of `keys` already queued (a key names an order's version: this import
        queues each at most once, so rows it wrote itself need not be seen)."""
        sql = "SELECT idempotency_key FROM notifications WHERE idempotency_key {in}"
        return {row[0] for row in self._where_in(sql, keys, elsewhere=True)}

    def _where_in(
        self, sql: str, values: list[str], *, rows: bool = True, elsewhere: bool = False
    ) -> list[Any]:
        """`sql` for `values` in place of {in}: one array on PostgreSQL; on SQLite lists of
        at most 500 (older SQLite take 999 parameters at most). `elsewhere`: on the reader
        connection when there is one (no wait for the COPYs in flight)."""
        conn = self._reader if elsewhere and self._reader is not None else self.conn
        if conn is self.conn:
            self.finish()
        if self.name == "postgresql":
            result = conn.exec_driver_sql(sql.format(**{"in": "= ANY(%s)"}), (values,))
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
        if self._reader is None:  # a sequence is outside transactions: any connection
            self.finish()
        conn = self._reader or self.conn
        if self._sequence is None:  # looked up once: per id it would cost more than the id
            self._sequence = conn.exec_driver_sql(
                "SELECT pg_get_serial_sequence('order_lines', 'id')"
            ).scalar_one()
        ids = conn.exec_driver_sql(
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
        if self._pipeline is not None:
            self._pipeline.submit(f"COPY {target} FROM STDIN", rows)
        else:
            marks = ", ".join([self.mark] * len(columns))
            self.conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", rows)

    def finish(self) -> None:
        """Wait for the COPYs handed over so far; their failure raised as SQLAlchemy would
        raise it (the CLI prints one line)."""
        if self._pipeline is None:
            return
        error = self.dialect.loaded_dbapi.Error
        try:
            self._pipeline.drain()
        except error as e:
            raise DBAPIError.instance("COPY", None, e, error, dialect=self.dialect) from e

    def close(self) -> None:
        """Give the connection back as it was (SQLite's page cache size); best effort, so
        that it never hides the error an import failed with."""
        if self._pipeline is not None:
            self._pipeline.close()
        if self._reader is not None:
            reader, self._reader = self._reader, None
            with contextlib.suppress(DBAPIError):
                reader.close()
        if self._cache_size is not None:
            size, self._cache_size = self._cache_size, None
            with contextlib.suppress(DBAPIError):
                self.conn.exec_driver_sql(f"PRAGMA cache_size={size}")

    def update_orders(self, rows: list[tuple[Any, ...]]) -> None:
        """Rows of `_UPDATE_COLUMNS` then the id."""
        if not rows:
            return
        self.finish()
        prep = self.dialect.identifier_preparer
        sets = ", ".join(f"{prep.quote(c)} = {self.mark}" for c in _UPDATE_COLUMNS)
        self.conn.exec_driver_sql(f"UPDATE orders SET {sets} WHERE id = {self.mark}", rows)

    def delete_lines(self, order_ids: list[str]) -> None:
        """The lines of these orders, and their barcodes (found through the lines' ids)."""
        lines = "SELECT id FROM order_lines WHERE order_id {in}"
        self._where_in(f"DELETE FROM barcodes WHERE line_id IN ({lines})", order_ids, rows=False)
        self._where_in("DELETE FROM order_lines WHERE order_id {in}", order_ids, rows=False)
