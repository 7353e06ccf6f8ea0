"""A pooled PostgreSQL connection is pinged before use only when it may be dead.

SQLAlchemy's `pool_pre_ping` asks the server on every checkout: one more round trip in
every scan, claim and queue refresh (on a warehouse network, most of what a scan waits
for beyond its own statements). A connection the server ended (a restart, a lead's
`pg_terminate_backend`, an idle timeout) has its socket readable while we are not
reading it: the server's goodbye or the end of the stream is waiting there. So a checkout
pings only a connection whose socket is readable, or one idle longer than `PING_IDLE_S`
(a network that dropped it without a word); a failed ping discards it and the pool
connects anew, as with `pool_pre_ping`.
"""

from __future__ import annotations

import select
import time
from typing import Any

from sqlalchemy import Dialect, Engine, event
from sqlalchemy.exc import DisconnectionError

__all__ = ["PING_IDLE_S", "check_before_use", "check_idle"]

#: A connection idle longer than this is pinged whatever its socket says.
PING_IDLE_S = 10.0
_USED_AT = "packstation_used_at"


def check_before_use(engine: Engine) -> None:
    """Install the checks on `engine`'s pool (in place of `pool_pre_ping`)."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _used(dbapi_connection: Any, record: Any) -> None:
        record.info[_USED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        used = record.info.get(_USED_AT)
        if used is None:  # connected just now
            return
        check_idle(dialect, dbapi_connection, used)


def check_idle(dialect: Dialect, dbapi_connection: Any, used: float) -> None:
    """Raise `DisconnectionError` if a connection last used at ``used`` (monotonic) is
    dead; it is asked only when it may be."""
    if time.monotonic() - used < PING_IDLE_S and not _readable(dbapi_connection):
        return
    try:
        alive = dialect.do_ping(dbapi_connection)
    except Exception as exc:  # the driver's own error: the connection is gone
        raise DisconnectionError(f"connection lost while idle: {exc}") from exc
    if not alive:
        raise DisconnectionError("connection lost while idle")


def _readable(dbapi_connection: Any) -> bool:
    """Whether the server said something while the connection lay in the pool (True too
    when the socket cannot be looked at: then it is pinged, as before)."""
    try:
        fd = dbapi_connection.fileno()
        ready, _, _ = select.select([fd], [], [], 0)
    except (AttributeError, OSError, ValueError):
        return True
    return bool(ready)
