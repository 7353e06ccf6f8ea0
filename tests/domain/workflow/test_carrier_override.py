"""Carrier choice in the pack workflow: explained labels, no fit, a lead's override."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from msgspec.structs import replace

from packstation.domain.rules import CarrierChoiceRules, LatePolicy
from packstation.domain.workflow import (
    Action,
    OverrideReason,
    PickReason,
    PinEntry,
    ScaleReading,
    Step,
    hint_for,
    replay,
)
from packstation.domain.workflow.explain import carrier_lines
from packstation.domain.workflow.records import (
    CarrierNoFit,
    CarrierOverridden,
    LabelPrinted,
    OrderHeld,
    OverrideDenied,
)
from packstation.domain.workflow.state import OverrideFlow, Purpose
from packstation.i18n import t

from .conftest import LEAD, MUG, PACKER, PACKER2, SPOON, TEA, Station
from .test_replay import stored


@pytest.fixture(autouse=True)
def moscow_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen are local (like the header's ship-by): pin the zone to UTC+3."""
    monkeypatch.setenv("TZ", "MSK-3")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def assert_replays(st: Station) -> None:
    assert replay(stored(st.records)) == st.state.durable()


def to_label(st: Station) -> None:
    """From weighed to the label step (checks, then the invoice)."""
    while st.state.next_check is not None:
        assert st.scan("CMD:OK").ok
    st.scan("DOC:INVOICE:ORD-1001")


def with_choice(st: Station, **changes: object) -> Station:
    rules = st.ctx.rules
    st.ctx.rules = replace(rules, carrier_choice=replace(rules.carrier_choice, **changes))
    return st


def lines(st: Station, locale: str = "en") -> list[str]:
    return [t(m, locale) for m in carrier_lines(st.state)]


def test_the_label_carries_the_choice_and_why(weighed_1001: Station) -> None:
    st = weighed_1001
    to_label(st)
    label = st.new_records[-1]
    assert isinstance(label, LabelPrinted) and label.choice is not None
    assert (label.carrier, label.tariff, label.cost) == (
        "OZON-COURIER",
        "EXPRESS",
        Decimal("291.40"),
    )
    # ORD-1001 is promised (ship-by) tomorrow 12:00: only the 1-day tariff arrives in time.
    assert lines(st) == [
        "OZON-COURIER/EXPRESS 291.40 ₽, arrives 27.11 10:00 (promise 27.11 12:00)",
        "The only one that fits; next best RUSSIAN-POST/PARCEL: late (02.12 10:00)",
    ]
    assert lines(st, "ru")[1] == (
        "Единственный подходящий; следующий вариант RUSSIAN-POST/PARCEL: опоздает (02.12 10:00)"
    )
    assert label.choice_note().startswith(
        "OZON-COURIER/EXPRESS 291.40 RUB 1d arrives 2026-11-27T10:00+03:00"
        " promise 2026-11-27T12:00+03:00 floor 0.9 | RUSSIAN-POST/PARCEL:late"
    )
    assert all(len(line) <= 78 for line in lines(st))  # readable at 80x24
    assert_replays(st)


def test_late_under_the_fastest_policy_ships_and_says_so(weighed_1001: Station) -> None:
    st = weighed_1001  # the sample config: late = "fastest"
    st.tick(26 * 3600)  # past the promise: nothing can arrive in time
    to_label(st)
    label = st.new_records[-1]
    assert isinstance(label, LabelPrinted) and label.choice is not None
    assert label.tariff == "EXPRESS" and not label.choice.on_time
    assert lines(st)[1].startswith("LATE: nothing arrives in time, the fastest; next best")
    assert "LATE:fastest" in label.choice_note()


