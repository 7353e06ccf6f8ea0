"""The quick start (`quick_start.py`): an idle station's start and first badge on the
driver alone, writing exactly what the models' store writes, handing over to it after."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url, select

from packstation.domain.codes import parse_code
from packstation.domain.rules import PackRules
from packstation.domain.workflow import PackState, Scan, replay
from packstation.models import Event, Station
from packstation.models.db import Database
from packstation.station.backend import StationBackend
from packstation.station.quick_db import connect_params
from packstation.station.quick_start import NeedsStore, QuickStart
from tests.station.conftest import PACKER, SyncRunner

T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


class Clock:
    """The tests' time: moved by hand, never read from the machine."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=7)
        return self.now


# --- the URLs it takes -------------------------------------------------------------------


def test_sqlite_urls(tmp_path: Path) -> None:
    db = tmp_path / "station.db"
    assert connect_params(f"sqlite:///{db}") is None  # no file yet: the models create it
    db.write_bytes(b"")
    assert connect_params(f"sqlite:///{db}") == ("sqlite", {"database": str(db)})
    for url in ("sqlite://", "sqlite:///:memory:", f"sqlite:///{db}?mode=ro", "mysql://x/y"):
        assert connect_params(url) is None, url


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://root@127.0.0.1:5432/test",
        "postgresql+psycopg://packer:p%40ss%3Aw%2Ford@db.example:6543/floor",
        "postgresql+psycopg://root@localhost/test?options=-csearch_path%3Dpstest_1",
        "postgresql+psycopg://root@/test?host=/var/run/postgresql&sslmode=disable",
    ],
)
def test_postgresql_urls_connect_as_sqlalchemy_would(url: str) -> None:
    """The driver gets what SQLAlchemy's psycopg dialect would give it (its own adapters
    and encoding aside)."""
    parsed = make_url(url)
    _, expected = parsed.get_dialect()().create_connect_args(parsed)
    expected.pop("context", None)
    expected.pop("client_encoding", None)
    assert connect_params(url) == ("postgresql", expected)


def test_other_drivers_and_repeated_keys_are_left_to_sqlalchemy() -> None:
    assert connect_params("postgresql://root@127.0.0.1/test") is None  # psycopg2's
    assert connect_params("postgresql+psycopg://r@/t?host=a&host=b") is None


# --- the rows it writes ------------------------------------------------------------------


def station_rows(db: Database, station: str) -> dict[str, Any]:
    with db.sessions() as s:
        row = s.get(Station, station)
        assert row is not None
        values = {c: getattr(row, c) for c in ("name", "operator_id", "current_order_id")}
        values |= {c: getattr(row, c) for c in ("step", "devices", "heartbeat_at", "lease_until")}
        events = s.execute(
            select(Event.at, Event.kind, Event.order_id, Event.operator_id, Event.session_id)
            .add_columns(Event.payload)
            .where(Event.station_id == station)
            .order_by(Event.id)
        ).all()
    return values | {"events": [tuple(e) for e in events]}


def sqlite_text(url: str, station: str) -> list[tuple[Any, ...]]:
    """The stored text itself (SQLite compares timestamps as text)."""
    with sqlite3.connect(make_url(url).database or "") as conn:
        rows = [conn.execute("SELECT heartbeat_at, lease_until, devices FROM stations"
                             " WHERE id = ?", (station,)).fetchone()]  # fmt: skip
        rows += conn.execute(
            "SELECT at, payload FROM events WHERE station_id = ? ORDER BY id", (station,)
        ).fetchall()
    return rows


def made(db: Database, station: str) -> None:
    with db.unit_of_work() as session:
        session.add(Station(id=station, name="", devices={}))


@pytest.fixture
def both(station_db: Database, db_url: str, rules: PackRules) -> Iterator[tuple[Any, Any]]:
    """Two new stations, one through each path, on one database and one clock."""
    quick = QuickStart.open(db_url, "PS-QUICK", rules, Clock(), 30.0, "Bench 3")
    assert quick is not None
    models = StationBackend(station_db, "PS-MODELS", rules, Clock(), "Bench 3", lease_s=30.0)
    yield quick, models
    quick.release()
    models.release()


def test_recovery_device_states_and_sign_in_write_what_the_models_write(
    both: tuple[QuickStart, StationBackend], station_db: Database, db_url: str
) -> None:
    quick, models = both
    assert quick.recover() == models.recover() == []
    with station_db.sessions() as s:  # the models' own default reads the machine's clock
        created = s.get(Station, "PS-QUICK")
        assert created is not None and created.created_at == T0 + timedelta(milliseconds=7)
    devices = {"scanner": {"state": "ok", "detail": "/dev/ttyACM0 «9600»"}}
    quick.note_devices(devices)
    models.note_devices(devices)
    state = PackState()
    for code in ("NO-SUCH-BADGE", PACKER):
        command = Scan(parse_code(code))
        mine, theirs = (
            quick.decide_and_commit(state, command),
            models.decide_and_commit(state, command),
        )
        assert mine.records == theirs.records and mine.outcome == theirs.outcome
        state = replay(mine.records, state)
    assert state.operator is not None and state.operator.badge == PACKER
    written = station_rows(station_db, "PS-QUICK")
    assert written == station_rows(station_db, "PS-MODELS")
    assert [e[1] for e in written["events"]] == ["scan.rejected", "session.login"]
    assert written["step"] == "idle" and written["devices"] == devices
    if db_url.startswith("sqlite"):
        assert sqlite_text(db_url, "PS-QUICK") == sqlite_text(db_url, "PS-MODELS")
    # A restart: the row is there.
    assert [r.kind for r in quick.recover()] == ["scan.rejected", "session.login"]
    assert [r.kind for r in models.recover()] == ["scan.rejected", "session.login"]


