"""Issue 12 part 4 through the real station runner, on SQLite and PostgreSQL: an order file
with ``deliver_by`` and an IMEI line; a unit expiring too soon is refused with its dates;
the IMEI is asked for after the phone; packing stores the units (``packed_units``), the
invoice then lists them, another order is refused the same IMEI, a defect keeps its unit's
lot and expiry, and a return matched by the IMEI frees it to ship again.

Every date is built from today (``packstation.clock.utcnow``, the runner's own clock), so the
suite passes on any day and with ``--clock-shift-days``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from msgspec.structs import replace
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from packstation.cli.orders_cmd import validate
from packstation.clock import utcnow
from packstation.domain.intake import read_orders
from packstation.domain.returns import ReturnSession, ReturnView, close_plan, handle_text
from packstation.domain.rules import ExpiryRules, PackRules
from packstation.domain.units import IMEI_SCOPE
from packstation.domain.workflow import Action, Key, ScaleReading, Step
from packstation.i18n import t
from packstation.labels.documents import documents_pdf
from packstation.models import Defect, Event, Order, PackedUnit
from packstation.models.db import Database
from packstation.models.documents_repo import document_data
from packstation.models.orders_repo import import_orders
from packstation.models.returns_close import close_return
from packstation.models.returns_repo import find_return
from packstation.station.context import DbContext
from packstation.station.results import RunResult
from tests.domain.workflow.test_units import ean13, gs1, imei
from tests.station.conftest import PACKER, SyncRunner

PHONE, MILK = ean13("460777000001"), ean13("460777000002")
IMEI_A = imei("35693803564380")
FIRST, SECOND = "ORD-8001", "ORD-8002"
MARGIN, TRANSIT = 10, 2


def _order(order_id: str, now: datetime) -> dict[str, Any]:
    ship_by = now + timedelta(days=1)
    return {
        "id": order_id,
        "ship_by": ship_by.isoformat(),
        "deliver_by": (ship_by.date() + timedelta(days=3)).isoformat(),
        "customer": {"name": "Анна Петрова", "phone": "+79161234567",
                     "email": "anna.petrova@example.ru", "locale": "ru"},
        "address": {"country": "RU", "region": "Москва", "city": "Москва", "postcode": "125009",
                    "line1": "ул. Тверская, д. 7, кв. 12"},
        "lines": [
            {"sku": "PHONE-X", "name": "Phone X", "barcodes": [PHONE], "qty": 1,
             "unit_weight_g": 180, "unit_price": "19990.00", "serial": "imei"},
            {"sku": "MILK-1L", "name": "Milk 1 l", "barcodes": [MILK], "qty": 1,
             "unit_weight_g": 1040, "unit_price": "99.00"},
        ],
    }  # fmt: skip


@pytest.fixture
def now() -> datetime:
    return utcnow()


@pytest.fixture
def st(
    station_db: Database, rules: PackRules, tmp_path: Path, now: datetime
) -> Iterator[SyncRunner]:
    path = tmp_path / "orders.json"
    orders = [_order(FIRST, now), _order(SECOND, now)]
    path.write_text(json.dumps({"orders": orders}, ensure_ascii=False), encoding="utf-8")
    with station_db.unit_of_work() as session:
        report = import_orders(session, read_orders(path), validate)
    assert report.ready == 2, report.as_dict()
    sync = SyncRunner(station_db, _rules(rules), tmp_path / "spool")
    yield sync
    sync.stop()


def _rules(rules: PackRules) -> PackRules:
    return replace(rules, expiry=ExpiryRules(margin_days=MARGIN, transit_days=TRANSIT))


def _ok(result: RunResult) -> RunResult:
    assert result.outcome is not None and result.outcome.ok, result.outcome
    return result


def _pack(st: SyncRunner, order_id: str) -> RunResult:
    state = st.results[-1].state
    assert state.step is Step.BOX, state.step
    _ok(st.scan("BOX:M"))
    result = _ok(st.do(ScaleReading(st.results[-1].state.expected_weight_g, stable=True)))
    while result.state.step is Step.CHECKS:
        if result.state.next_check is not None:
            result = _ok(st.do(Key(Action.OK)))
        else:
            result = _ok(st.scan(f"DOC:{result.state.next_document}:{order_id}"))
    [parcel] = result.state.parcels
    return _ok(st.scan(parcel.parcel_id))


def test_units_are_checked_captured_stored_documented_and_returned(
    st: SyncRunner, station_db: Database, rules: PackRules, now: datetime
) -> None:
    delivery = (now + timedelta(days=1)).date() + timedelta(days=3)  # the file's deliver_by
    until = delivery + timedelta(days=MARGIN)
    st.scan(PACKER)
    _ok(st.scan(FIRST))

    early = st.scan(gs1(MILK, expiry=until - timedelta(days=1), lot="L-41"))
    assert early.outcome is not None and not early.outcome.ok
    shown = t(early.outcome.message)
    assert shown == (
        f"EXPIRES {until - timedelta(days=1):%d.%m.%Y}, NEEDED UNTIL {until:%d.%m.%Y}: MILK-1L"
    )
    assert t(early.outcome.next_hint, "ru").startswith(f"Доставка {delivery:%d.%m.%Y} +10 дн.")
    _ok(st.scan(gs1(MILK, expiry=until, lot="L-42")))

    asked = _ok(st.scan(PHONE))
    assert asked.outcome is not None and asked.outcome.message.key == "serial.ask"
    assert asked.state.step is Step.SERIAL
    _ok(st.scan(IMEI_A))
    packed = _pack(st, FIRST)
    assert packed.state.step is Step.CLOSED

    with station_db.sessions() as s:
        units = s.execute(
            select(
                PackedUnit.serial, PackedUnit.serial_scope, PackedUnit.lot, PackedUnit.expiry,
                PackedUnit.parcel_id, PackedUnit.returned_at,
            ).where(PackedUnit.order_id == FIRST).order_by(PackedUnit.id)
        ).all()  # fmt: skip
        rejected = s.scalars(
            select(Event.payload).where(Event.kind == "scan.rejected", Event.order_id == FIRST)
        ).all()
        captured = s.scalars(select(Event.payload).where(Event.kind == "serial.captured")).one()
        found = document_data(s, FIRST, rules, (), now.date())
    parcel = f"PCL-{FIRST}-1"
    assert [tuple(u) for u in units] == [
        (None, None, "L-42", until, parcel, None),
        (IMEI_A, IMEI_SCOPE, None, None, parcel, None),
    ]
    assert [r["reason"] for r in rejected] == ["scan.expires_too_soon"]
    assert (captured["serial"], captured["serial_kind"]) == (IMEI_A, "imei")

    # The invoice lists the IMEI and the lot under their lines.
    assert found is not None
    doc, kinds = found
    phone, milk = doc.lines
    assert (phone.serials, phone.serial_label) == ((IMEI_A,), "IMEI")
    assert milk.lots == (("L-42", until, 1),)
    pdf = documents_pdf(doc, kinds)
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert f"IMEI {IMEI_A}" in text and f"lot L-42 exp {until:%Y-%m-%d}" in text

    # The same IMEI in the next order: shipped already. A defect keeps its unit's lot.
    _ok(st.scan(SECOND))
    _ok(st.scan(PHONE))
    again = st.scan(IMEI_A)
    assert again.outcome is not None and again.outcome.message.key == "serial.shipped"
    assert t(again.outcome.message) == f"SERIAL {IMEI_A} ALREADY SHIPPED in order {FIRST}"
    _ok(st.scan("CMD:DEFECT"))
    _ok(st.scan(gs1(MILK, expiry=until + timedelta(days=5), lot="L-43")))
    held = _ok(st.scan("CMD:EXPIRED"))
    assert held.state.order is None  # the hold policy: to the lead
    with station_db.sessions() as s:
        defect = s.scalars(select(Defect).where(Defect.order_id == SECOND)).one()
        assert (defect.kind, defect.lot, defect.expiry, defect.serial) == (
            "expired", "L-43", until + timedelta(days=5), None,
        )  # fmt: skip

    # The phone comes back: the returns desk scans its IMEI label; it may ship again.
    with station_db.unit_of_work() as s:
        order = s.get(Order, FIRST)
        assert order is not None
        order.status = "delivered"
    with station_db.sessions() as s:
        view = find_return(s, FIRST, now)
    assert isinstance(view, ReturnView)
    session = ReturnSession(view=view)
    session, plain = handle_text(session, PHONE)  # the box's barcode cannot tell which phone
    assert plain.message.key == "returns.serial_needed"
    for text in (IMEI_A, "1", "F"):
        session, outcome = handle_text(session, text)
        assert outcome.ok, (text, outcome.message)
    plan = close_plan(session)
    assert plan.serials_back == (IMEI_A,)
    with station_db.unit_of_work() as s:
        ret = close_return(s, plan, operator_id=None, station_id="PS-01", now=now)
    with station_db.sessions() as s:
        unit = s.scalars(select(PackedUnit).where(PackedUnit.serial == IMEI_A)).one()
        assert unit.returned_at is not None and unit.return_id == ret.return_id
        payload = s.scalars(select(Event.payload).where(Event.kind == "return.received")).one()
        assert payload["unit_facts"] == [{"line_id": unit.line_id, "serial": IMEI_A, "lot": None}]
        assert DbContext(s, "PS-01", rules).serial_shipped_in(IMEI_SCOPE, IMEI_A) is None


def test_the_database_refuses_a_serial_shipped_twice(station_db: Database) -> None:
    """The race two stations could run: the unique index decides, as for marking codes;
    a unit returned since does not count."""
    with station_db.sessions() as s:  # any order line of the sample orders
        order = s.scalars(select(Order).order_by(Order.id).limit(1)).one()
        line = order.lines[0].id
        order_id = order.id
    row = {
        "order_id": order_id, "line_id": line, "parcel_id": "", "serial": IMEI_A,
        "serial_scope": IMEI_SCOPE, "packed_at": utcnow(),
    }  # fmt: skip
    with station_db.unit_of_work() as s:
        s.execute(insert(PackedUnit), [row])
    with pytest.raises(IntegrityError), station_db.unit_of_work() as s:
        s.execute(insert(PackedUnit), [row])
    with station_db.unit_of_work() as s:  # another product's serial of the same text is fine
        s.execute(insert(PackedUnit), [{**row, "serial_scope": "OTHER-SKU"}])
    with station_db.unit_of_work() as s:  # back, then shipped again
        s.execute(
            PackedUnit.__table__.update()  # type: ignore[attr-defined]
            .where(PackedUnit.serial_scope == IMEI_SCOPE)
            .values(returned_at=utcnow())
        )
        s.execute(insert(PackedUnit), [row])
    with station_db.sessions() as s:
        rows = s.scalars(select(PackedUnit).where(PackedUnit.serial_scope == IMEI_SCOPE)).all()
    assert [r.returned_at is None for r in rows] == [False, True]
