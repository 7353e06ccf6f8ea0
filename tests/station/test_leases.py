"""Station leases: set by the heartbeat, refusals while live, auto-release, resume;
lease and auto-release times from the config's `[floor]`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.config import ConfigError, LeaseTimings, lease_timings, load_config
from packstation.devices.printer import open_printer
from packstation.domain.rules import PackRules
from packstation.domain.workflow import ClaimRefusal, OrderView, RefusalReason, Step
from packstation.models import Event, Order, PackSession, Station
from packstation.models.db import Database
from packstation.station.backend import StationBackend
from packstation.station.context import DbContext
from packstation.station.leases import AUTO_RELEASE_S, LEASE_EXPIRED, LEASE_S, release_expired
from packstation.station.runner import StationRunner
from tests.station.conftest import PACKER, SyncRunner

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def lease_of(db: Database, station: str) -> tuple[datetime | None, datetime | None]:
    with db.sessions() as s:
        row = s.execute(
            select(Station.heartbeat_at, Station.lease_until).where(Station.id == station)
        ).one()
    return row[0], row[1]


def claim(st: SyncRunner, order: str = "ORD-1001") -> None:
    assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
    result = st.scan(order)
    assert result.state.order is not None and result.state.order.id == order, result.outcome


def after_expiry(db: Database, station: str, extra_s: float) -> datetime:
    """A moment ``extra_s`` after the station's lease ended."""
    _, until = lease_of(db, station)
    assert until is not None
    return until + timedelta(seconds=extra_s)


def test_heartbeat_sets_the_lease(station_db: Database, rules: PackRules) -> None:
    now = [T0]
    backend = StationBackend(station_db, "PS-09", rules, lambda: now[0], lease_s=12)
    backend.recover()
    assert lease_of(station_db, "PS-09") == (T0, T0 + timedelta(seconds=12))
    now[0] = T0 + timedelta(seconds=5)
    backend.heartbeat()
    assert lease_of(station_db, "PS-09") == (now[0], now[0] + timedelta(seconds=12))
    assert StationBackend(station_db, "PS-10", rules, lambda: T0).store.lease_s == LEASE_S


def test_held_elsewhere_only_while_the_lease_is_live(
    station: SyncRunner, station_db: Database, rules: PackRules
) -> None:
    claim(station)
    _, until = lease_of(station_db, "PS-01")
    assert until is not None

    def find(at: datetime) -> OrderView | ClaimRefusal | None:
        with station_db.sessions() as s:
            return DbContext(s, "PS-02", rules, lambda: at).find_order("ORD-1001")

    live = find(until - timedelta(seconds=1))
    assert isinstance(live, ClaimRefusal) and live.reason is RefusalReason.HELD_ELSEWHERE
    assert live.station == "PS-01"
    gone = find(until + timedelta(seconds=1))
    assert isinstance(gone, ClaimRefusal) and gone.reason is RefusalReason.NOT_PACKABLE
    assert "PS-01 offline" in gone.status
    # The owner itself is never refused, lease or not.
    with station_db.sessions() as s:
        mine = DbContext(s, "PS-01", rules, lambda: until + timedelta(hours=1))
        assert isinstance(mine.find_order("ORD-1001"), OrderView)


def test_auto_release_only_after_the_configured_time(
    station: SyncRunner, station_db: Database
) -> None:
    claim(station)
    station.stop()  # the station is gone: nothing renews its lease
    early = after_expiry(station_db, "PS-01", AUTO_RELEASE_S - 1)
    with station_db.unit_of_work() as s:
        assert release_expired(s, early) == []
    late = after_expiry(station_db, "PS-01", AUTO_RELEASE_S + 1)
    with station_db.unit_of_work() as s:
        released = release_expired(s, late)
    assert [(r.order_id, r.station_id) for r in released] == [("ORD-1001", "PS-01")]
    with station_db.unit_of_work() as s:
        assert release_expired(s, late) == []  # once only
    with station_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "ready" and order.station_id is None
        pack = s.scalars(select(PackSession).where(PackSession.order_id == "ORD-1001")).one()
        assert pack.outcome == "expired" and pack.ended_at == late
        events = s.execute(
            select(Event.station_id, Event.payload, Event.session_id).where(
                Event.kind == LEASE_EXPIRED
            )
        ).all()
        assert [(e[0], e[1]["station"], e[2]) for e in events] == [("PS-01", "PS-01", pack.id)]
        row = s.get(Station, "PS-01")
        assert row is not None and row.current_order_id is None


def test_any_stations_heartbeat_releases_with_its_own_setting(
    station: SyncRunner, station_db: Database, rules: PackRules
) -> None:
    claim(station)
    station.stop()
    late = after_expiry(station_db, "PS-01", 61)
    other = StationBackend(station_db, "PS-02", rules, lambda: late, auto_release_s=60)
    other.recover()
    other.heartbeat()
    with station_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "ready" and order.station_id is None


