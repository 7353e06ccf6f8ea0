"""The queue screen's reads and the lead actions, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from packstation.cli.orders_cmd import validate
from packstation.domain.intake import read_orders
from packstation.domain.pins import hash_pin
from packstation.models import Defect, Event, Operator, Order, PackSession, Station
from packstation.models.db import Database, open_database
from packstation.models.lead_actions import LeadCredentials, hold_order, release_order, set_priority
from packstation.models.operators_repo import add_operator
from packstation.models.orders_repo import import_orders
from packstation.models.queue_page import QueueFilters, queue_page
from packstation.models.queue_repo import floor_stats, load_snapshot, stations_panel

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SHIFT = NOW - timedelta(hours=8)
PACKER = "BADGE-0001"
LEAD = "BADGE-LEAD-01"
LEAD_PIN = "1234"
_EVENTS = Event.metadata.tables["events"]
_PIN_HASH = hash_pin(LEAD_PIN)


def seed_floor(db: Database, fixtures: Path, now: datetime = NOW) -> None:
    """Sample orders with a floor around them, at a pinned clock (events in time order, as
    event ids are):

    - ORD-1004 needs correction and is late (ship-by an hour ago)
    - ORD-1005 ready, priority 2, ship-by in an hour (at risk), carrier CDEK
    - ORD-1002 packing at PS-01 by the packer for 12 minutes
    - ORD-1001 ready, priority 0, tomorrow, carrier OZON-COURIER
    - ORD-1003 packed 30 min ago (2 lines), ORD-2001 packed 3 h ago (2 lines)
    - stations PS-01 (busy), PS-02 (idle, alive), PS-03 (heartbeat 2 min old: offline)
    - defects this shift: damaged x2, missing x1 (and one from yesterday)
    """
    t0 = now - timedelta(hours=20)
    with db.unit_of_work() as s:
        for name in ("orders-sample.json", "orders-sample.csv"):
            import_orders(s, read_orders(fixtures / name), validate, now=t0)
        packer = add_operator(s, badge=PACKER, name="Анна К.", role="packer", pin_hash=None)
        add_operator(s, badge=LEAD, name="Мария Л.", role="lead", pin_hash=_PIN_HASH)
        s.execute(
            update(Order).where(Order.id == "ORD-1004").values(ship_by=now - timedelta(hours=1))
        )
        s.execute(update(Order).where(Order.id == "ORD-1005").values(carrier="CDEK"))
        s.execute(update(Order).where(Order.id == "ORD-1001").values(carrier="OZON-COURIER"))
        claimed = now - timedelta(minutes=12)
        s.execute(
            update(Order)
            .where(Order.id == "ORD-1002")
            .values(
                status="packing",
                station_id="PS-01",
                operator_id=packer.id,
                status_changed_at=claimed,
            )
        )
        s.add(
            PackSession(
                order_id="ORD-1002",
                station_id="PS-01",
                operator_id=packer.id,
                started_at=claimed,
            )
        )
        s.add_all(
            [
                Station(
                    id="PS-01",
                    name="Pack 1",
                    operator_id=packer.id,
                    current_order_id="ORD-1002",
                    step="items",
                    heartbeat_at=now - timedelta(seconds=5),
                    devices={
                        "scanner": {"state": "connected", "detail": ""},
                        "scale": {"state": "connected", "detail": ""},
                    },
                ),
                Station(
                    id="PS-02",
                    name="Pack 2",
                    step="logged_out",
                    heartbeat_at=now - timedelta(seconds=10),
                    devices={},
                ),
                Station(
                    id="PS-03",
                    name="Pack 3",
                    step="idle",
                    heartbeat_at=now - timedelta(minutes=2),
                    devices={"scale": {"state": "disconnected", "detail": "/dev/ttyUSB1"}},
                ),
            ]
        )
        for order_id, at in (
            ("ORD-1003", now - timedelta(minutes=30)),
            ("ORD-2001", now - timedelta(hours=3)),
        ):
            s.execute(
                update(Order)
                .where(Order.id == order_id)
                .values(status="packed", status_changed_at=at)
            )
        s.execute(
            insert(_EVENTS),
            [
                {
                    "kind": "order.claimed",
                    "at": claimed,
                    "order_id": "ORD-1002",
                    "station_id": "PS-01",
                    "operator_id": packer.id,
                    "payload": {},
                },
                {
                    "kind": "order.packed",
                    "at": now - timedelta(hours=3),
                    "order_id": "ORD-2001",
                    "station_id": "PS-02",
                    "operator_id": packer.id,
                    "payload": {},
                },
                {
                    "kind": "order.packed",
                    "at": now - timedelta(minutes=30),
                    "order_id": "ORD-1003",
                    "station_id": "PS-02",
                    "operator_id": packer.id,
                    "payload": {},
                },
            ],
        )
        s.add_all(
            [
                Defect(order_id="ORD-1003", kind="damaged", at=now - timedelta(minutes=40)),
                Defect(order_id="ORD-2001", kind="damaged", at=now - timedelta(hours=3)),
                Defect(order_id="ORD-2001", kind="missing", at=now - timedelta(hours=4)),
                Defect(order_id="ORD-2001", kind="expired", at=now - timedelta(hours=30)),
            ]
        )


@pytest.fixture
def floor_db(db_url: str, fixtures_dir: Path) -> Iterator[Database]:
    db = open_database(db_url, auto_upgrade=True)
    seed_floor(db, fixtures_dir)
    yield db
    db.dispose()


def ids(db: Database, filters: QueueFilters, **kw: int) -> list[str]:
    with db.sessions() as s:
        return [r.id for r in queue_page(s, filters, NOW, **kw).rows]


def test_open_orders_late_first_then_priority_then_ship_by(floor_db: Database) -> None:
    with floor_db.sessions() as s:
        page = queue_page(s, QueueFilters(), NOW)
    assert [r.id for r in page.rows] == ["ORD-1004", "ORD-1005", "ORD-1002", "ORD-1001"]
    assert page.total == 4
    rows = {r.id: r for r in page.rows}
    assert rows["ORD-1004"].late and not rows["ORD-1004"].at_risk
    assert rows["ORD-1005"].at_risk and not rows["ORD-1005"].late
    assert not rows["ORD-1001"].late and not rows["ORD-1001"].at_risk
    busy = rows["ORD-1002"]
    assert (busy.station_id, busy.packer, busy.lines) == ("PS-01", "Анна К.", 1)
    assert busy.in_status(NOW) == timedelta(minutes=12)
    assert rows["ORD-1001"].lines == 3
    assert rows["ORD-1005"].carrier == "CDEK"


def test_filters(floor_db: Database) -> None:
    assert ids(floor_db, QueueFilters(statuses=("ready",))) == ["ORD-1005", "ORD-1001"]
    assert ids(floor_db, QueueFilters(late_only=True)) == ["ORD-1004"]
    assert ids(floor_db, QueueFilters(station="PS-01")) == ["ORD-1002"]
    assert ids(floor_db, QueueFilters(carrier="CDEK")) == ["ORD-1005"]
    assert ids(floor_db, QueueFilters(statuses=("packed",))) == ["ORD-2001", "ORD-1003"]


def test_search_by_prefix_spans_all_statuses_open_first(floor_db: Database) -> None:
    assert ids(floor_db, QueueFilters(search="ORD-10")) == [
        "ORD-1004",
        "ORD-1005",
        "ORD-1002",
        "ORD-1001",
        "ORD-1003",
    ]
    assert ids(floor_db, QueueFilters(search="ORD-2")) == ["ORD-2001"]
    assert ids(floor_db, QueueFilters(search="ORD_")) == []  # LIKE wildcards are literal
    assert ids(floor_db, QueueFilters(search="ORD-100", statuses=("ready",))) == [
        "ORD-1005",
        "ORD-1001",
    ]


def test_pages(floor_db: Database) -> None:
    with floor_db.sessions() as s:
        first = queue_page(s, QueueFilters(), NOW, limit=3)
        second = queue_page(s, QueueFilters(), NOW, limit=3, offset=3)
    assert [r.id for r in first.rows] == ["ORD-1004", "ORD-1005", "ORD-1002"]
    assert [r.id for r in second.rows] == ["ORD-1001"]
    assert first.total == second.total == 4


def test_stations_panel_idle_and_stale(floor_db: Database) -> None:
    with floor_db.sessions() as s:
        panel = {st.id: st for st in stations_panel(s, NOW)}
    assert list(panel) == ["PS-01", "PS-02", "PS-03"]
    busy = panel["PS-01"]
    assert (busy.operator, busy.current_order, busy.step, busy.stale) == (
        "Анна К.",
        "ORD-1002",
        "items",
        False,
    )
    assert busy.idle(NOW) == timedelta(minutes=12)  # since its last event
    assert [(d.name, d.state) for d in busy.devices] == [
        ("scale", "connected"),
        ("scanner", "connected"),
    ]
    assert panel["PS-02"].idle(NOW) == timedelta(minutes=30)  # its last event: a pack
    assert not panel["PS-02"].stale and panel["PS-02"].operator is None
    offline = panel["PS-03"]
    assert offline.stale and offline.heartbeat_age(NOW) == timedelta(minutes=2)
    assert offline.idle(NOW) == timedelta(minutes=2)  # no events: the heartbeat
    assert offline.devices[0].state == "disconnected"


def test_floor_stats(floor_db: Database) -> None:
    with floor_db.sessions() as s:
        stats = floor_stats(s, NOW, SHIFT)
    assert (stats.orders_last_hour, stats.lines_last_hour) == (1, 2)
    assert (stats.orders_shift, stats.lines_shift) == (2, 4)
    assert (stats.late, stats.at_risk) == (1, 1)
    assert stats.by_status == (("new", 0), ("needs_correction", 1), ("ready", 2), ("packing", 1))
    assert stats.defects == (("damaged", 2), ("missing", 1))
    assert stats.per_hour(stats.orders_shift) == pytest.approx(0.25)


def test_floor_stats_count_what_a_station_packs(
    floor_db: Database, rules: object, tmp_path: Path
) -> None:
    """An order packed through the station runner shows up in the floor's throughput."""
    from packstation.domain.rules import PackRules
    from tests.station.conftest import SyncRunner
    from tests.station.test_runner import pack_ord_1001_to_label

    assert isinstance(rules, PackRules)

    def last_hour() -> tuple[int, int]:
        # The seeded floor is dated around NOW; the runner packs on the real clock. Compare
        # before and after at the same moment so seeded packs in the window cancel out.
        at = datetime.now(UTC)
        with floor_db.sessions() as s:
            stats = floor_stats(s, at, at - timedelta(hours=1))
        return stats.orders_last_hour, stats.lines_last_hour

    station = SyncRunner(floor_db, rules, tmp_path / "spool", station="PS-09")
    try:
        parcel = pack_ord_1001_to_label(station)
        before = last_hour()
        assert station.scan(parcel).outcome.ok  # type: ignore[union-attr]
        after = last_hour()
    finally:
        station.stop()
    now = datetime.now(UTC)
    with floor_db.sessions() as s:
        page = queue_page(s, QueueFilters(), now)
        panel = {st.id: st for st in stations_panel(s, now)}
    assert (after[0] - before[0], after[1] - before[1]) == (1, 3)
    assert "ORD-1001" not in [r.id for r in page.rows]
    assert panel["PS-09"].current_order is None and not panel["PS-09"].stale


