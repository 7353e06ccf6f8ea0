"""The station's database before SQLAlchemy is loaded: the driver itself (sqlite3, psycopg).

Why: importing SQLAlchemy and mapping the models costs a station ~0.15 s of the one
interpreter lock its screen also needs, before its first badge. Recovering an idle station
and signing a packer in take a few statements, which the driver runs in milliseconds
(`quick_start.py`). Everything else goes through the models, loaded right after.

Only URLs whose meaning is plain are taken (a SQLite file that exists, PostgreSQL through
psycopg); anything else is None and the station starts the usual way. Values are written
as SQLAlchemy's column types write them (`UTCDateTime`, `JSONType`), so rows from either
path read the same (`tests/station/test_quick_start.py` compares them).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from packstation.clock import to_utc
from packstation.db_settings import SQLITE_PRAGMAS
from packstation.station.instance_lock import AdvisoryLock, FileLock, InstanceLock, lock_file

#: What `connect_params` returns: ("sqlite", {"database": path}) or ("postgresql", psycopg's
#: keyword arguments).
Params = tuple[str, dict[str, Any]]


def connect_params(url: str) -> Params | None:
    """The driver's connect arguments for `url`, as SQLAlchemy would pass them; None if
    the quick start leaves `url` to SQLAlchemy."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    if scheme == "sqlite":
        path, _, query = rest.partition("?")
        database = unquote(path[1:]) if path.startswith("/") else ""
        if query or database in ("", ":memory:") or database.startswith("~"):
            return None  # memory, URI options: SQLAlchemy's own handling
        if not Path(database).is_file():
            return None  # a new database: created and migrated by the models
        return "sqlite", {"database": database}
    if scheme != "postgresql+psycopg":
        return None
    try:
        parts = urlsplit(f"pg://{rest}")
        port = parts.port
    except ValueError:
        return None
    params: dict[str, Any] = {}
    if parts.username:
        params["user"] = unquote(parts.username)
    if parts.password is not None:
        params["password"] = unquote(parts.password)
    if parts.hostname:
        params["host"] = parts.hostname
    if port is not None:
        params["port"] = port
    if parts.path.strip("/"):
        params["dbname"] = unquote(parts.path.lstrip("/"))
    options = parse_qsl(parts.query, keep_blank_values=True)
    if len({key for key, _ in options}) != len(options):
        return None  # a key given twice (several hosts): SQLAlchemy's
    params.update(options)
    return "postgresql", params


def sqlite_datetime(value: datetime) -> str:
    """A timestamp as SQLAlchemy's SQLite `DateTime` stores it (after `UTCDateTime`)."""
    v = to_utc(value)
    return (
        f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
        f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
    )


class QuickDb:
    """One connection and the few differences between the two databases."""

    def __init__(self, name: str, conn: Any, lock: Callable[[str], InstanceLock]) -> None:
        self.name = name
        self._conn = conn
        self._lock = lock

    def lock(self, station_id: str) -> InstanceLock:
        """This station id's lock (`instance_lock.py`), as the models' path takes it."""
        return self._lock(station_id)

    def begin(self) -> None:
        """A write transaction (SQLite: IMMEDIATE, so it never waits half-way for the lock)."""
        if self.name == "sqlite":
            self._conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._conn.commit()

    def rollback(self) -> None:
        self._conn.rollback()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run `sql` written with ``?`` placeholders; the cursor."""
        if self.name == "postgresql":
            sql = sql.replace("?", "%s")
        return self._conn.execute(sql, params)

    def first(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.execute(sql, params).fetchone()
        return row

    def timestamp(self, value: datetime) -> Any:
        return sqlite_datetime(value) if self.name == "sqlite" else to_utc(value)

    def json(self, value: Any) -> Any:
        """A value for a JSON column (text on SQLite, JSONB on PostgreSQL)."""
        if self.name == "sqlite":
            return json.dumps(value)
        from psycopg.types.json import Jsonb

        return Jsonb(value)

    def from_json(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str | bytes) else value

    def close(self) -> None:
        self._conn.close()


def open_quick(url: str) -> QuickDb | None:
    """A connection to `url` through its driver, or None when the models' path takes it."""
    found = connect_params(url)
    if found is None:
        return None
    name, params = found
    if name == "sqlite":
        database = params["database"]
        conn = sqlite3.connect(database, isolation_level=None)  # transactions: `begin`
        for pragma in SQLITE_PRAGMAS:
            conn.execute(pragma)
        where = Path(database).expanduser().resolve()
        return QuickDb(name, conn, lambda station: FileLock(lock_file(where, station)))
    import psycopg

    def connect() -> Any:
        return psycopg.connect(**params)

    return QuickDb(name, connect(), lambda station: AdvisoryLock(connect, station))
