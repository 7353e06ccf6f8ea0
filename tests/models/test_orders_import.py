from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from packstation.domain.check_digits import barcode_problem
from packstation.domain.intake import read_orders
from packstation.domain.orders import OrderData, Problem
from packstation.domain.validation import validate_order
from packstation.models import Barcode, Event, Notification, Order, OrderLine
from packstation.models.db import Database, open_database
from packstation.models.orders_repo import import_orders, list_orders


def validate(order: OrderData) -> list[Problem]:
    return validate_order(order, barcode_problem)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, auto_upgrade=True)
    yield database
    database.dispose()


def _import(db: Database, orders: list[OrderData]):  # type: ignore[no-untyped-def]
    with db.unit_of_work() as session:
        return import_orders(session, orders, validate, source="test")


def _count(db: Database, model: type) -> int:
    with db.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_json_fixture_import(db: Database, fixtures_dir: Path) -> None:
    report = _import(db, read_orders(fixtures_dir / "orders-sample.json"))
    assert (report.ready, report.needs_correction, report.unchanged) == (4, 1, 0)
    assert report.refused == []
    assert report.lines == 9
    with db.sessions() as s:
        statuses = dict(s.execute(select(Order.id, Order.status)).all())
        assert statuses == {
            "ORD-1001": "ready",
            "ORD-1002": "ready",
            "ORD-1003": "ready",
            "ORD-1004": "needs_correction",
            "ORD-1005": "ready",
        }
        bad = s.get(Order, "ORD-1004")
        assert bad is not None
        fields = {p["field"] for p in bad.problems}
        assert {"address.postcode", "address.line1", "customer.email"} <= fields
        # Two barcodes on one line of ORD-1003, both stored, both matchable by GTIN.
        codes = s.execute(
            select(Barcode.code, Barcode.gtin).where(Barcode.order_id == "ORD-1003")
        ).all()
        assert ("14601234567890", "14601234567890") in codes
        assert ("4609998887776", "04609998887776") in codes
        mug = s.scalar(select(OrderLine).where(OrderLine.sku == "MUG-CER-350"))
        assert mug is not None and mug.fragile and mug.qty == 2
    assert _count(db, Barcode) == 10


def test_needs_correction_queues_one_customer_notification(
    db: Database, fixtures_dir: Path
) -> None:
    _import(db, read_orders(fixtures_dir / "orders-sample.json"))
    with db.sessions() as s:
        notes = s.scalars(select(Notification)).all()
    assert len(notes) == 1
    note = notes[0]
    assert note.order_id == "ORD-1004"
    assert note.template == "order_needs_correction"
    assert note.status == "pending"
    # The email is malformed and there is no phone: the buyer's marketplace account is used.
    assert note.channel == "marketplace"
    assert {p["field"] for p in note.payload["problems"]} >= {"address.postcode"}


def test_csv_fixture_import(db: Database, fixtures_dir: Path) -> None:
    report = _import(db, read_orders(fixtures_dir / "orders-sample.csv"))
    assert (report.ready, report.needs_correction) == (1, 0)
    with db.sessions() as s:
        order = s.get(Order, "ORD-2001")
        assert order is not None
        assert order.line1 == "ул. Арбат, д. 1"
        assert [line.sku for line in order.lines] == ["CABLE-USB-C", "CHRG-20W"]
        assert [b.code for b in order.lines[1].barcodes] == ["4607001002017", "4607001002024"]


def test_reimport_is_a_no_op(db: Database, fixtures_dir: Path) -> None:
    orders = read_orders(fixtures_dir / "orders-sample.json")
    _import(db, orders)
    counts = [_count(db, m) for m in (Order, OrderLine, Barcode, Event, Notification)]
    report = _import(db, read_orders(fixtures_dir / "orders-sample.json"))
    assert (report.ready, report.needs_correction, report.unchanged) == (0, 0, 5)
    assert [_count(db, m) for m in (Order, OrderLine, Barcode, Event, Notification)] == counts


def test_changed_order_is_updated_while_editable(db: Database, fixtures_dir: Path) -> None:
    orders = {o.id: o for o in read_orders(fixtures_dir / "orders-sample.json")}
    _import(db, list(orders.values()))
    fixed = orders["ORD-1004"]
    fixed = replace(
        fixed,
        customer=replace(fixed.customer, email="petr@example.ru"),
        address=replace(fixed.address, postcode="420111", line1="ул. Баумана, д. 1"),
    )
    report = _import(db, [fixed])
    assert (report.ready, report.updated) == (1, 1)
    with db.sessions() as s:
        order = s.get(Order, "ORD-1004")
        assert order is not None
        assert order.status == "ready" and order.problems == []
        assert len(order.lines) == 1
        kinds = s.scalars(
            select(Event.kind).where(Event.order_id == "ORD-1004").order_by(Event.id)
        ).all()
    assert kinds == ["order.imported", "order.updated"]


def test_changed_order_is_refused_once_packing(db: Database, fixtures_dir: Path) -> None:
    orders = {o.id: o for o in read_orders(fixtures_dir / "orders-sample.json")}
    _import(db, list(orders.values()))
    with db.unit_of_work() as s:
        s.execute(update(Order).where(Order.id == "ORD-1001").values(status="packing"))
    changed = replace(orders["ORD-1001"], priority=5)
    report = _import(db, [changed])
    assert report.refused and report.refused[0][0] == "ORD-1001"
    assert "packing" in report.refused[0][1]
    with db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.priority == 0 and order.status == "packing"


def test_list_orders_in_queue_order_with_aggregates(db: Database, fixtures_dir: Path) -> None:
    _import(db, read_orders(fixtures_dir / "orders-sample.json"))
    with db.sessions() as s:
        rows = list_orders(s)
        ready = list_orders(s, status="ready")
    assert [r.id for r in rows][:2] == ["ORD-1005", "ORD-1002"]  # priority 2, then 1
    assert {r.id for r in ready} == {"ORD-1001", "ORD-1002", "ORD-1003", "ORD-1005"}
    first = {r.id: r for r in rows}["ORD-1001"]
    assert (first.lines, first.units) == (3, 4)
    assert first.weight_g == 2 * 320 + 110 + 95