def test_snapshot_bundles_the_three_reads(floor_db: Database) -> None:
    with floor_db.sessions() as s:
        snap = load_snapshot(s, QueueFilters(), NOW, SHIFT)
    assert len(snap.page.rows) == 4 and len(snap.stations) == 3
    assert snap.stats.late == 1


def _events(db: Database, kind: str) -> list[Event]:
    with db.sessions() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


def _ids(db: Database) -> tuple[int, int]:
    with db.sessions() as s:
        lead = s.scalar(select(Operator.id).where(Operator.badge == LEAD))
        packer = s.scalar(select(Operator.id).where(Operator.badge == PACKER))
    assert lead is not None and packer is not None
    return lead, packer


def test_release_from_station(floor_db: Database) -> None:
    lead_id, packer_id = _ids(floor_db)
    with floor_db.unit_of_work() as s:
        result = release_order(
            s, "ORD-1002", LeadCredentials(LEAD, LEAD_PIN), "packer went home", now=NOW
        )
    assert result.ok and result.message.key == "queue.release.done"
    with floor_db.sessions() as s:
        order = s.get(Order, "ORD-1002")
        station = s.get(Station, "PS-01")
        session = s.scalars(select(PackSession).where(PackSession.order_id == "ORD-1002")).one()
        assert order is not None and station is not None
        assert (order.status, order.station_id, order.operator_id) == ("ready", None, None)
        assert order.status_changed_at == NOW
        assert (station.current_order_id, station.step) == (None, "idle")
        assert (session.outcome, session.ended_at) == ("released", NOW)
    [audit] = _events(floor_db, "lead.release")
    assert (audit.order_id, audit.station_id, audit.operator_id) == ("ORD-1002", "PS-01", lead_id)
    assert audit.payload["packer_id"] == packer_id
    assert audit.payload["reason"] == "packer went home"
    assert LEAD_PIN not in str(audit.payload)
    # The station's own record: a restarted PS-01 replays it and is no longer on the order.
    [record] = _events(floor_db, "order.released")
    assert (record.station_id, record.payload["approved_by"]) == ("PS-01", lead_id)
    with floor_db.sessions() as s:
        assert ids(floor_db, QueueFilters(statuses=("packing",))) == []
        assert stations_panel(s, NOW)[0].current_order is None


