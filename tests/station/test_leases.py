"""Station leases: set by the heartbeat, refusals while live, auto-release, resume."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from packstation.domain.rules import PackRules
from packstation.domain.workflow import ClaimRefusal, OrderView, RefusalReason, Step
from packstation.models import Event, Order, PackSession, Station
from packstation.models.db import Database
from packstation.station.backend import StationBackend
from packstation.station.context import DbContext
from packstation.station.leases import AUTO_RELEASE_S, LEASE_EXPIRED, LEASE_S, release_expired
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
