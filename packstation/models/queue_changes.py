"""Whether the floor changed since the queue screen last read it: `ChangeProbe`.

The queue's feed thread looks (one tiny read) before it reads the stations, the floor
stats or the page of orders again (`queue_repo.py`, `queue_page.py`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from packstation.models.packing import Event
from packstation.models.people import Station

__all__ = ["ChangeProbe", "Changes"]


@dataclass(frozen=True, slots=True)
class Changes:
    """What a refresh must read again: the orders and floor stats, the stations panel."""

    orders: bool
    stations: bool

    def __bool__(self) -> bool:
        return self.orders or self.stations


_PROBE = select(
    select(func.max(Event.id)).scalar_subquery(),
    select(func.max(Station.heartbeat_at)).scalar_subquery(),
    select(func.count()).select_from(Station).scalar_subquery(),
)


class ChangeProbe:
    """Tells, for the cost of a tiny read, whether the floor changed since the last look.

    Everything a station or a lead does writes an event (a claim, a scan, a pack, a
    release, an import, a delivery status), and a station's heartbeat, devices and
    liveness are its row's `heartbeat_at`: so the newest event id and the newest heartbeat
    tell what to read again. On SQLite, `PRAGMA data_version` on a connection kept for
    this also sees any other commit at all (it changes whenever another connection
    committed): then everything is read again. The first look reports everything changed.
    Used from one thread; `close()` gives its connection back.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._raw: Any = None
        self._version: int | None = None
        self._marks: tuple[Any, ...] | None = None

    def look(self) -> Changes:
        if self._sqlite:
            return self._look_sqlite()
        with self.engine.connect() as conn:
            marks = tuple(conn.execute(_PROBE).one())
        before, self._marks = self._marks, marks
        if before is None or before[0] != marks[0]:
            return Changes(orders=True, stations=True)
        return Changes(orders=False, stations=before != marks)

    def _look_sqlite(self) -> Changes:
        if self._raw is None:
            self._raw = self.engine.raw_connection()
        try:
            cursor = self._raw.cursor()
            try:
                cursor.execute("PRAGMA data_version")
                version = int(cursor.fetchone()[0])
            finally:
                cursor.close()
        except Exception:
            self.close()  # a connection that failed is not looked through again
            raise
        before, self._version = self._version, version
        changed = before != version
        return Changes(orders=changed, stations=changed)

    def reset(self) -> None:
        """Forget what was seen: the next look reports everything changed."""
        self._version = None
        self._marks = None

    def close(self) -> None:
        raw, self._raw = self._raw, None
        self._version = None
        if raw is not None:
            with contextlib.suppress(Exception):  # a broken connection closes as it can
                raw.close()