def test_it_leaves_to_the_models_what_it_does_not_do(
    station_db: Database, db_url: str, rules: PackRules
) -> None:
    quick = QuickStart.open(db_url, "PS-NEW", rules, Clock(), 30.0)
    assert quick is not None
    try:
        assert quick.recover() == []
        login = quick.decide_and_commit(PackState(), Scan(parse_code(PACKER)))
        state = replay(login.records)
        before = station_rows(station_db, "PS-NEW")
        with pytest.raises(NeedsStore, match="an order"):
            quick.decide_and_commit(state, Scan(parse_code("ORD-1001")))
        assert station_rows(station_db, "PS-NEW") == before  # nothing written
    finally:
        quick.release()
    # An order in progress (a crash mid-order): recovery is the models'.
    models = StationBackend(station_db, "PS-NEW", rules, Clock())
    try:
        models.recover()
        models.decide_and_commit(state, Scan(parse_code("ORD-1001")))
    finally:
        models.release()
    again = QuickStart.open(db_url, "PS-NEW", rules, Clock(), 30.0)
    assert again is not None
    try:
        with pytest.raises(NeedsStore, match="an order in progress"):
            again.recover()
    finally:
        again.release()


# --- the runner: quick first, the models after --------------------------------------------


def wait_until(check: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_runner_starts_quick_and_hands_over_to_the_models(
    station_db: Database, db_url: str, rules: PackRules, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr("packstation.station.runner.QUICK_IDLE_S", 600.0)  # never quiet enough
    st = SyncRunner(db_url, rules, tmp_path / "spool")  # type: ignore[arg-type]
    try:
        runner = st.runner
        assert st.results[0].recovered and runner.quick is not None and runner.backend is None
        login = st.scan(PACKER)
        assert login.outcome is not None and login.outcome.ok
        assert runner.quick is not None and runner.backend is None
        claim = st.scan("ORD-1001")  # not the quick start's: the models' store, at once
        assert claim.state.order is not None and claim.state.order.id == "ORD-1001"
        assert runner.quick is None and runner.backend is not None
        # The models' store kept the station's lock: a second process of PS-01 is refused.
        other = SyncRunner(db_url, rules, tmp_path / "spool2")  # type: ignore[arg-type]
        try:
            assert other.results[0].outcome is not None
            assert other.results[0].outcome.message.key == "station.already_open"
        finally:
            other.stop()
        assert st.scan("4601234567893").outcome.ok  # type: ignore[union-attr]
    finally:
        st.stop()
    with station_db.sessions() as s:
        kinds = s.scalars(select(Event.kind).where(Event.station_id == "PS-01")).all()
    assert kinds == ["session.login", "order.claimed", "scan.accepted"]


def test_the_models_load_once_the_worker_is_quiet(
    station_db: Database, db_url: str, rules: PackRules, tmp_path: Path
) -> None:
    st = SyncRunner(db_url, rules, tmp_path / "spool")  # type: ignore[arg-type]
    try:
        assert st.results[0].recovered
        wait_until(lambda: st.runner.backend is not None)
        assert st.runner.quick is None
        assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
    finally:
        st.stop()


def test_a_database_without_the_schema_starts_through_the_models(
    tmp_path: Path, rules: PackRules
) -> None:
    """An empty file (a station set up by hand): the models migrate it, as before."""
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    st = SyncRunner(f"sqlite:///{path}", rules, tmp_path / "spool")  # type: ignore[arg-type]
    try:
        assert st.results[0].recovered
        assert st.runner.quick is None and st.runner.backend is not None
        assert st.scan("BADGE-NOBODY").outcome.message.key == "login.unknown_badge"  # type: ignore[union-attr]
    finally:
        st.stop()


SIGN_IN_ALONE = """
import sys, threading, tomllib
from pathlib import Path
from packstation.domain.codes import parse_code
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Scan
from packstation.station.runner import StationRunner

rules = PackRules.from_config(tomllib.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
results = []
done = threading.Semaphore(0)
runner = StationRunner(sys.argv[1], "PS-01", rules, lambda r: (results.append(r), done.release()))
runner.quick_idle_s = 600.0
runner.start()
assert done.acquire(timeout=30), "the station did not recover"
runner.submit(Scan(parse_code(sys.argv[3])))
assert done.acquire(timeout=30), "no result for the badge"
print(results[-1].state.operator.badge, sorted(m for m in sys.modules if "sqlalchemy" in m))
runner.stop()
"""


@pytest.mark.other_process
def test_an_idle_station_signs_in_without_loading_sqlalchemy(
    station_db: Database, db_url: str, fixtures_dir: Path
) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            SIGN_IN_ALONE,
            db_url,
            str(fixtures_dir / "station-sample.toml"),
            PACKER,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [PACKER, "[]"]
