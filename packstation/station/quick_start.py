"""An idle station's start and first sign-in, on the driver alone, while SQLAlchemy waits.

What a packer waits for at a station that just started is the first badge taken. Before
it, the store must answer: the station's lock, its row, its records since the last
sign-out. With the models that costs ~0.15 s of imports on the one interpreter lock the
screen needs too; with the driver (`quick_db.py`) a few milliseconds. So the runner starts
with a `QuickStart` when it can, and loads the models (`backend.py`) once the worker is
quiet, or at once for anything this does not do.

It does only what an idle station needs, and says `NeedsStore` for the rest, before
writing anything: an order in progress after a crash, a
decision that asks the database anything but a badge, or that records anything but a
sign-in or a refused scan. Its rows are the ones `StationStore` writes for the same
records (`tests/station/test_quick_start.py` compares them).
"""

from __future__ import annotations

import logging
from datetime import datetime

from packstation.clock import Clock
from packstation.config import lease_end
from packstation.db_settings import HEAD
from packstation.domain.codes import ScannedCode
from packstation.domain.evidence import CameraState
from packstation.domain.rules import PackRules
from packstation.domain.workflow import (
    ClaimRefusal,
    Command,
    Decision,
    Operator,
    OrderView,
    PackState,
    Record,
    decide,
    order_id_of,
    replay,
)
from packstation.domain.workflow.commands import PinVerdict
from packstation.domain.workflow.record_types import RECORD_TYPES, records_from
from packstation.domain.workflow.records import ScanRejected, SessionLogin, SessionLogout
from packstation.station.instance_lock import InstanceLock, StationBusy
from packstation.station.quick_db import QuickDb, open_quick

log = logging.getLogger(__name__)

#: What the quick start commits: a sign-in, and a refused scan's audit record (an unknown
#: badge). Neither belongs to an order.
QUICK_RECORDS = (SessionLogin, ScanRejected)


class NeedsStore(Exception):
    """Something the quick start does not do: the models' store takes over (and does it)."""


class QuickContext:
    """The machine's questions an idle station's badge asks: who has this badge."""

    def __init__(self, db: QuickDb, rules: PackRules, clock: Clock) -> None:
        self._db = db
        self._rules = rules
        self._clock = clock

    @property
    def rules(self) -> PackRules:
        return self._rules

    @property
    def camera(self) -> CameraState | None:
        return None  # a station with a camera starts through the models

    def now(self) -> datetime:
        return self._clock()

    def operator_by_badge(self, badge: str) -> Operator | None:
        row = self._db.first(
            "SELECT id, badge, name, role FROM operators WHERE badge = ? AND active", (badge,)
        )
        return Operator(row[0], row[1], row[2], row[3]) if row else None

    def verify_pin(self, operator: Operator, pin: str) -> bool | PinVerdict:
        raise NeedsStore("a PIN")

    def find_order(self, ref: str) -> OrderView | ClaimRefusal | None:
        raise NeedsStore("an order")

    def next_order(self) -> OrderView | None:
        raise NeedsStore("the next order")

    def marking_used_in(self, identity: str) -> str | None:
        raise NeedsStore("a marking code")

    def serial_shipped_in(self, scope: str, serial: str) -> str | None:
        raise NeedsStore("a serial number")

    def order_of_code(self, code: ScannedCode) -> str | None:
        raise NeedsStore("an item code")

    def new_parcel_id(self, order_id: str) -> str:
        raise NeedsStore("a parcel")