def test_no_fit_tells_the_packer_why_and_waits_for_a_lead(weighed_1001: Station) -> None:
    st = with_choice(weighed_1001, min_reliability=Decimal("0.99"))
    to_label(st)
    out = st.last.outcome  # type: ignore[union-attr]
    assert not out.ok and out.bell
    assert t(out.message) == "NO CARRIER FITS: OZON-COURIER/EXPRESS: reliability 0.98 below 0.99"
    assert t(out.next_hint) == "Lead: scan a TARIFF: card (list: CMD:CARRIER), or CMD:HOLD"
    assert all(
        len("✗ " + t(m, lang)) <= 76 for m in (out.message, out.next_hint) for lang in ("en", "ru")
    )
    assert isinstance(st.new_records[-1], CarrierNoFit)
    assert st.state.step is Step.LABEL and st.state.no_fit is not None and not st.state.parcels
    assert lines(st) == [
        "No carrier fits 1060 g to RU (promise 27.11 12:00)",
        "Closest: OZON-COURIER/EXPRESS: reliability 0.98 below 0.99; "
        "RUSSIAN-POST/PARCEL: reliability 0.91 below 0.99",
    ]
    assert_replays(st)  # after a restart the station still knows why
    out = st.key(Action.CARRIER)
    assert out.ok and out.message.params["cards"] == (
        "TARIFF:OZON-COURIER:EXPRESS, TARIFF:OZON-COURIER:STANDARD, TARIFF:RUSSIAN-POST:PARCEL"
    )
    assert st.key(Action.LEAD).message.key == "carrier.pick"  # F9 says the same


def test_hold_hands_the_order_to_a_lead(weighed_1001: Station) -> None:
    st = with_choice(weighed_1001, min_reliability=Decimal("0.99"))
    to_label(st)
    out = st.key(Action.HOLD)
    assert out.ok and out.message.key == "carrier.held"
    (held,) = st.new_records
    assert isinstance(held, OrderHeld) and held.reason.startswith("no_tariff: no fit 1060 g to RU")
    assert len(held.reason) <= 500
    assert st.state.order is None and st.ctx.status["ORD-1001"] == "needs_correction"
    assert_replays(st)


def test_a_lead_overrides_right_there(weighed_1001: Station) -> None:
    st = with_choice(weighed_1001, min_reliability=Decimal("0.99"))
    to_label(st)
    out = st.scan("TARIFF:russian-post:parcel")
    assert out.ok and t(out.message) == "Ship with RUSSIAN-POST/PARCEL: a lead must approve"
    assert st.state.flow == OverrideFlow(Purpose.CARRIER, tariff="RUSSIAN-POST:PARCEL")
    assert st.scan(PACKER2.badge).message.key == "override.not_lead"
    st.scan(LEAD.badge)
    st.do(PinEntry("0000"))
    denied = st.new_records[0]
    assert isinstance(denied, OverrideDenied) and denied.purpose == "carrier"
    st.do(PinEntry("4321"))
    assert st.state.step is Step.OVERRIDE_REASON
    assert t(hint_for(st.state, st.ctx.rules)) == (
        "Reason: 5 customer asked, 6 keep the promise, 7 carrier problem, 4 other"
    )
    assert st.do(PickReason(OverrideReason.SCALE)).message.key == "override.reason_other_purpose"
    assert st.do(PickReason(OverrideReason.OTHER)).message.key == "override.note_required"
    out = st.do(PickReason(OverrideReason.CUSTOMER_REQUEST))
    assert out.ok and t(out.message) == "RUSSIAN-POST/PARCEL approved by Ольга Л."
    assert st.kinds() == ["override.carrier", "label.printed"]
    override, label = st.new_records
    assert isinstance(override, CarrierOverridden) and isinstance(label, LabelPrinted)
    # Both identities: the lead who approved and the packer at the station.
    assert (override.lead_id, override.lead_name) == (LEAD.id, LEAD.name)
    assert (override.packer_id, override.packer_name) == (PACKER.id, PACKER.name)
    assert override.rules_note.startswith("no fit 1060 g to RU")
    assert (label.carrier, label.tariff, label.cost) == (
        "RUSSIAN-POST",
        "PARCEL",
        Decimal("130.80"),
    )
    assert label.choice is None and label.override_by == LEAD.name
    assert label.choice_note() == "override by Ольга Л.: customer_request"
    assert lines(st) == [
        "RUSSIAN-POST/PARCEL 130.80 ₽: override by Ольга Л.: the customer asked for it"
    ]
    assert_replays(st)
    assert st.scan(label.parcel_id).message.key == "order.packed"
    assert_replays(st)