def test_release_only_what_is_at_a_station(floor_db: Database) -> None:
    with floor_db.unit_of_work() as s:
        result = release_order(s, "ORD-1001", LeadCredentials(LEAD, LEAD_PIN), "x", now=NOW)
        missing = release_order(s, "ORD-9999", LeadCredentials(LEAD, LEAD_PIN), "x", now=NOW)
        no_reason = release_order(s, "ORD-1002", LeadCredentials(LEAD, LEAD_PIN), " ", now=NOW)
    assert not result.ok and result.message.key == "queue.release.not_packing"
    assert not missing.ok and missing.message.key == "queue.no_such_order"
    assert not no_reason.ok and no_reason.message.key == "queue.reason_required"


@pytest.mark.parametrize(
    ("badge", "pin", "key", "why"),
    [
        (LEAD, "9999", "queue.denied.pin", "wrong_pin"),
        (PACKER, "1234", "queue.denied.role", "not_a_lead"),
        ("BADGE-NOBODY", "1234", "queue.denied.badge", "unknown_badge"),
    ],
)
def test_refused_without_a_lead_pin_and_audited(
    floor_db: Database, badge: str, pin: str, key: str, why: str
) -> None:
    creds = LeadCredentials(badge, pin)
    with floor_db.unit_of_work() as s:
        results = [
            release_order(s, "ORD-1002", creds, "r", now=NOW),
            set_priority(s, "ORD-1001", creds, 7, now=NOW),
            hold_order(s, "ORD-1005", creds, "r", now=NOW),
        ]
    assert [(r.ok, r.message.key) for r in results] == [(False, key)] * 3
    denied = _events(floor_db, "lead.denied")
    assert [e.payload["action"] for e in denied] == ["release", "priority", "hold"]
    assert {e.payload["why"] for e in denied} == {why}
    assert all(pin not in str(e.payload) for e in denied)
    with floor_db.sessions() as s:
        assert ids(floor_db, QueueFilters()) == ["ORD-1004", "ORD-1005", "ORD-1002", "ORD-1001"]
        order = s.get(Order, "ORD-1002")
        assert order is not None and order.station_id == "PS-01"


