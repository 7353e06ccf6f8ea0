"""One connection a station's writer keeps across its transactions.

Each scan and claim is one transaction. Taken from the pool, every transaction
also checked a connection out and back in (events, reset, the liveness check)
inside a fresh Session: about 0.07 ms of Python per transaction on this
machine, on the worker whose Python competes with the screen for the
interpreter lock. The station's writer is one thread, so it keeps one
connection. Before each transaction it is checked as the pool checks a
connection (`liveness.check_idle`); a dead one is dropped and connected anew,
so a server restart costs no scan.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session

from packstation.models.liveness import check_idle
from packstation.models.statement_cache import StatementCache

__all__ = ["HeldConnection", "connection_of"]

_CONNECTION = "packstation_held_connection"


def connection_of(session: Session) -> Connection:
    """The connection ``session``'s statements run on: the held one, without the
    Session's transaction machinery, when the Session came from `HeldConnection`."""
    held: Connection | None = session.info.get(_CONNECTION)
    return held if held is not None else session.connection()


class HeldConnection:
    """Not thread-safe: one writer thread uses it (the station's runner worker)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._session: Session | None = None
        #: The hot path's statements found by identity (`statement_cache.py`).
        self.statements = StatementCache()
        self._pool = engine.pool
        self._used = 0.0
        #: SQLite is a local file: nothing to ask before use (the pool does not either).
        self._check = engine.dialect.name != "sqlite"

    def connection(self) -> Connection:
        conn = self._conn
        # A statement found the server gone, or the engine was disposed (its connections
        # dropped on purpose: this one too).
        if conn is not None and (conn.invalidated or self.engine.pool is not self._pool):
            self.close()
            conn = None
        if conn is not None and self._check:
            try:
                check_idle(self.engine.dialect, conn.connection.dbapi_connection, self._used)
            except DisconnectionError:
                conn.invalidate()
                self.close()
                conn = None
        if conn is None:
            self._pool = self.engine.pool
            conn = self._conn = self.engine.connect()
            conn.execution_options(compiled_cache=self.statements)
        return conn

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A Session in a transaction of the held connection: committed at the end of the
        block, rolled back on an exception (as ``sessionmaker.begin()``).

        The transaction is the connection's; the Session joins it only when the ORM is
        used. Core statements go through `connection_of` straight to the connection, so a
        scan or claim that needs no ORM object does not pay for the Session's own
        transaction bookkeeping. One Session serves the connection's blocks: one the ORM
        did not touch holds nothing, and making and closing one each time cost a claim
        about 40 µs of CPU.
        """
        conn = self.connection()
        session = self._session
        if session is None:  # `close` drops it with the connection it was bound to
            session = self._session = Session(
                bind=conn, expire_on_commit=False, info={_CONNECTION: conn}
            )
        try:
            with conn.begin():
                try:
                    yield session
                    if session.in_transaction():
                        session.flush()
                finally:
                    if session.in_transaction():  # the ORM was used: forget its objects
                        session.close()
        except BaseException:
            # Back to the pool, whose reset rolls the driver's connection back: a COMMIT
            # that failed can leave the driver inside the transaction while SQLAlchemy
            # counts it as ended, and the next block would then commit the failed rows.
            self.close()
            raise
        finally:
            self._used = time.monotonic()

    def close(self) -> None:
        self._session = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
