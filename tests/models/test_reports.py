"""Lead reports on hand-built rows with fixed timestamps: exact numbers, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from packstation.models import Defect, Event, Operator, Order, OrderLine, PackSession, Parcel
from packstation.models.db import Database, open_database
from packstation.models.reports_repo import (
    ALL,
    DeliveryRow,
    delivery_report,
    percentile,
    shift_report,
)

D0 = datetime(2024, 5, 1, 0, 0, tzinfo=UTC)
SHIFT_START = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)
SHIFT_END = datetime(2024, 5, 1, 18, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return D0 + timedelta(hours=hours)


def seed_deliveries(s: Session) -> None:
    """OZON-COURIER/EXPRESS: delivered in 10, 24, 36, 48 h (two late of three promised, one
    damaged), one failed, one in transit. RUSSIAN-POST/PARCEL: one delivered in 48 h (handover
    by printed_at), one returned. Out of the window: one old parcel, one labelled, one void."""
    s.add(Order(id="O-D", status="delivered", ship_by=D0))
    s.flush()
    parcels = [
        # id, carrier, tariff, status, confirmed_at, delivered_at, promised_by, condition
        ("A1", "OZON-COURIER", "EXPRESS", "delivered", h(10), h(34), h(36), "intact"),
        ("A2", "OZON-COURIER", "EXPRESS", "delivered", h(10), h(46), h(36), "damaged"),
        ("A3", "OZON-COURIER", "EXPRESS", "delivered", h(10), h(58), h(36), None),
        ("A4", "OZON-COURIER", "EXPRESS", "delivered", h(34), h(44), None, "intact"),
        ("A5", "OZON-COURIER", "EXPRESS", "delivery_failed", h(10), None, h(36), None),
        ("A6", "OZON-COURIER", "EXPRESS", "shipped", h(50), None, None, None),
        ("B1", "RUSSIAN-POST", "PARCEL", "delivered", None, h(96), h(144), "intact"),
        ("B2", "RUSSIAN-POST", "PARCEL", "returned", h(60), None, None, None),
        ("C1", "OZON-COURIER", "EXPRESS", "delivered", h(-300), h(-200), h(-250), "damaged"),
        ("D1", "OZON-COURIER", "EXPRESS", "labelled", None, None, None, None),
        ("D2", "OZON-COURIER", "EXPRESS", "void", None, None, None, None),
    ]
    for pid, carrier, tariff, status, confirmed, delivered, promised, condition in parcels:
        s.add(
            Parcel(
                id=pid,
                order_id="O-D",
                carrier=carrier,
                tariff=tariff,
                status=status,
                printed_at=h(48) if pid == "B1" else (confirmed or h(20)) - timedelta(minutes=5),
                confirmed_at=confirmed,
                delivered_at=delivered,
                promised_by=promised,
                condition=condition,
            )
        )


def seed_shift(s: Session) -> dict[str, int]:
    """PS-01 Anna: 2 orders (10 + 20 min; 3 lines, 7 units), defects damaged + missing, one
    weight override. PS-02 Ivan: 2 orders (6 + 9 min; 2 lines, 3 units), one missing.
    PS-02 Anna: 1 order (30 min, 1 line, 1 unit). Lead Maria: one lead.release (no station).
    Outside the shift or not packed: a released session, a session that ended before the
    shift, a defect and an override from the evening, a scan event."""
    ops = {
        "anna": Operator(badge="B-1", name="Anna K.", role="packer"),
        "ivan": Operator(badge="B-2", name="Ivan S.", role="packer"),
        "maria": Operator(badge="B-3", name="Maria L.", role="lead"),
    }
    s.add_all(ops.values())
    lines = {
        "S1": [2, 1],
        "S2": [4],
        "S3": [5],
        "S4": [1],
        "S5": [1],
        "S6": [2],
        "S7": [1],
        "S8": [3],
    }
    for oid, qtys in lines.items():
        s.add(Order(id=oid, status="packed"))
        s.flush()
        for pos, qty in enumerate(qtys):
            s.add(OrderLine(order_id=oid, position=pos, sku=f"SKU-{pos}", qty=qty))
    s.flush()
    ids = {k: op.id for k, op in ops.items()}
    t = SHIFT_START + timedelta(hours=1)
    sessions = [
        # order, station, operator, start, minutes, outcome
        ("S1", "PS-01", "anna", t, 10, "packed"),
        ("S2", "PS-01", "anna", t + timedelta(hours=1), 20, "packed"),
        ("S3", "PS-01", "anna", t + timedelta(hours=2), 5, "released"),
        ("S4", "PS-01", "anna", SHIFT_START - timedelta(hours=2), 30, "packed"),
        ("S5", "PS-02", "ivan", t, 6, "packed"),
        ("S6", "PS-02", "ivan", t + timedelta(hours=1), 9, "packed"),
        ("S7", "PS-02", "anna", t + timedelta(hours=5), 30, "packed"),
        ("S8", "PS-02", "ivan", t + timedelta(hours=3), 1, None),  # still open
    ]
    for oid, station, who, start, minutes, outcome in sessions:
        s.add(
            PackSession(
                order_id=oid,
                station_id=station,
                operator_id=ids[who],
                started_at=start,
                ended_at=start + timedelta(minutes=minutes) if outcome else None,
                outcome=outcome,
            )
        )
    defects = [
        ("S1", "PS-01", "anna", "damaged", t),
        ("S2", "PS-01", "anna", "missing", t + timedelta(hours=1)),
        ("S5", "PS-02", "ivan", "missing", t),
        ("S6", "PS-02", "ivan", "damaged", SHIFT_END + timedelta(hours=1)),
    ]
    for oid, station, who, kind, at in defects:
        s.add(Defect(order_id=oid, station_id=station, operator_id=ids[who], kind=kind, at=at))
    events: list[tuple[str, str | None, str, datetime]] = [
        ("override.weight", "PS-01", "anna", t),
        ("lead.release", None, "maria", t + timedelta(hours=2)),
        ("override.weight", "PS-02", "ivan", SHIFT_END + timedelta(minutes=1)),
        ("scan.accepted", "PS-02", "ivan", t),
        ("override.denied", "PS-02", "ivan", t),
    ]
    for event_kind, event_station, who, at in events:
        s.add(
            Event(
                kind=event_kind, station_id=event_station, operator_id=ids[who], at=at, payload={}
            )
        )
    return ids


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, auto_upgrade=True)
    with database.unit_of_work() as s:
        seed_deliveries(s)
        seed_shift(s)
    yield database
    database.dispose()


def test_percentile_interpolates_like_percentile_cont() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([10.0, 24.0, 36.0, 48.0], 0.5) == 30.0
    assert percentile([10.0, 24.0, 36.0, 48.0], 0.9) == pytest.approx(44.4)


def _by_key(rows: list[DeliveryRow]) -> dict[tuple[str, str], DeliveryRow]:
    return {(r.carrier, r.tariff): r for r in rows}


def test_delivery_report_exact_numbers(db: Database) -> None:
    with db.sessions() as s:
        rows = delivery_report(s, D0, D0 + timedelta(days=7))
    assert [(r.carrier, r.tariff) for r in rows] == [
        ("OZON-COURIER", "EXPRESS"),
        ("RUSSIAN-POST", "PARCEL"),
        (ALL, ALL),
    ]
    ozon, post, total = rows
    assert (ozon.parcels, ozon.delivered, ozon.failed, ozon.returned, ozon.in_transit) == (
        6,
        4,
        1,
        0,
        1,
    )
    assert ozon.median_h == pytest.approx(30.0)
    assert ozon.p90_h == pytest.approx(44.4)
    assert (ozon.late, ozon.with_promise) == (2, 3)
    assert ozon.late_share == pytest.approx(2 / 3)
    assert ozon.failed_share == pytest.approx(0.2)
    assert ozon.damaged_share == pytest.approx(0.25)

    assert (post.parcels, post.delivered, post.returned) == (2, 1, 1)
    assert post.median_h == post.p90_h == pytest.approx(48.0)
    assert post.late_share == 0.0
    assert post.failed_share == pytest.approx(0.5)
    assert post.damaged_share == 0.0

    assert (total.parcels, total.delivered, total.in_transit, total.late) == (8, 5, 1, 2)
    assert total.median_h == pytest.approx(36.0)
    assert total.p90_h == pytest.approx(48.0)
    assert total.late_share == pytest.approx(0.5)
    assert total.failed_share == pytest.approx(2 / 7)
    assert total.damaged_share == pytest.approx(0.2)

    # Open-ended windows: from h(30) only A4, A6, B1 (handed over by printing) and B2 count.
    with db.sessions() as s:
        late_window = _by_key(delivery_report(s, h(30)))
        empty = delivery_report(s, h(1000))
    assert late_window[("OZON-COURIER", "EXPRESS")].parcels == 2
    assert late_window[("OZON-COURIER", "EXPRESS")].median_h == pytest.approx(10.0)
    assert late_window[("RUSSIAN-POST", "PARCEL")].parcels == 2
    [none] = empty
    assert (none.parcels, none.median_h, none.late_share, none.failed_share) == (
        0,
        None,
        None,
        None,
    )


def test_shift_report_exact_numbers(db: Database) -> None:
    with db.sessions() as s:
        report = shift_report(s, SHIFT_START, SHIFT_END)
    got = [(r.station_id, r.packer, r.orders, r.lines, r.units) for r in report.rows]
    assert got == [
        ("PS-01", "Anna K.", 2, 3, 7),
        ("PS-02", "Anna K.", 1, 1, 1),
        ("PS-02", "Ivan S.", 2, 2, 3),
        (None, "Maria L.", 0, 0, 0),
    ]
    anna1, anna2, ivan, maria = report.rows
    assert anna1.avg_minutes == pytest.approx(15.0)
    assert anna2.avg_minutes == pytest.approx(30.0)
    assert ivan.avg_minutes == pytest.approx(7.5)
    assert maria.avg_minutes is None
    assert anna1.defects == {"damaged": 1, "missing": 1}
    assert anna1.defect_rate("damaged") == pytest.approx(50.0)
    assert anna1.defect_rate() == pytest.approx(100.0)
    assert ivan.defects == {"missing": 1}
    assert ivan.defect_rate("missing") == pytest.approx(50.0)
    assert ivan.defect_rate("damaged") == 0.0
    assert [r.overrides for r in report.rows] == [1, 0, 0, 1]
    assert maria.defect_rate() is None

    total = report.total
    assert (total.packer, total.orders, total.lines, total.units) == (ALL, 5, 6, 11)
    assert total.avg_minutes == pytest.approx(15.0)  # (10 + 20 + 30 + 6 + 9) / 5
    assert total.defects == {"damaged": 1, "missing": 2}
    assert total.defect_rate() == pytest.approx(60.0)
    assert total.overrides == 2
    assert report.kinds == ("missing", "damaged", "wrong_item", "expired", "other")

    # One station, no end: the evening defect and override count too.
    with db.sessions() as s:
        ps2 = shift_report(s, SHIFT_START, station="PS-02")
    assert [(r.packer, r.orders) for r in ps2.rows] == [("Anna K.", 1), ("Ivan S.", 2)]
    assert ps2.rows[1].defects == {"missing": 1, "damaged": 1}
    assert ps2.rows[1].overrides == 1
    assert ps2.total.orders == 3