def test_set_priority_reorders_the_queue(floor_db: Database) -> None:
    lead_id, _ = _ids(floor_db)
    with floor_db.unit_of_work() as s:
        result = set_priority(
            s, "ORD-1001", LeadCredentials(LEAD, LEAD_PIN), 5, "VIP customer", now=NOW
        )
        too_high = set_priority(s, "ORD-1001", LeadCredentials(LEAD, LEAD_PIN), 500, now=NOW)
        packed = set_priority(s, "ORD-1003", LeadCredentials(LEAD, LEAD_PIN), 1, now=NOW)
    assert result.ok and not too_high.ok and not packed.ok
    assert packed.message.key == "queue.not_open"
    assert ids(floor_db, QueueFilters()) == ["ORD-1004", "ORD-1001", "ORD-1005", "ORD-1002"]
    [audit] = _events(floor_db, "lead.priority")
    assert (audit.operator_id, audit.payload["from"], audit.payload["to"]) == (lead_id, 0, 5)


def test_hold_ready_and_packing_orders(floor_db: Database) -> None:
    creds = LeadCredentials(LEAD, LEAD_PIN)
    with floor_db.unit_of_work() as s:
        assert hold_order(s, "ORD-1005", creds, "address unclear", now=NOW).ok
        assert hold_order(s, "ORD-1002", creds, "damaged tote", now=NOW).ok
        assert not hold_order(s, "ORD-1001", creds, "", now=NOW).ok
    with floor_db.sessions() as s:
        held = s.get(Order, "ORD-1005")
        busy = s.get(Order, "ORD-1002")
        assert held is not None and busy is not None
        assert (held.status, held.hold_reason) == ("needs_correction", "address unclear")
        assert (busy.status, busy.station_id, busy.hold_reason) == (
            "needs_correction",
            None,
            "damaged tote",
        )
        outcome = s.scalar(select(PackSession.outcome).where(PackSession.order_id == "ORD-1002"))
        assert outcome == "held"
    assert [e.order_id for e in _events(floor_db, "lead.hold")] == ["ORD-1005", "ORD-1002"]
    [record] = _events(floor_db, "order.held")
    assert (record.order_id, record.station_id) == ("ORD-1002", "PS-01")
    assert ids(floor_db, QueueFilters(statuses=("needs_correction",))) == [
        "ORD-1004",
        "ORD-1005",
        "ORD-1002",
    ]