def test_a_lead_overrides_a_printed_choice(weighed_1001: Station) -> None:
    st = weighed_1001
    to_label(st)
    first = st.state.parcel
    assert first is not None and first.tariff == "EXPRESS"
    st.scan("TARIFF:OZON-COURIER:STANDARD")
    st.scan(LEAD.badge)
    st.do(PinEntry("4321"))
    st.do(PickReason(OverrideReason.OTHER, "  depot closes early  "))
    override, label = st.new_records
    assert isinstance(override, CarrierOverridden) and override.note == "depot closes early"
    assert isinstance(label, LabelPrinted) and label.parcel_id != first.parcel_id
    assert label.tariff == "STANDARD" and label.choice is not None  # what the rules said
    note = label.choice_note()
    assert note.startswith(
        "override by Ольга Л.: other (depot closes early) | rules: OZON-COURIER/"
    )
    assert lines(st) == ["OZON-COURIER/STANDARD 175.50 ₽: override by Ольга Л.: depot closes early"]
    assert st.scan(first.parcel_id).message.key == "label.wrong"  # the old label is void
    assert st.scan(label.parcel_id).ok and st.state.step is Step.CLOSED
    assert_replays(st)


def test_the_override_covers_every_box(ord1001: Station) -> None:
    st = with_choice(ord1001, min_reliability=Decimal("0.99"))
    for code in (MUG, MUG):
        st.scan(code)
    st.scan("CMD:NEWBOX")
    st.scan("BOX:S")
    st.do(ScaleReading(Decimal(760), stable=True))
    st.scan(TEA)
    st.scan(SPOON)
    st.scan("BOX:S")
    st.do(ScaleReading(Decimal(325), stable=True))
    to_label(st)
    no_fit = st.new_records[-1]
    assert isinstance(no_fit, CarrierNoFit) and no_fit.seq == 1
    st.scan("TARIFF:OZON-COURIER:EXPRESS")
    st.scan(LEAD.badge)
    st.do(PinEntry("4321"))
    st.do(PickReason(OverrideReason.PROMISE))
    labels = [r for r in st.new_records if isinstance(r, LabelPrinted)]
    assert [(r.seq, r.parcel_count, r.tariff, r.override_by) for r in labels] == [
        (1, 2, "EXPRESS", LEAD.name),
        (2, 2, "EXPRESS", LEAD.name),
    ]
    assert_replays(st)


def test_tariff_cards_are_refused_where_they_make_no_sense(weighed_1001: Station) -> None:
    st = weighed_1001
    assert st.scan("TARIFF:OZON-COURIER:EXPRESS").message.key == "carrier.not_now"
    assert st.key(Action.CARRIER).message.key == "carrier.not_now"
    assert st.key(Action.HOLD).message.key == "hold.not_now"
    to_label(st)
    assert st.key(Action.HOLD).message.key == "hold.not_now"  # a tariff fits: nothing to hold
    out = st.scan("TARIFF:DHL:EXPRESS")
    assert t(out.message) == "Unknown tariff DHL/EXPRESS"
    out = st.scan("TARIFF:RUSSIAN-POST:EMS-INTL")
    assert t(out.message) == "RUSSIAN-POST/EMS-INTL cannot take this parcel: does not go to RU"
    assert st.state.flow is None and st.state.parcel is not None


def test_a_tariff_card_needs_a_login() -> None:
    st = Station()
    assert st.scan("TARIFF:OZON-COURIER:EXPRESS").message.key == "login.badge_first"


def test_weight_override_refuses_carrier_reasons(boxed_1001: Station) -> None:
    st = boxed_1001
    st.do(ScaleReading(Decimal(1500), stable=True))
    st.key(Action.LEAD)
    st.scan(LEAD.badge)
    st.do(PinEntry("4321"))
    out = st.do(PickReason(OverrideReason.CUSTOMER_REQUEST))
    assert out.message.key == "override.reason_other_purpose" and st.state.weight_blocked
    assert st.do(PickReason(OverrideReason.SCALE)).ok


def test_late_policy_lead_makes_a_late_parcel_wait(weighed_1001: Station) -> None:
    st = with_choice(weighed_1001, late=LatePolicy.LEAD)
    assert st.ctx.rules.carrier_choice == CarrierChoiceRules(Decimal("0.9"), LatePolicy.LEAD)
    st.tick(26 * 3600)
    to_label(st)
    assert st.last is not None and st.last.outcome.message.key == "label.no_fit"
    assert st.state.no_fit is not None
    assert all("late" in o.why for o in st.state.no_fit.options)
