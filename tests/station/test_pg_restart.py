"""PostgreSQL restarted during a pack: the real station process rides it out.

The `packstation run` process (pseudo-terminal, simulated serial scanner and
scale) packs ORD-1001 on a private PostgreSQL cluster that this test owns.
Mid-order the cluster is stopped (``pg_ctl stop -m fast``, and ``-m immediate``,
a crash that the next start recovers from the WAL): the next scan is shown as
not recorded with the database marked unavailable; the station keeps running
through a failed heartbeat and refuses a second scan too; nothing of either
reaches the database. The cluster is started again: the station reconnects by
itself (its heartbeat renews the lease and the status bar is green again, with
no key pressed), the packer scans the rest and the order is packed. Every event
committed before the stop is still there, unchanged.

The runner-level tests below take the one case the process test cannot time:
the server commits a scan and goes down before its reply reaches the station
(the packer is told "not recorded"). Once the database answers again the
station adopts what was committed, so a re-scan is not recorded twice.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from packstation.domain.codes import parse_code
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Scan, replay
from packstation.models import Event, Order, Station
from packstation.models.db import Database, make_engine, open_database
from packstation.station.store import StationStore
from tests.e2e.station_process import StationProcess
from tests.e2e.test_station_process import ITEMS, _assert_packed, _finish, _items
from tests.station.conftest import PACKER, SyncRunner, seed
from tests.station.pg_cluster import PgCluster, private_cluster

pytestmark = [pytest.mark.pg, pytest.mark.other_process]

STATION = "PS-PGRESTART"


@pytest.fixture
def pg_cluster() -> Iterator[PgCluster]:
    with private_cluster() as cluster:
        yield cluster


def events(url: str) -> list[tuple[Any, ...]]:
    db = open_database(url)
    try:
        with db.sessions() as s:
            rows = s.execute(
                select(
                    Event.id, Event.at, Event.kind, Event.order_id, Event.station_id, Event.payload
                ).order_by(Event.id)
            ).all()
        return [tuple(r) for r in rows]
    finally:
        db.dispose()


def heartbeat_at(url: str) -> datetime | None:
    db = open_database(url)
    try:
        with db.sessions() as s:
            return s.scalar(select(Station.heartbeat_at).where(Station.id == STATION))
    finally:
        db.dispose()


def screen_since(station: StationProcess, mark: int) -> str:
    """What the station drew after byte ``mark`` of its terminal output, escapes removed."""
    text = bytes(station.output[mark:]).decode("utf-8", "replace")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", " ", text)


def wait_screen(
    station: StationProcess, mark: int, pattern: str, timeout: float = 20.0, what: str = ""
) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = screen_since(station, mark)
        if re.search(pattern, text):
            return text
        if station.proc is not None and station.proc.poll() is not None:
            raise AssertionError(f"station exited ({station.proc.returncode}): {text[-1500:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or pattern}: {text[-1500:]}")
        time.sleep(0.05)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgresql_restart_mid_order(
    pg_cluster: PgCluster, mode: str, fixtures_dir: Path, tmp_path: Path
) -> None:
    url = pg_cluster.url
    upgrade = subprocess.run(
        [sys.executable, "-m", "packstation", "db", "upgrade", "--db", url],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    db = open_database(url)
    seed(db, fixtures_dir)
    db.dispose()

    spool = tmp_path / "spool"
    scanner = ScannerSimulator()
    scale = ScaleSimulator("mt-sics", grams=0)
    station = StationProcess(url, scanner.port, scale.port, spool, station=STATION)
    station.start()
    try:
        try:
            station.wait_ready(timeout=60)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; screen: {station.screen_text()[-1500:]}") from None
        scanner.send(PACKER)
        station.wait_for(lambda s: s.operator is not None, timeout=30, what="login")
        scanner.send("ORD-1001")
        station.wait_for(lambda s: s.order is not None, what="claim")
        _items(station, scanner, ITEMS[:2])
        committed = events(url)
        assert [e[2] for e in committed].count("scan.accepted") == 2

        # --- the database goes away mid-order ---------------------------------------
        mark = len(station.output)
        stopped_at = datetime.now(UTC)
        pg_cluster.stop(mode)
        scanner.send(ITEMS[2])
        down = wait_screen(station, mark, r"NOT RECORDED", what="the not-recorded message")
        down = wait_screen(station, mark, r"DATABASE UNAVAILABLE", what="database unavailable")
        print(f"screen during the outage ({mode}):", " ".join(down.split())[-900:])
        assert ITEMS[2] in down  # the refused code, shown literally
        assert "3 of 4" not in down  # the unit was not counted
        # A restart takes a while: the station's heartbeat fails meanwhile, it keeps running
        # and keeps refusing scans.
        time.sleep(max(0.0, 5.5 - (datetime.now(UTC) - stopped_at).total_seconds()))
        assert station.proc is not None and station.proc.poll() is None
        mark = len(station.output)
        scanner.send(ITEMS[3])
        again = wait_screen(station, mark, re.escape(ITEMS[3]), what="the second refused scan")
        again = wait_screen(station, mark, r"NOT RECORDED", what="the second refusal")
        assert "4 of 4" not in again

        # --- it comes back: the station reconnects with no one touching it -------------
        mark = len(station.output)
        pg_cluster.start()
        started_at = datetime.now(UTC)
        deadline = time.monotonic() + 30
        while (beat := heartbeat_at(url)) is None or beat < started_at:
            assert time.monotonic() < deadline, f"no heartbeat since the restart (last {beat})"
            time.sleep(0.1)
        up = wait_screen(station, mark, r"●\s+database", what="the database shown connected")
        assert "DATABASE UNAVAILABLE" not in re.split(r"●\s+database", up)[-1]
        print(f"screen after the restart ({mode}):", " ".join(up.split())[-400:])

        state = station.state()  # what the station resumes from: the outage scan is not in it
        assert state.units_packed == 2 and state.order is not None
        _items(station, scanner, ITEMS[2:], already=2)
        parcel_id = _finish(station, scanner, scale)
    finally:
        station.kill()
        scanner.shutdown()
        scale.shutdown()

    _assert_packed(url, parcel_id, spool)  # packed, confirmed parcel, exactly 4 scans accepted
    after = events(url)
    assert after[: len(committed)] == committed  # everything committed before the stop, unchanged
    outage = [e for e in after if stopped_at <= e[1] <= started_at]
    assert outage == []  # nothing was written for the outage scan, not even later
    db = open_database(url)
    try:
        with db.sessions() as s:
            order = s.get(Order, "ORD-1001")
            assert order is not None and order.status == "packed"
    finally:
        db.dispose()


# --- a commit whose reply was lost with the server ---------------------------------------

MUG = "4601234567893"  # ORD-1001's line of 2


def accepted(db: Database) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).where(Event.kind == "scan.accepted")) or 0)


@pytest.fixture
def lossy(pg_cluster: PgCluster, fixtures_dir: Path) -> Iterator[tuple[Database, list[bool]]]:
    """The station database on the private cluster; while ``armed[0]`` is set, the next
    COMMIT goes through on the server, which then dies before the station hears back."""
    open_database(pg_cluster.url, auto_upgrade=True).dispose()
    db = Database(make_engine(pg_cluster.url))
    seed(db, fixtures_dir)
    armed = [False]
    dialect = db.engine.dialect
    real_commit = dialect.do_commit

    def commit_then_crash(dbapi_connection: Any) -> None:
        real_commit(dbapi_connection)
        if armed[0]:
            armed[0] = False
            pg_cluster.stop("immediate")
            raise psycopg.OperationalError("server closed the connection unexpectedly")

    dialect.do_commit = commit_then_crash  # type: ignore[method-assign]
    yield db, armed
    db.dispose()


def _lose_the_second_mug(st: SyncRunner, db: Database, armed: list[bool]) -> None:
    st.scan(PACKER)
    st.scan("ORD-1001")
    assert st.scan(MUG).state.units_packed == 1
    armed[0] = True
    lost = st.scan(MUG)
    assert not lost.recorded and lost.state.units_packed == 1
    assert lost.outcome is not None and lost.outcome.message.key == "station.not_recorded"
    assert not armed[0]  # the crash did happen after the commit


def _committed_state_matches(st: SyncRunner, db: Database) -> None:
    with db.sessions() as s:
        committed = replay(StationStore("PS-01").load_records(s))
    assert committed.durable() == st.runner.state.durable()


def test_commit_lost_with_the_server_then_rescanned_is_not_doubled(
    lossy: tuple[Database, list[bool]], pg_cluster: PgCluster, rules: PackRules, tmp_path: Path
) -> None:
    db, armed = lossy
    st = SyncRunner(db, rules, tmp_path / "spool")
    try:
        _lose_the_second_mug(st, db, armed)
        pg_cluster.start()
        assert accepted(db) == 2  # the server did commit it
        n = len(st.results)
        st.runner.submit(Scan(parse_code(MUG)))  # the packer scans the mug again
        resynced = st.wait(n + 1)  # the station first adopts what the database holds ...
        assert resynced.outcome is not None and resynced.outcome.message.key == "station.resumed"
        assert resynced.state.units_packed == 2
        rescan = st.wait(n + 2)  # ... then judges the re-scan against it: the line is full
        assert rescan.outcome is not None and not rescan.outcome.ok
        assert rescan.outcome.message.key == "scan.over_scan"
        assert rescan.state.units_packed == 2
        assert accepted(db) == 2
        _committed_state_matches(st, db)
        for code in ("4607654321015", "046000001234"):  # and packing goes on
            assert st.scan(code).recorded
        assert st.runner.state.units_packed == 4 and accepted(db) == 4
        _committed_state_matches(st, db)
    finally:
        st.stop()


def test_commit_lost_with_the_server_is_picked_up_by_the_heartbeat(
    lossy: tuple[Database, list[bool]], pg_cluster: PgCluster, rules: PackRules, tmp_path: Path
) -> None:
    db, armed = lossy
    st = SyncRunner(db, rules, tmp_path / "spool")
    try:
        _lose_the_second_mug(st, db, armed)
        n = len(st.results)
        pg_cluster.start()
        # No scan: within a heartbeat the station reconnects and shows the true count.
        fixed = st.wait(n + 1, timeout=15)
        assert fixed.outcome is not None and fixed.outcome.message.key == "station.resumed"
        assert fixed.state.units_packed == 2 and st.runner.db_ok
        _committed_state_matches(st, db)
    finally:
        st.stop()