def test_owner_resumes_an_expired_but_unreleased_order(
    station: SyncRunner, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    claim(station)
    assert station.scan("4601234567893").state.units_packed == 1
    station.stop()
    # Lease over, auto-release not yet due: another station's heartbeat leaves it alone.
    soon = after_expiry(station_db, "PS-01", 5)
    other = StationBackend(station_db, "PS-02", rules, lambda: soon)
    other.recover()
    other.heartbeat()
    again = SyncRunner(station_db, rules, tmp_path / "spool2")
    try:
        resumed = again.results[0]
        assert resumed.outcome is not None and resumed.outcome.message.key == "station.resumed"
        assert resumed.state.order is not None and resumed.state.order.id == "ORD-1001"
        result = again.scan("4601234567893")
        assert result.recorded and result.state.units_packed == 2
        _, until = lease_of(station_db, "PS-01")
        assert until is not None and until > soon - timedelta(seconds=5)  # renewed
    finally:
        again.stop()


def test_restart_after_release_drops_the_order(
    station: SyncRunner, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    claim(station)
    station.scan("4601234567893")
    station.stop()
    with station_db.unit_of_work() as s:
        assert release_expired(s, after_expiry(station_db, "PS-01", AUTO_RELEASE_S + 1))
    again = SyncRunner(station_db, rules, tmp_path / "spool2")
    try:
        first = again.results[0]
        assert first.recovered and first.state.order is None
        assert first.state.operator is not None and first.state.step is Step.IDLE
        assert first.outcome is not None and not first.outcome.ok
        assert first.outcome.message.key == "order.released"
        assert first.outcome.message.params["order"] == "ORD-1001"
        # It is an ordinary ready order again: the same station may claim it afresh.
        result = again.scan("ORD-1001")
        assert result.state.order is not None and result.state.units_packed == 0
    finally:
        again.stop()


def test_live_station_whose_order_was_released_is_told_and_drops_it(
    station: SyncRunner, station_db: Database
) -> None:
    claim(station)
    assert station.scan("4601234567893").state.units_packed == 1
    # E.g. cut off from the database for longer than lease + auto-release.
    with station_db.unit_of_work() as s:
        far = after_expiry(station_db, "PS-01", AUTO_RELEASE_S + 1)
        assert release_expired(s, far)
    result = station.scan("4601234567893")
    assert not result.recorded and result.state.order is None
    assert result.outcome is not None and result.outcome.message.key == "station.claim_conflict"
    with station_db.sessions() as s:
        accepted = s.scalars(
            select(Event.id).where(Event.kind == "scan.accepted", Event.order_id == "ORD-1001")
        ).all()
    assert len(accepted) == 1  # the refused scan left nothing behind


# --- lease and auto-release times from the config ---------------------------------------


def test_floor_config_defaults_are_the_lease_constants(fixtures_dir: Path, tmp_path: Path) -> None:
    assert LeaseTimings() == LeaseTimings(LEASE_S, AUTO_RELEASE_S) == LeaseTimings(30, 600)
    assert LeaseTimings().heartbeat_s == 5.0
    sample = load_config(fixtures_dir / "station-sample.toml")
    assert sample.raw["floor"] == {"lease_s": 30, "auto_release_s": 600}  # documented defaults
    assert sample.leases == LeaseTimings()
    bare = tmp_path / "bare.toml"
    bare.write_text('[station]\nid = "PS-07"\n', encoding="utf-8")
    assert load_config(bare).leases == LeaseTimings()
    assert load_config(None).leases == LeaseTimings()


def test_floor_config_sets_lease_and_auto_release(tmp_path: Path) -> None:
    conf = tmp_path / "s.toml"
    conf.write_text("[floor]\nlease_s = 12\nauto_release_s = 90.5\n", encoding="utf-8")
    timings = load_config(conf).leases
    assert timings == LeaseTimings(lease_s=12.0, auto_release_s=90.5)
    assert timings.heartbeat_s == 4.0  # at least three beats per lease
    assert lease_timings({"floor": {"auto_release_s": 0}}) == LeaseTimings(auto_release_s=0.0)


@pytest.mark.parametrize(
    "floor",
    [
        "lease_s = 2",  # shorter than a few heartbeats
        "lease_s = 0",
        "lease_s = true",
        'lease_s = "30"',
        "lease_s = nan",
        "lease_s = inf",
        "auto_release_s = -1",
        "auto_release_s = 1e12",
    ],
)
def test_floor_config_refuses_nonsense(tmp_path: Path, floor: str) -> None:
    conf = tmp_path / "s.toml"
    conf.write_text(f"[floor]\n{floor}\n", encoding="utf-8")
    key = floor.split(" ")[0]
    with pytest.raises(ConfigError, match=f"floor.{key} must be"):
        load_config(conf)
    conf.write_text('floor = "30"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[floor\] must be a table"):
        load_config(conf)


def test_station_app_hands_the_floor_config_to_its_runner(rules: PackRules) -> None:
    from packstation.screens.station_app import StationApp, StationSetup

    timings = LeaseTimings(lease_s=9, auto_release_s=45)
    app = StationApp(StationSetup(db="sqlite://", station_id="PS-01", rules=rules, leases=timings))
    assert app.runner.leases == timings
    assert StationApp(
        StationSetup(db="sqlite://", station_id="PS-01", rules=rules)
    ).runner.leases == (LeaseTimings())


class TimedRunner(SyncRunner):
    """`SyncRunner` on the real clock, with configured lease timings."""

    def __init__(
        self, db: Database, rules: PackRules, spool: Path, station: str, timings: LeaseTimings
    ) -> None:
        self.results = []
        self._cond = threading.Condition()
        printer = open_printer(f"dir://{spool}")
        self.runner = StationRunner(
            db, station, rules, self._on_result, printer=printer, leases=timings
        )
        self.runner.start()
        self.wait(1)


def wait_until(what: str, check: Callable[[], bool], timeout: float = 15.0) -> float:
    """Seconds it took until ``check()`` held."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out waiting for {what}"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_short_configured_lease_expires_and_is_released(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    """Real runners, real clock: a 3 s lease is renewed every second while the station
    lives, runs out 3 s after it stops, and another station configured with a 1 s
    auto-release puts the order back in the queue from its own heartbeat."""
    short = LeaseTimings(lease_s=3, auto_release_s=1)

    def find() -> OrderView | ClaimRefusal | None:
        with station_db.sessions() as s:
            return DbContext(s, "PS-02", rules).find_order("ORD-1001")

    first = TimedRunner(station_db, rules, tmp_path / "spool1", "PS-01", short)
    try:
        claim(first)
        beat, until = lease_of(station_db, "PS-01")
        assert beat is not None and until == beat + timedelta(seconds=3)
        # The heartbeat follows the short lease (every 1 s, not every 5 s): renewed in time.
        took = wait_until("a renewed lease", lambda: lease_of(station_db, "PS-01")[0] != beat)
        assert took < 3.0
        beat, until = lease_of(station_db, "PS-01")
        assert beat is not None and until == beat + timedelta(seconds=3)
        held = find()
        assert isinstance(held, ClaimRefusal) and held.reason is RefusalReason.HELD_ELSEWHERE
    finally:
        first.stop()
    _, until = lease_of(station_db, "PS-01")
    assert until is not None

    wait_until("the lease to run out", lambda: datetime.now(UTC) > until + timedelta(seconds=0.2))
    gone = find()
    assert isinstance(gone, ClaimRefusal) and gone.reason is RefusalReason.NOT_PACKABLE
    assert "PS-01 offline" in gone.status
    with station_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "packing"  # offline, not yet released

    other = TimedRunner(station_db, rules, tmp_path / "spool2", "PS-02", short)
    try:

        def released() -> bool:
            with station_db.sessions() as s:
                order = s.get(Order, "ORD-1001")
                return order is not None and order.status == "ready"

        wait_until("PS-02's heartbeat to release ORD-1001", released)
    finally:
        other.stop()
    with station_db.sessions() as s:
        event = s.execute(select(Event.at, Event.payload).where(Event.kind == LEASE_EXPIRED)).one()
    assert event[1]["station"] == "PS-01"
    assert event[0] >= until + timedelta(seconds=1)  # not before the configured auto-release


def test_a_claim_runs_only_statements_found_by_identity(
    station_db: Database, rules: PackRules
) -> None:
    """The claim's statements are built once (`statement_cache.py`): none of them is looked
    up by hashing it, the cost that made them worth marking."""
    from packstation.domain.workflow import Action, Key, PackState
    from packstation.station.context import DbContext

    backend = StationBackend(station_db, "PS-07", rules, lambda: T0)
    backend.recover()
    with station_db.sessions() as s:
        packer = DbContext(s, "PS-07", rules).operator_by_badge("BADGE-0001")
    assert packer is not None
    cache = backend._writer().statements
    before = cache.sizes
    decision = backend.decide_and_commit(PackState(operator=packer), Key(Action.NEXT))
    assert decision.outcome.ok and decision.folded.order is not None, decision.outcome
    by_identity, by_hash = cache.sizes
    assert by_identity > before[0] and by_hash == before[1]
