"""One process per station id: a lock the station's worker holds for the life of its process.

The workflow assumes one process per station id: it replays that station's records, claims
orders as that station and renews that station's lease. Two `packstation run --station PS-01`
(a second window, two browser tabs of `serve --station PS-01`, or a tab and the PC) would
both act as PS-01. The worker takes this lock before it touches the station's rows
(`StationBackend.recover`) and checks it on every heartbeat; a second process is refused
(`StationBusy`), takes no scans, and tries again on each heartbeat, so it takes over once
the other process ends.

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a stable 64-bit
  hash of the station id and the schema (advisory locks are per database; one database may
  hold several packstation schemas, as the tests' do), on a connection of its own
  (outside the pool, autocommit: never idle in a transaction). The server drops the
  lock when that session ends: process exit or SIGKILL (the kernel closes the socket), a
  lost network. If the session is lost while the process lives on (the server restarted),
  the next heartbeat takes the lock again on a new connection, or finds that another
  process took it first.
- SQLite: ``flock(LOCK_EX | LOCK_NB)`` on ``<db file>.station-<id>.lock`` beside the
  database; the kernel drops it when the process dies. The file stays (removing a lock file
  races with its next taker); it holds the pid of the last holder. An in-memory database
  has no other process: nothing to lock.

No SQLAlchemy at import: the runner imports `StationBusy` before the database stack loads.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from packstation.errors import DatabaseError, describe_db_error

if TYPE_CHECKING:
    from sqlalchemy import Engine


class StationBusy(Exception):
    """Another process holds this station id."""

    def __init__(self, station_id: str) -> None:
        super().__init__(f"station {station_id} is already open in another process")
        self.station_id = station_id


class InstanceLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock, or confirm it is still held: False if another process has it."""

    def release(self) -> None:
        """Let it go (also done by the operating system or the server when the process dies)."""


def advisory_key(schema: str, station_id: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` (the same in every process)."""
    digest = hashlib.blake2b(f"packstation {schema} {station_id}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def lock_file(database: Path, station_id: str) -> Path:
    """``<db>.station-<id>.lock``; an id that is not a plain file name is hashed."""
    name = station_id
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", station_id):
        name = hashlib.sha256(station_id.encode()).hexdigest()[:16]
    return database.with_name(f"{database.name}.station-{name}.lock")


class NoLock:
    """An in-memory database: only this process can see it."""

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        return None


class FileLock:
    """SQLite: an exclusive flock on a file beside the database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited (PEP 446)
        except OSError as exc:
            raise DatabaseError(f"cannot open {self.path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError as exc:
            os.close(fd)
            raise DatabaseError(f"cannot lock {self.path}: {exc.strerror}") from exc
        self._fd = fd
        with contextlib.suppress(OSError):  # for whoever wonders who holds it
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the last descriptor drops the flock


class AdvisoryLock:
    """PostgreSQL: a session-level advisory lock on a connection of its own.

    `connect` makes a new psycopg connection: the quick start's (`quick_db.py`) or the
    engine's dialect's, outside its pool (closing it must end the session)."""

    def __init__(self, connect: Callable[[], Any], station_id: str) -> None:
        self.connect = connect
        self.station_id = station_id
        self._conn: Any = None

    def acquire(self) -> bool:
        if self._conn is not None:
            try:  # the session lives, so the lock it took is still ours
                self._conn.execute("SELECT 1")
                return True
            except Exception:
                self.release()  # lost with its session (server restart): take it again
        try:
            conn = self.connect()
        except Exception as exc:  # the driver's own words, as the models' path shows them
            raise DatabaseError(describe_db_error(exc)) from exc
        try:
            conn.autocommit = True  # never idle in a transaction
            schema = conn.execute("SELECT current_schema()").fetchone()[0]
            key = advisory_key(str(schema), self.station_id)
            held = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0])
        except Exception as exc:
            conn.close()
            raise DatabaseError(describe_db_error(exc)) from exc
        if not held:
            conn.close()
            return False
        self._conn = conn
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a dead session has no lock left to drop
                conn.close()


def instance_lock(engine: Engine, station_id: str) -> InstanceLock:
    """The lock for `station_id` on the database behind `engine`."""
    url = engine.url
    if engine.dialect.name == "postgresql":
        dialect = engine.dialect
        cargs, cparams = dialect.create_connect_args(url)
        return AdvisoryLock(lambda: dialect.connect(*cargs, **cparams), station_id)
    if engine.dialect.name != "sqlite":
        return NoLock()  # packstation runs on SQLite and PostgreSQL only
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return NoLock()
    # The real file: two spellings of one database (a symlink, a relative path) share it.
    return FileLock(lock_file(Path(database).expanduser().resolve(), station_id))
