"""Box and weight: tare from config, first stable reading, tolerance, re-weigh, lead override."""

from __future__ import annotations

from decimal import Decimal

import pytest

from packstation.domain.workflow import (
    Action,
    OverrideReason,
    PickReason,
    PinEntry,
    ScaleReading,
    Step,
)
from packstation.domain.workflow.facts import Verdict
from packstation.domain.workflow.records import (
    BoxChosen,
    OverrideDenied,
    WeightOverridden,
    WeightRejected,
)
from packstation.i18n import t

from .conftest import LEAD, MUG, PACKER2, Station

# ORD-1001 in BOX:M: 845 g of goods + 210 g tare; tolerance max(5 %, 20 g) = 52.75 g.
EXPECTED = Decimal(1055)


def weigh(st: Station, grams: int | str, stable: bool = True) -> None:
    st.do(ScaleReading(Decimal(grams), stable=stable))


def test_box_before_all_items_is_refused(ord1001: Station) -> None:
    ord1001.scan(MUG)
    out = ord1001.scan("BOX:M")
    assert out.message.key == "box.items_first"
    assert t(out.message) == "Not all items are in: 1 of 4 units"
    assert ord1001.state.box is None and ord1001.state.step is Step.ITEMS


def test_unknown_box_lists_the_known_ones(boxed_1001: Station) -> None:
    out = boxed_1001.scan("BOX:XXL")
    assert out.message.params["known"] == "BOX:S, BOX:M, BOX:BAG"


def test_box_tare_comes_from_config(boxed_1001: Station) -> None:
    chosen = boxed_1001.records[-1]
    assert isinstance(chosen, BoxChosen) and chosen.tare_g == Decimal(210)
    assert boxed_1001.state.expected_weight_g == EXPECTED


def test_another_box_before_weighing_replaces_it(boxed_1001: Station) -> None:
    assert boxed_1001.scan("BOX:S").ok
    assert boxed_1001.state.expected_weight_g == Decimal(845 + 120)


@pytest.mark.parametrize("grams", ["1003", "1055", "1107.75"])
def test_within_tolerance(boxed_1001: Station, grams: str) -> None:
    weigh(boxed_1001, grams)
    assert boxed_1001.kinds() == ["weight.accepted"]
    assert boxed_1001.state.step is Step.CHECKS


def test_unstable_and_empty_readings_are_ignored(boxed_1001: Station) -> None:
    weigh(boxed_1001, 1500, stable=False)
    assert boxed_1001.last is not None and boxed_1001.last.outcome.quiet
    weigh(boxed_1001, 0)  # the empty scale right after the box scan
    weigh(boxed_1001, 3)
    assert boxed_1001.records[-1].kind == "box.chosen"
    assert boxed_1001.state.step is Step.WEIGHT and boxed_1001.state.weight is None


def test_out_of_tolerance_blocks_with_expected_and_actual(boxed_1001: Station) -> None:
    weigh(boxed_1001, 1200)
    out = boxed_1001.last.outcome  # type: ignore[union-attr]
    assert not out.ok and out.bell
    assert t(out.message) == ("WEIGHT MISMATCH: 1200 g, expected 1055 g (+145 g, allowed ±53 g)")
    rejected = boxed_1001.new_records[0]
    assert isinstance(rejected, WeightRejected) and rejected.expected_g == EXPECTED
    assert boxed_1001.state.weight_blocked and boxed_1001.state.step is Step.WEIGHT
    assert out.next_hint.key == "hint.reweigh"
    # The same parcel still on the scale is not a new weighing.
    weigh(boxed_1001, 1200)
    assert boxed_1001.new_records == ()
    # CMD:OK only dismisses; the order stays blocked.
    boxed_1001.scan("CMD:OK")
    assert boxed_1001.state.alert is None and boxed_1001.state.step is Step.WEIGHT


def test_reweigh_within_tolerance_unblocks(boxed_1001: Station) -> None:
    weigh(boxed_1001, 1200)
    weigh(boxed_1001, 1200, stable=False)
    weigh(boxed_1001, 1049)
    assert boxed_1001.kinds() == ["weight.accepted"]
    assert boxed_1001.state.step is Step.CHECKS and boxed_1001.state.alert is None


def test_lead_override_wrong_pin_then_right_pin(boxed_1001: Station) -> None:
    st = boxed_1001
    weigh(st, 1200)
    assert st.scan("CMD:LEAD").ok and st.state.step is Step.OVERRIDE_BADGE
    out = st.scan(PACKER2.badge)
    assert out.message.key == "override.not_lead" and st.state.step is Step.OVERRIDE_BADGE
    assert st.scan(LEAD.badge).ok and st.state.step is Step.OVERRIDE_PIN
    assert t(st.last.outcome.next_hint) == "Ольга Л.: type your PIN and press Enter"  # type: ignore[union-attr]

    out = st.do(PinEntry("0000"))
    assert not out.ok and t(out.message) == "Wrong PIN (2 attempts left)"
    denied = st.new_records[0]
    assert isinstance(denied, OverrideDenied) and denied.lead_id == LEAD.id
    assert "0000" not in str(denied.to_payload())
    assert st.state.step is Step.OVERRIDE_PIN

    assert st.do(PinEntry("4321")).ok and st.state.step is Step.OVERRIDE_REASON
    assert st.do(PickReason(OverrideReason.OTHER)).message.key == "override.note_required"
    out = st.do(PickReason(OverrideReason.PACKAGING))
    assert out.ok
    record = st.new_records[0]
    assert isinstance(record, WeightOverridden)
    assert (record.lead_id, record.reason, record.actual_g) == (
        LEAD.id,
        OverrideReason.PACKAGING,
        Decimal(1200),
    )
    assert st.state.weight is not None and st.state.weight.verdict is Verdict.OVERRIDDEN
    assert st.state.step is Step.CHECKS


def test_three_wrong_pins_close_the_dialog(boxed_1001: Station) -> None:
    weigh(boxed_1001, 1200)
    boxed_1001.key(Action.LEAD)
    boxed_1001.scan(LEAD.badge)
    for _ in range(3):
        out = boxed_1001.do(PinEntry("9999"))
    assert out.message.key == "override.too_many"
    assert boxed_1001.state.flow is None and boxed_1001.state.step is Step.WEIGHT


def test_readings_during_the_override_are_ignored(boxed_1001: Station) -> None:
    weigh(boxed_1001, 1200)
    boxed_1001.key(Action.LEAD)
    weigh(boxed_1001, 1055)
    assert boxed_1001.last is not None and boxed_1001.last.outcome.quiet
    assert boxed_1001.state.weight_blocked


def test_lead_is_only_asked_when_something_is_blocked(boxed_1001: Station) -> None:
    assert boxed_1001.key(Action.LEAD).message.key == "override.nothing"
    assert boxed_1001.state.flow is None


def test_box_cannot_change_after_weighing(weighed_1001: Station) -> None:
    assert weighed_1001.scan("BOX:S").message.key == "box.too_late"
    assert weighed_1001.state.box is not None and weighed_1001.state.box.code == "BOX:M"
