"""Carrier statuses applied to parcels and orders, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from packstation.domain.deliveries import (
    Condition,
    DeliveryStatus,
    DeliveryUpdate,
    read_deliveries,
)
from packstation.domain.rules import PackRules
from packstation.models import Event, Notification, Order, Parcel
from packstation.models.db import Database, open_database
from packstation.models.deliveries_repo import DeliveryReport, derive_promise, import_deliveries

DATA = Path(__file__).resolve().parent.parent / "data"
SHIP_BY = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2024, 5, 10, 8, 0, tzinfo=UTC)


def add_order(
    session: Session, oid: str, *, status: str = "packed", email: str = "", phone: str = ""
) -> None:
    session.add(
        Order(
            id=oid,
            status=status,
            ship_by=SHIP_BY,
            customer_name=f"Buyer {oid}",
            email=email,
            phone=phone,
            locale="en",
        )
    )


def add_parcel(
    session: Session,
    pid: str,
    oid: str,
    *,
    status: str = "confirmed",
    tariff: str = "STANDARD",
    promised_by: datetime | None = None,
) -> None:
    session.add(
        Parcel(
            id=pid,
            order_id=oid,
            carrier="OZON-COURIER",
            tariff=tariff,
            status=status,
            printed_at=SHIP_BY - timedelta(hours=2),
            confirmed_at=SHIP_BY - timedelta(hours=1),
            promised_by=promised_by,
        )
    )


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, auto_upgrade=True)
    with database.unit_of_work() as s:
        add_order(s, "O-1", email="o1@example.com")
        add_order(s, "O-2", status="shipped")
        add_order(s, "O-3", phone="+79990001122")
        add_order(s, "O-4")
        add_order(s, "O-5", status="packing")
        s.flush()
        add_parcel(s, "P-1001", "O-1")
        add_parcel(s, "P-1002", "O-2", status="shipped", tariff="EXPRESS")
        add_parcel(s, "P-1003", "O-3", tariff="NO-SUCH")
        add_parcel(s, "P-1004", "O-4", promised_by=SHIP_BY + timedelta(days=10))
        add_parcel(s, "P-LBL", "O-5", status="labelled")
    yield database
    database.dispose()


def upd(
    pid: str, status: str, at: datetime, reason: str = "", cond: str = "unknown"
) -> DeliveryUpdate:
    return DeliveryUpdate(pid, DeliveryStatus(status), at, reason, Condition(cond))


def _run(
    db: Database, updates: list[DeliveryUpdate], rules: PackRules | None = None
) -> DeliveryReport:
    with db.unit_of_work() as s:
        return import_deliveries(s, updates, NOW, rules=rules, source="test")


def _counts(db: Database) -> tuple[int, int]:
    with db.sessions() as s:
        events = s.scalar(
            select(func.count()).select_from(Event).where(Event.kind.like("delivery.%"))
        )
        notes = s.scalar(select(func.count()).select_from(Notification))
    return int(events or 0), int(notes or 0)


def test_sample_file_updates_parcels_orders_events_and_notifies(
    db: Database, rules: PackRules
) -> None:
    report = _run(db, read_deliveries(DATA / "deliveries-sample.csv"), rules)
    assert (report.delivered, report.failed, report.returned, report.unchanged) == (2, 1, 1, 0)
    assert report.unknown_parcels == ["P-9999"]
    assert report.refused == []
    assert (report.damaged, report.notifications) == (1, 2)

    with db.sessions() as s:
        p1, p2, p3, p4 = (s.get(Parcel, f"P-100{i}") for i in range(1, 5))
        assert p1 and p2 and p3 and p4
        assert (p1.status, p1.condition) == ("delivered", "intact")
        assert p1.delivered_at == datetime(2024, 5, 3, 9, 0, tzinfo=UTC)
        assert (p2.status, p2.condition) == ("delivered", "damaged")
        assert (p3.status, p3.delivered_at) == ("delivery_failed", None)
        assert p4.status == "returned"
        # Promises: STANDARD 3 days and EXPRESS 1 day from the config; an unknown tariff
        # falls back to the ship-by; a stored promise is kept.
        assert p1.promised_by == SHIP_BY + timedelta(days=3)
        assert p2.promised_by == SHIP_BY + timedelta(days=1)
        assert p3.promised_by == SHIP_BY
        assert p4.promised_by == SHIP_BY + timedelta(days=10)
        statuses = {oid: st for oid, st in s.execute(select(Order.id, Order.status))}
        assert statuses == {
            "O-1": "delivered",
            "O-2": "delivered",
            "O-3": "delivery_failed",
            "O-4": "returned",
            "O-5": "packing",
        }
        events = s.scalars(
            select(Event).where(Event.kind.like("delivery.%")).order_by(Event.id)
        ).all()
        assert [(e.kind, e.order_id) for e in events] == [
            ("delivery.delivered", "O-1"),
            ("delivery.delivered", "O-2"),
            ("delivery.failed", "O-3"),
            ("delivery.returned", "O-4"),
        ]
        assert events[2].payload["reason"] == "recipient not at home"
        assert events[2].payload["from"] == "confirmed"
        assert events[1].payload["order_from"] == "shipped"
        notes = s.scalars(select(Notification).order_by(Notification.id)).all()
        assert [(n.template, n.order_id, n.channel, n.recipient) for n in notes] == [
            ("delivery_failed", "O-3", "sms", "+79990001122"),
            ("delivery_failed", "O-4", "marketplace", "O-4"),
        ]
        assert notes[0].idempotency_key == "delivery_failed:P-1003:2024-05-03T15:00:00+00:00"
        assert notes[0].payload == {
            "order_id": "O-3",
            "parcel_id": "P-1003",
            "carrier": "OZON-COURIER",
            "reason": "recipient not at home",
            "customer_name": "Buyer O-3",
        }
        assert notes[1].payload["reason"] == "returned to sender"


def test_reimport_is_unchanged_and_queues_nothing(db: Database) -> None:
    updates = read_deliveries(DATA / "deliveries-sample.json")
    _run(db, updates)
    before = _counts(db)
    again = _run(db, updates)
    assert (again.delivered, again.failed, again.returned, again.unchanged) == (0, 0, 0, 4)
    assert again.unknown_parcels == ["P-9999"] and again.refused == []
    assert again.notifications == 0
    assert _counts(db) == before == (4, 2)


def test_backwards_status_is_refused_with_reason(db: Database) -> None:
    delivered = datetime(2024, 5, 3, 9, 0, tzinfo=UTC)
    _run(db, [upd("P-1001", "delivered", delivered, cond="intact")])
    report = _run(db, [upd("P-1001", "failed", delivered + timedelta(hours=5), "lost")])
    assert report.failed == 0
    [(pid, reason)] = report.refused
    assert pid == "P-1001"
    assert reason.startswith("already delivered at 2024-05-03T09:00:00+00:00: failed at")
    with db.sessions() as s:
        parcel = s.get(Parcel, "P-1001")
        order = s.get(Order, "O-1")
        assert parcel and order
        assert (parcel.status, order.status) == ("delivered", "delivered")
    assert _counts(db) == (1, 0)


def test_failed_attempts_then_delivery(db: Database) -> None:
    first = datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    report = _run(
        db,
        [
            upd("P-1003", "failed", first, "not at home"),
            upd("P-1003", "failed", first + timedelta(days=1), "not at home again"),
            upd("P-1003", "failed", first - timedelta(hours=1), "older news"),
            upd("P-1003", "delivered", first + timedelta(days=2), cond="damaged"),
        ],
    )
    assert (report.failed, report.delivered, report.damaged, report.notifications) == (2, 1, 1, 2)
    [(_, reason)] = report.refused
    assert "older than the failed attempt at 2024-05-03T10:00:00+00:00" in reason
    with db.sessions() as s:
        parcel = s.get(Parcel, "P-1003")
        order = s.get(Order, "O-3")
        assert parcel and order
        assert (parcel.status, parcel.condition, order.status) == (
            "delivered",
            "damaged",
            "delivered",
        )
        assert parcel.delivered_at == first + timedelta(days=2)


def test_unpacked_unknown_and_repeated_in_one_file(db: Database) -> None:
    at = datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    report = _run(
        db,
        [
            upd("P-LBL", "delivered", at),
            upd("NOPE", "delivered", at),
            upd("NOPE", "failed", at),
            upd("P-1003", "failed", at, "closed"),
            upd("P-1003", "failed", at),
        ],
    )
    assert report.unknown_parcels == ["NOPE"]
    assert report.refused == [("P-LBL", "parcel is labelled, never handed to the carrier")]
    assert (report.failed, report.unchanged, report.notifications) == (1, 1, 1)
    assert _counts(db) == (1, 1)


def test_promise_without_config_is_the_ship_by() -> None:
    rules = PackRules.default()
    assert derive_promise(SHIP_BY, "ozon-courier", "express", rules) == SHIP_BY + timedelta(days=1)
    assert derive_promise(SHIP_BY, "OZON-COURIER", "EXPRESS", None) == SHIP_BY
    assert derive_promise(None, "OZON-COURIER", "EXPRESS", rules) is None
