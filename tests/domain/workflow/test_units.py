"""Issue 12 part 4 in the pure workflow: lot, expiry and serial capture.

Dates are built from today (the ``now`` fixture, read once through `packstation.clock` and
given to the context as its clock), never a fixed calendar date: a unit expiring a day
before "delivery plus margin" is refused with both dates, one expiring on that day is taken.
Serial and IMEI lines ask for the serial after the item, by scan only, and refuse one
already in the order or already shipped.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from msgspec.structs import replace

from packstation.clock import utcnow
from packstation.domain.codes import GS, parse_code
from packstation.domain.rules import DefectPolicy, ExpiryRules, PackRules, RulesError
from packstation.domain.signals import SignalClass, must_acknowledge, signal_for
from packstation.domain.units import IMEI_SCOPE, luhn_check_digit
from packstation.domain.workflow import (
    Action,
    DefectKind,
    OrderView,
    PickKind,
    ScaleReading,
    Scan,
    Step,
    line_view,
    record_from,
    replay,
)
from packstation.domain.workflow.records import (
    DefectRecorded,
    OrderPacked,
    Record,
    ScanAccepted,
    ScanRejected,
    SerialCaptured,
)
from packstation.i18n import t
from packstation.station.input import command_for_text

from .conftest import PACKER, FakeContext, Station, load_rules


def ean13(first12: str) -> str:
    weights = [3 if i % 2 == 0 else 1 for i in range(12)]
    total = sum(w * int(d) for w, d in zip(weights, reversed(first12), strict=True))
    return first12 + str((10 - total % 10) % 10)


def imei(first14: str) -> str:
    return first14 + str(luhn_check_digit(first14))


PHONE, CHARGER, MILK = ean13("460999000001"), ean13("460999000002"), ean13("460999000003")
IMEI_A, IMEI_B = imei("35693803564380"), imei("49015420323751")
ORDER = "ORD-7001"
MARGIN, TRANSIT = 10, 2


def gs1(gtin13: str, *, expiry: date | None = None, lot: str = "", serial: str = "") -> str:
    """A GS1-128 item code: 01 GTIN (17 expiry) (10 lot GS) (21 serial)."""
    text = f"]C101{gtin13.zfill(14)}"
    if expiry is not None:
        text += f"17{expiry:%y%m%d}"
    if lot:
        text += f"10{lot}" + (GS if serial else "")
    if serial:
        text += f"21{serial}"
    return text


def make_order(now: datetime, **changes: object) -> OrderView:
    order = OrderView(
        id=ORDER,
        lines=(
            line_view(1, "PHONE-X", "Phone X 128 GB", 2, 180, barcodes=[PHONE], serial="imei"),
            line_view(2, "CHG-65W", "Charger 65 W", 1, 120, barcodes=[CHARGER], serial="serial"),
            line_view(3, "MILK-1L", "Milk 1 l", 2, 1040, barcodes=[MILK], liquid=True),
        ),
        ship_by=now + timedelta(hours=6),
        country="RU",
        city="Москва",
    )
    return replace(order, **changes)  # type: ignore[arg-type]


@pytest.fixture
def now() -> datetime:
    return utcnow()


def station_with(order: OrderView, now: datetime, expiry: dict[str, int] | None = None) -> Station:
    section = {"margin_days": MARGIN, "transit_days": TRANSIT} if expiry is None else expiry
    context = FakeContext(rules=load_rules(expiry=section), clock=now)
    context.orders[order.id] = order
    context.status[order.id] = "ready"
    st = Station(ctx=context)
    assert st.scan(PACKER.badge).ok
    assert st.scan(order.id).ok
    return st


def stored(records: list[Record]) -> list[Record]:
    rows = [(r.kind, json.dumps(r.to_payload(), ensure_ascii=False)) for r in records]
    return [record_from(kind, json.loads(payload)) for kind, payload in rows]


# --- expiry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["deliver_by", "ship_by", "no_dates"])
def test_expiry_before_delivery_plus_margin_is_refused_with_both_dates(
    how: str, now: datetime
) -> None:
    if how == "deliver_by":
        delivery = now.date() + timedelta(days=5)
        order = make_order(now, deliver_by=delivery)
    elif how == "ship_by":
        order = make_order(now, ship_by=now + timedelta(days=1))
        delivery = (now + timedelta(days=1)).date() + timedelta(days=TRANSIT)
    else:
        order = make_order(now, ship_by=None)
        delivery = now.date() + timedelta(days=TRANSIT)
    st = station_with(order, now)
    until = delivery + timedelta(days=MARGIN)

    out = st.scan(gs1(MILK, expiry=until - timedelta(days=1), lot="L7"))
    assert not out.ok and out.message.key == "scan.expires_too_soon"
    assert out.message.params["expiry"] == f"{until - timedelta(days=1):%d.%m.%Y}"
    assert out.message.params["until"] == f"{until:%d.%m.%Y}"
    assert out.next_hint.key == "hint.expiry_aside"
    assert out.next_hint.params == {"delivery": f"{delivery:%d.%m.%Y}", "days": MARGIN}
    assert f"NEEDED UNTIL {until:%d.%m.%Y}" in t(out.message)
    assert [type(r) for r in st.new_records] == [ScanRejected]
    assert st.state.packed(3) == 0
    # It would ship a unit that goes off too soon: the wrong-item sound, and it stays up.
    assert signal_for(out) is SignalClass.WRONG_ITEM and must_acknowledge(out)

    out = st.scan(gs1(MILK, expiry=until, lot="L8"))
    assert out.ok and out.message.key == "scan.accepted"
    record = st.new_records[0]
    assert isinstance(record, ScanAccepted)
    assert (record.lot, record.expiry, record.serial, record.ask) == ("L8", until, None, "")


def test_without_expiry_section_the_unit_must_outlast_the_delivery_day(now: datetime) -> None:
    order = make_order(now, deliver_by=now.date() + timedelta(days=3))
    st = station_with(order, now, expiry={})  # [expiry] absent: margin 0, transit 0
    assert st.ctx.rules.expiry.margin_days == 0
    assert not st.scan(gs1(MILK, expiry=now.date() + timedelta(days=2))).ok
    assert st.scan(gs1(MILK, expiry=now.date() + timedelta(days=3))).ok
    # No deliver_by: the ship-by day itself.
    st = station_with(make_order(now, ship_by=now + timedelta(days=4)), now, expiry={})
    ship_day = (now + timedelta(days=4)).date()
    assert not st.scan(gs1(MILK, expiry=ship_day - timedelta(days=1))).ok
    assert st.scan(gs1(MILK, expiry=ship_day)).ok


# --- IMEI and serial steps ------------------------------------------------------------------


def test_imei_is_asked_after_the_item_by_scan_and_checked(now: datetime) -> None:
    st = station_with(make_order(now), now)
    out = st.scan(PHONE)
    assert out.ok and out.message.key == "serial.ask"
    assert t(out.message) == "PHONE-X Phone X 128 GB: 1 of 2. Now scan its IMEI"
    assert st.state.step is Step.SERIAL and st.state.stage is Step.ITEMS
    assert t(out.next_hint) == "Scan the IMEI of PHONE-X (CMD:UNDO if it has none)"
    assert st.state.packed(1) == 1  # the unit counts; its IMEI is due

    # Scanner only: typed "1" is a scan here, not a line or a check number.
    assert isinstance(command_for_text(st.state, "1"), Scan)
    refused = {
        "BOX:S": "serial.first",
        PHONE: "serial.item_scanned",  # the item again
        MILK: "serial.item_scanned",  # another item of the order
        ORDER: "serial.item_scanned",
        IMEI_A[:-1]: "serial.invalid",  # 14 digits
        IMEI_A[:-1] + str((int(IMEI_A[-1]) + 1) % 10): "serial.invalid",  # check digit
        "SN-ABC-1": "serial.invalid",  # not digits
    }
    for text, key in refused.items():
        out = st.scan(text)
        assert not out.ok and out.message.key == key, text
        assert st.state.step is Step.SERIAL
    out = st.scan(IMEI_A[:-1])
    assert out.message.params["why"].key == "serial.bad.imei_length"  # type: ignore[union-attr]
    wrong = IMEI_A[:-1] + str((int(IMEI_A[-1]) + 1) % 10)
    why = st.scan(wrong).message.params["why"]
    assert why.key == "serial.bad.imei_check"  # type: ignore[union-attr]
    assert why.params == {"expected": int(IMEI_A[-1]), "got": wrong[-1]}  # type: ignore[union-attr]
    assert st.key(Action.NEWBOX).message.key == "serial.first"

    out = st.scan(IMEI_A)
    assert out.ok and out.message.key == "serial.recorded"
    assert t(out.message) == f"PHONE-X: IMEI {IMEI_A} recorded (1 of 2)"
    assert st.new_records == (SerialCaptured(st.ctx.clock, ORDER, 1, IMEI_A, "imei"),)
    assert st.state.step is Step.ITEMS and st.state.scans[-1].serial == IMEI_A

    assert st.scan(PHONE).ok
    out = st.scan(IMEI_A)  # the first phone's IMEI again
    assert not out.ok and out.message.key == "serial.repeat"
    assert signal_for(out) is SignalClass.OVER_SCAN
    # CMD:UNDO takes the waiting unit back; the line needs it again.
    assert st.key(Action.UNDO).ok and st.state.packed(1) == 1
    assert st.state.step is Step.ITEMS


def test_serial_from_the_gs1_code_is_taken_without_asking(now: datetime) -> None:
    st = station_with(make_order(now), now)
    out = st.scan(gs1(CHARGER, serial="C65-000123"))
    assert out.ok and out.message.key == "scan.accepted"
    record = st.new_records[0]
    assert isinstance(record, ScanAccepted) and record.serial == "C65-000123"
    assert record.ask == "" and st.state.step is Step.ITEMS
    # An IMEI line's GS1 serial that is no IMEI does not count as one: it is asked for.
    out = st.scan(gs1(PHONE, serial="NOTANIMEI"))
    assert out.message.key == "serial.ask" and st.state.step is Step.SERIAL
    # At the serial step a GS1 code of the unit whose AI 21 is a valid IMEI gives it ...
    assert st.scan(gs1(PHONE, serial="NOTANIMEI")).message.key == "serial.invalid"
    out = st.scan(gs1(PHONE, serial=IMEI_A))
    assert out.ok and out.message.key == "serial.recorded" and st.state.step is Step.ITEMS
    # ... and so does the item scan itself: nothing is asked.
    out = st.scan(gs1(PHONE, serial=IMEI_B))
    assert out.ok and out.message.key == "scan.accepted" and st.state.step is Step.ITEMS
    assert [s.serial for s in st.state.scans] == ["C65-000123", IMEI_A, IMEI_B]


def test_a_serial_shipped_in_another_order_is_refused(now: datetime) -> None:
    st = station_with(make_order(now), now)
    st.ctx.serials[(IMEI_SCOPE, IMEI_B)] = "ORD-6999"
    st.ctx.serials[("CHG-65W", "C65-7")] = "ORD-6998"
    assert st.scan(PHONE).ok
    out = st.scan(IMEI_B)
    assert not out.ok and out.message.key == "serial.shipped"
    assert out.message.params == {"serial": IMEI_B, "other": "ORD-6999"}
    assert out.next_hint.key == "hint.serial_undo"
    assert st.new_records[0] == ScanRejected(st.ctx.clock, ORDER, IMEI_B, "serial.shipped",
                                             "ORD-6999")  # fmt: skip
    assert st.key(Action.UNDO).ok
    out = st.scan(gs1(CHARGER, serial="C65-7"))  # in the item's own code: refused as well
    assert not out.ok and out.message.key == "serial.shipped" and st.state.packed(2) == 0
    assert out.next_hint.key == "hint.put_aside"  # it never counted: nothing to undo
    # The same serial of another product is another unit.
    st.ctx.serials.clear()
    st.ctx.serials[("OTHER-SKU", "C65-8")] = "ORD-6997"
    assert st.scan(gs1(CHARGER, serial="C65-8")).ok


def _pack(st: Station, order: OrderView) -> None:
    """Box, weigh, checks, documents and label of an order whose units are all in."""
    assert st.scan("BOX:M").ok, st.last
    assert st.do(ScaleReading(st.state.expected_weight_g, stable=True)).ok
    for _ in st.state.checks:
        assert st.scan("CMD:OK").ok
    for kind in st.state.documents:
        assert st.scan(f"DOC:{kind}:{order.id}").ok
    assert st.state.parcel is not None
    assert st.scan(st.state.parcel.parcel_id).ok


def test_packed_order_carries_its_units_and_their_serials_ship_once(now: datetime) -> None:
    order = make_order(now, deliver_by=now.date() + timedelta(days=2))
    st = station_with(order, now)
    good_until = now.date() + timedelta(days=2 + MARGIN)
    milk = [gs1(MILK, expiry=good_until, lot=lot) for lot in ("L1", "L2")]
    for text in (PHONE, IMEI_A, PHONE, IMEI_B, CHARGER, "SN-CH-0001", *milk):
        out = st.scan(text)
        assert out.ok, (text, out.message)
    assert st.state.step is Step.BOX
    _pack(st, order)
    packed = st.new_records[-1]
    assert isinstance(packed, OrderPacked)
    parcel = packed.parcel_id
    got = [
        (u.line_id, u.sku, u.lot, u.expiry, u.serial, u.scope, u.parcel_id) for u in packed.units
    ]
    assert got == [
        (1, "PHONE-X", None, None, IMEI_A, IMEI_SCOPE, parcel),
        (1, "PHONE-X", None, None, IMEI_B, IMEI_SCOPE, parcel),
        (2, "CHG-65W", None, None, "SN-CH-0001", "CHG-65W", parcel),
        (3, "MILK-1L", "L1", good_until, None, None, parcel),
        (3, "MILK-1L", "L2", good_until, None, None, parcel),
    ]
    # Stored and read back, the records rebuild the same state (dates, serials and all).
    assert replay(stored(st.records)) == st.state.durable()

    # The next order with the same phone: its IMEI has been shipped.
    second = replace(order, id="ORD-7002")
    st.ctx.orders[second.id] = second
    st.ctx.status[second.id] = "ready"
    assert st.scan(second.id).ok and st.scan(PHONE).ok
    assert st.scan(IMEI_A).message.params["other"] == ORDER


def test_defect_by_serial_takes_that_unit_out_with_its_serial(now: datetime) -> None:
    st = station_with(make_order(now), now).with_policy(DefectPolicy.SHIP_SHORT)
    for text in (PHONE, IMEI_A, PHONE, IMEI_B):
        assert st.scan(text).ok
    assert st.key(Action.DEFECT).ok
    out = st.scan(IMEI_A)  # the first phone's IMEI label names the line and the unit
    assert out.ok and out.message.key == "defect.line_chosen"
    assert st.do(PickKind(DefectKind.DAMAGED)).ok
    defect = st.new_records[0]
    assert isinstance(defect, DefectRecorded)
    assert (defect.line_id, defect.serial, defect.unit_removed) == (1, IMEI_A, True)
    assert [s.serial for s in st.state.scans] == [IMEI_B]
    assert replay(stored(st.records)) == st.state.durable()


def test_defect_on_a_gs1_unit_keeps_its_lot_and_expiry(now: datetime) -> None:
    st = station_with(make_order(now, deliver_by=now.date()), now).with_policy(DefectPolicy.HOLD)
    expiry = now.date() + timedelta(days=MARGIN + 30)
    assert st.scan(gs1(MILK, expiry=expiry, lot="L9")).ok
    assert st.key(Action.DEFECT).ok
    assert st.scan(gs1(MILK, expiry=expiry, lot="L9")).ok
    assert st.do(PickKind(DefectKind.DAMAGED)).ok
    defect = st.new_records[0]
    assert isinstance(defect, DefectRecorded)
    assert (defect.lot, defect.expiry, defect.serial) == ("L9", expiry, None)


def test_a_code_with_an_impossible_expiry_date_is_unreadable_not_unknown(now: datetime) -> None:
    st = station_with(make_order(now), now)
    out = st.scan(f"01{MILK.zfill(14)}17261331")  # month 13, no AIM prefix, no GS
    assert not out.ok and out.message.key == "scan.invalid"
    assert parse_code(f"01{MILK.zfill(14)}17261331").errors


def test_a_unit_waiting_for_its_serial_already_weighs(now: datetime) -> None:
    st = station_with(make_order(now), now)
    assert st.scan(PHONE).ok
    assert st.state.expected_weight_g == Decimal(180)


def test_the_sample_config_and_bad_expiry_settings() -> None:
    assert load_rules().expiry == ExpiryRules(margin_days=30, transit_days=3)
    assert PackRules.from_config({}).expiry == ExpiryRules(0, 0)
    for section, message in (
        ({"margin_days": -1}, "expiry.margin_days: must be >= 0"),
        ({"margin_days": 3651}, "expiry.margin_days: must be <= 3650"),
        ({"transit_days": "2"}, "expiry.transit_days: must be an integer"),
        ({"transit_days": 366}, "expiry.transit_days: must be <= 365"),
    ):
        with pytest.raises(RulesError, match=message):
            PackRules.from_config({"expiry": section})
