"""A marketplace cancels the order a packer holds: the station is told before the next
scan (at its heartbeat), in red, with what to do; nothing more is recorded for it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from packstation.channels.base import CallRecord, PostingState
from packstation.channels.sync import sync_channel
from packstation.clock import utcnow
from packstation.config import LeaseTimings
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Scan
from packstation.models import Event, Order
from packstation.models.db import Database
from tests.channels.test_sync import SETTINGS, Memory
from tests.station.conftest import PACKER, SyncRunner


def make_channel_order(db: Database, order_id: str) -> None:
    with db.unit_of_work() as s:
        s.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(channel=SETTINGS.name, channel_ref=order_id)
        )


def cancel_at_marketplace(db: Database, order_id: str) -> None:
    calls: list[CallRecord] = []
    market = Memory(calls)
    market.state[order_id] = PostingState.CANCELLED
    report = sync_channel(db, market, SETTINGS, now=utcnow, calls=calls)
    assert report.cancelled == 1 and report.stations == ["PS-01"]


def test_the_heartbeat_turns_the_station_red(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    # A 3 s lease: the station beats every second.
    st = SyncRunner(station_db, rules, tmp_path / "spool", leases=LeaseTimings(3.0, 600.0))
    try:
        assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
        assert st.scan("ORD-1001").state.order is not None
        assert st.scan("4601234567893").state.units_packed == 1
        make_channel_order(station_db, "ORD-1001")
        seen = len(st.results)
        cancel_at_marketplace(station_db, "ORD-1001")
        result = st.wait(seen + 1, timeout=10)
        while result.outcome is None or result.outcome.ok:  # a Tick's plain redraw
            seen += 1
            result = st.wait(seen + 1, timeout=10)
        assert result.outcome.message.key == "station.order_cancelled"
        assert result.outcome.message.params == {"order": "ORD-1001"}
        assert result.outcome.next_hint.key == "station.order_cancelled_hint"
        assert result.state.order is None and result.state.alert is result.outcome
        # Told by the heartbeat: nothing was scanned between the cancellation and this.
        assert not any(isinstance(r.command, Scan) for r in st.results[seen:])
        again = st.scan("4601234567893")  # the packer scans on anyway: nothing recorded
        assert again.outcome is not None and not again.outcome.ok
    finally:
        st.stop()
    with station_db.sessions() as s:
        accepted = s.scalars(
            select(Event.id).where(Event.kind == "scan.accepted", Event.order_id == "ORD-1001")
        ).all()
        order = s.get_one(Order, "ORD-1001")
    assert len(accepted) == 1
    assert (order.status, order.station_id) == ("cancelled", None)


def test_a_scan_before_the_heartbeat_is_refused_with_the_cancellation(
    station: SyncRunner, station_db: Database
) -> None:
    assert station.scan(PACKER).outcome.ok  # type: ignore[union-attr]
    assert station.scan("ORD-1001").state.order is not None
    make_channel_order(station_db, "ORD-1001")
    cancel_at_marketplace(station_db, "ORD-1001")
    result = station.scan("4601234567893")
    assert not result.recorded and result.state.order is None
    assert result.outcome is not None
    assert result.outcome.message.key == "station.order_cancelled"