def test_page_walk_matches_one_sorted_query(db_url: str) -> None:
    """The group-by-group walk along the index gives exactly the order of one ORDER BY."""
    import random

    from packstation.models.queue_page import _page_sorted

    rng = random.Random(5)
    db = open_database(db_url, auto_upgrade=True)
    statuses = ["new", "needs_correction", "ready", "packing", "packed", "shipped"]
    rows = []
    for i in range(400):
        ship_by = None if rng.random() < 0.1 else NOW + timedelta(hours=rng.randint(-6, 12))
        rows.append(
            {
                "id": f"Q-{rng.randint(0, 99999):05d}-{i}",
                "status": rng.choice(statuses),
                "priority": rng.choice([-1, 0, 0, 1, 2, 5]),
                "ship_by": ship_by,
                "carrier": rng.choice(["CDEK", "POCHTA", None]),
                "problems": [],
                "extra": {},
                "status_changed_at": NOW,
                "created_at": NOW,
                "updated_at": NOW,
            }
        )
    try:
        with db.unit_of_work() as s:
            s.execute(insert(Order.__table__), rows)
        views = [
            QueueFilters(),
            QueueFilters(late_only=True),
            QueueFilters(statuses=("ready", "packed")),
            QueueFilters(statuses=("shipped",)),
            QueueFilters(carrier="CDEK"),
        ]
        with db.sessions() as s:
            for view in views:
                expected = [r.id for r in _page_sorted(s, view, NOW, 1000)]
                for offset, limit in ((0, 1000), (0, 7), (30, 25)):
                    page = queue_page(s, view, NOW, limit=limit, offset=offset)
                    assert [r.id for r in page.rows] == expected[offset : offset + limit], view
                    exact = not view.carrier or (offset == 0 and not page.has_more)
                    assert page.total == (len(expected) if exact else None)
                    assert page.has_more == (offset + limit < len(expected))
    finally:
        db.dispose()


def test_change_probe_sees_events_and_heartbeats(floor_db: Database) -> None:
    """The queue reads the floor again only when the probe saw a write: an event means the
    orders and stats, a heartbeat alone the stations panel. SQLite's data_version also sees
    any other commit (there every change means everything)."""
    from packstation.models.queue_changes import ChangeProbe, Changes

    sqlite = floor_db.engine.dialect.name == "sqlite"
    everything, nothing = Changes(orders=True, stations=True), Changes(False, False)
    probe = ChangeProbe(floor_db.engine)
    try:
        assert probe.look() == everything  # the first look has nothing to compare with
        assert probe.look() == nothing and not probe.look()
        with floor_db.unit_of_work() as s:
            s.execute(
                insert(_EVENTS),
                [{"kind": "order.claimed", "at": NOW, "order_id": "ORD-1001", "payload": {}}],
            )
        assert probe.look() == everything
        assert probe.look() == nothing
        with floor_db.unit_of_work() as s:
            s.execute(update(Station).where(Station.id == "PS-02").values(heartbeat_at=NOW))
        assert probe.look() == (everything if sqlite else Changes(orders=False, stations=True))
        assert probe.look() == nothing
        with floor_db.unit_of_work() as s:  # no event: only SQLite's data_version sees it
            s.execute(update(Order).where(Order.id == "ORD-1001").values(carrier="DHL"))
        assert probe.look() == (everything if sqlite else nothing)
        probe.reset()
        assert probe.look() == everything
    finally:
        probe.close()