class QuickStart:
    """Recovery, device states and the first badge of one station, until `hand_over`."""

    def __init__(
        self,
        db: QuickDb,
        station_id: str,
        rules: PackRules,
        clock: Clock,
        lease_s: float,
        station_name: str = "",
    ) -> None:
        self.db = db
        self.station_id = station_id
        self.station_name = station_name
        self.rules = rules
        self.clock = clock
        self.lease_s = lease_s
        self._lock: InstanceLock | None = None

    @classmethod
    def open(
        cls,
        url: str,
        station_id: str,
        rules: PackRules,
        clock: Clock,
        lease_s: float,
        station_name: str = "",
    ) -> QuickStart | None:
        """None when `url` is left to the models (`quick_db.connect_params`)."""
        db = open_quick(url)
        if db is None:
            return None
        return cls(db, station_id, rules, clock, lease_s, station_name)

    def recover(self) -> list[Record]:
        """`StationBackend.recover` for an idle station: lock, heartbeat, records."""
        if self._lock is None:
            self._lock = self.db.lock(self.station_id)
        if not self._lock.acquire():
            raise StationBusy(self.station_id)
        try:
            version = self.db.first("SELECT version_num FROM alembic_version")
        except Exception as exc:  # no schema yet (a new file), or no database: the models'
            raise NeedsStore(f"schema not readable: {exc}") from exc
        finally:
            self.db.rollback()  # PostgreSQL opened a transaction: not left idle in it
        if version is None or version[0] != HEAD:
            raise NeedsStore(f"schema at {version[0] if version else 'nothing'}, not {HEAD}")
        with self._transaction():
            now = self.clock()
            if self.db.first("SELECT id FROM stations WHERE id = ?", (self.station_id,)) is None:
                self._new_station(now)
            self._touch(now, devices={})  # a previous run's states are stale
            records = self._records()
            if replay(records).order is not None:
                raise NeedsStore("an order in progress")
        return records

    def note_devices(self, devices: dict[str, dict[str, str]]) -> None:
        with self._transaction():
            self._touch(self.clock(), devices=devices)

    def decide_and_commit(self, state: PackState, command: Command) -> Decision:
        """`StationBackend.decide_and_commit` for what `QUICK_RECORDS` holds."""
        try:
            decision = decide(state, command, QuickContext(self.db, self.rules, self.clock))
            for record in decision.records:
                if not isinstance(record, QUICK_RECORDS) or order_id_of(record) is not None:
                    raise NeedsStore(record.kind)
        except BaseException:
            self.db.rollback()  # PostgreSQL's transaction of the badge lookup
            raise
        if not decision.records:
            self.db.rollback()
            return decision
        operator_id = state.operator.id if state.operator else None
        with self._transaction():
            for record in decision.records:
                if isinstance(record, SessionLogin):
                    operator_id = record.operator.id
                    self._touch(record.at, operator_id=operator_id, step="idle")
                self.db.execute(
                    "INSERT INTO events (at, kind, order_id, station_id, operator_id,"
                    " session_id, payload) VALUES (?, ?, NULL, ?, ?, NULL, ?)",
                    (
                        self.db.timestamp(record.at),
                        record.kind,
                        self.station_id,
                        operator_id,
                        self.db.json(record.to_payload()),
                    ),
                )
        return decision

    def hand_over(self) -> InstanceLock | None:
        """The models' store takes over: it keeps the station's lock; the connection closes."""
        lock, self._lock = self._lock, None
        self.db.close()
        return lock

    def release(self) -> None:
        lock = self.hand_over()
        if lock is not None:
            lock.release()

    # --- the SQL -----------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)

    def _new_station(self, now: datetime) -> None:
        """`StationStore.ensure_station`: the row with the model's defaults."""
        self.db.execute(
            "INSERT INTO stations (id, name, operator_id, current_order_id, step,"
            " heartbeat_at, lease_until, devices, created_at)"
            " VALUES (?, ?, NULL, NULL, 'logged_out', NULL, NULL, ?, ?)",
            (self.station_id, self.station_name, self.db.json({}), self.db.timestamp(now)),
        )

    def _touch(self, now: datetime, **values: object) -> None:
        """`StationStore.touch_station`: heartbeat, lease and `values`."""
        columns = {"heartbeat_at": now, "lease_until": lease_end(now, self.lease_s), **values}
        params = [self._value(key, value) for key, value in columns.items()]
        sets = ", ".join(f"{key} = ?" for key in columns)
        self.db.execute(f"UPDATE stations SET {sets} WHERE id = ?", (*params, self.station_id))

    def _value(self, column: str, value: object) -> object:
        if isinstance(value, datetime):
            return self.db.timestamp(value)
        return self.db.json(value) if column == "devices" else value

    def _records(self) -> list[Record]:
        """`StationStore.load_records`: this station's records since its last sign-out."""
        last = self.db.first(
            "SELECT id FROM events WHERE station_id = ? AND kind = ? ORDER BY id DESC LIMIT 1",
            (self.station_id, SessionLogout.kind),
        )
        kinds = list(RECORD_TYPES)
        sql = (
            "SELECT kind, payload FROM events WHERE station_id = ?"
            f" AND kind IN ({', '.join('?' for _ in kinds)})"
        )
        params: list[object] = [self.station_id, *kinds]
        if last is not None:
            sql += " AND id > ?"
            params.append(last[0])
        rows = self.db.execute(sql + " ORDER BY id", params).fetchall()
        return records_from((kind, self.db.from_json(payload)) for kind, payload in rows)


class _Transaction:
    """BEGIN … COMMIT, or ROLLBACK on any exception."""

    def __init__(self, db: QuickDb) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.begin()

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            self.db.commit()
        else:
            self.db.rollback()
