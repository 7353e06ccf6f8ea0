"""Which signal each result gives, and which reds must be acknowledged (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from packstation.domain.signals import (
    BELLS,
    MIS_SHIP,
    SignalClass,
    keeps_alert,
    must_acknowledge,
    signal_for,
)
from packstation.domain.workflow import Outcome, ScaleReading, Step
from packstation.i18n import Msg
from tests.domain.workflow.conftest import CABLE_OF_1005, MUG, Station


def outcome(key: str, ok: bool = False, *, bell: bool = True, quiet: bool = False) -> Outcome:
    return Outcome(ok, Msg(key), Msg("hint.scan_item"), bell and not ok, None, quiet)


@pytest.mark.parametrize(
    ("key", "ok", "expected"),
    [
        ("scan.accepted", True, SignalClass.GOOD),
        ("box.chosen", True, SignalClass.GOOD),
        ("weight.accepted", True, SignalClass.GOOD),
        ("order.packed", True, SignalClass.COMPLETE),
        ("order.packed_parcels", True, SignalClass.COMPLETE),
        ("scan.not_in_order", False, SignalClass.WRONG_ITEM),
        ("scan.unknown", False, SignalClass.WRONG_ITEM),
        ("scan.bad_check_digit_detail", False, SignalClass.WRONG_ITEM),
        ("label.wrong", False, SignalClass.WRONG_ITEM),
        ("document.other_order", False, SignalClass.WRONG_ITEM),
        ("scan.over_scan", False, SignalClass.OVER_SCAN),
        ("scan.marking_repeat", False, SignalClass.OVER_SCAN),
        ("scan.marking_used", False, SignalClass.OVER_SCAN),
        ("weight.out_of_tolerance", False, SignalClass.WEIGHT),
        ("cancel.needs_lead", True, SignalClass.NEEDS_LEAD),
        ("override.started", True, SignalClass.NEEDS_LEAD),
        ("label.no_fit", False, SignalClass.NEEDS_LEAD),
        ("station.db_down", False, SignalClass.FAILURE),
        ("station.not_recorded", False, SignalClass.FAILURE),
        ("station.print_failed", False, SignalClass.FAILURE),
        ("box.items_first", False, SignalClass.REFUSED),
        ("command.unknown", False, SignalClass.REFUSED),
    ],
)
def test_class_of_each_result(key: str, ok: bool, expected: SignalClass) -> None:
    assert signal_for(outcome(key, ok)) is expected


def test_no_signal_for_nothing_shown_start_up_or_a_quiet_red() -> None:
    assert signal_for(None) is None
    assert signal_for(outcome("ignored", True, quiet=True)) is None
    assert signal_for(outcome("station.ready", True)) is None
    assert signal_for(outcome("station.resumed", True)) is None
    assert signal_for(outcome("claim.queue_empty", False, bell=False)) is None


def test_every_class_has_a_bell_pattern_and_the_mis_ship_ones_differ() -> None:
    assert set(BELLS) == set(SignalClass)
    assert BELLS[SignalClass.GOOD][0] == 0 and BELLS[SignalClass.COMPLETE][0] == 0
    patterns = [BELLS[kind] for kind in SignalClass if BELLS[kind][0]]
    assert len(set(patterns)) == len(patterns)  # no two red classes ring alike
    assert {SignalClass.WRONG_ITEM, SignalClass.OVER_SCAN, SignalClass.WEIGHT} == MIS_SHIP


def test_must_acknowledge_only_reds_that_would_mis_ship() -> None:
    for key in ("scan.not_in_order", "scan.over_scan", "weight.out_of_tolerance"):
        assert must_acknowledge(outcome(key))
    assert not must_acknowledge(outcome("box.items_first"))
    assert not must_acknowledge(outcome("station.db_down"))
    assert not must_acknowledge(outcome("scan.accepted", True))
    assert not must_acknowledge(None)


def test_keeps_alert_through_the_scales_green_but_not_a_packers() -> None:
    wrong = outcome("scan.not_in_order")
    weight = outcome("weight.out_of_tolerance")
    assert keeps_alert(wrong, outcome("weight.accepted", True))
    assert keeps_alert(wrong, outcome("box.sealed", True))
    assert not keeps_alert(wrong, outcome("scan.accepted", True))
    assert not keeps_alert(wrong, outcome("alert.dismissed", True))
    assert not keeps_alert(weight, outcome("weight.accepted", True))  # re-weighed: answered
    assert not keeps_alert(outcome("box.items_first"), outcome("weight.accepted", True))
    assert not keeps_alert(None, outcome("weight.accepted", True))


def test_wrong_item_at_the_weight_step_survives_the_scale(boxed_1001: Station) -> None:
    """Where the workflow did not hold it: a wrong item scanned while the parcel is on the
    scale was taken off the screen by the scale's next stable reading, unseen."""
    boxed_1001.scan(CABLE_OF_1005)  # ORD-1005's cable, at the weight step
    red = boxed_1001.state.alert
    assert red is not None and red.message.key == "scan.not_in_order"
    assert boxed_1001.do(ScaleReading(Decimal("1060"), stable=True)).ok
    assert boxed_1001.state.step is Step.CHECKS
    assert boxed_1001.state.alert == red  # still up: the packer has not seen it
    out = boxed_1001.scan("CMD:OK")
    assert out.message.key == "alert.dismissed" and boxed_1001.state.alert is None
    assert boxed_1001.state.checks_done == frozenset()  # CMD:OK acknowledged, confirmed nothing


def test_mis_ship_red_stays_until_good_scan(ord1001: Station) -> None:
    ord1001.scan(CABLE_OF_1005)
    red = ord1001.state.alert
    assert red is not None and must_acknowledge(red)
    lesser = ord1001.scan("BOX:M")  # another red (items first): shown, the wrong item too
    alert = ord1001.state.alert
    assert alert is not None and alert.message == lesser.message and alert.earlier == red
    assert must_acknowledge(alert)  # still flashes, still survives the scale
    again = ord1001.scan("4600000000000")  # a second mis-ship red is shown on its own
    assert must_acknowledge(again) and ord1001.state.alert == again and again.earlier is None
    assert ord1001.scan(MUG).ok
    assert ord1001.state.alert is None


def test_a_lesser_red_over_a_wrong_item_is_acknowledged_by_cmd_ok(ord1001: Station) -> None:
    red = ord1001.scan(CABLE_OF_1005)
    ord1001.scan("BOX:M")
    alert = ord1001.state.alert
    assert alert is not None and alert.earlier == red
    assert ord1001.scan("CMD:OK").message.key == "alert.dismissed"
    assert ord1001.state.alert is None


def test_a_lesser_red_over_a_weight_red_is_answered_by_the_scale(boxed_1001: Station) -> None:
    red = boxed_1001.do(ScaleReading(Decimal("1500"), stable=True))
    assert red.message.key == "weight.out_of_tolerance"
    boxed_1001.scan("CMD:NEWBOX")  # not while weighing: a lesser red over the weight
    alert = boxed_1001.state.alert
    assert alert is not None and not alert.ok and alert.earlier == red
    assert boxed_1001.do(ScaleReading(Decimal("1060"), stable=True)).ok
    assert boxed_1001.state.alert is None  # the scale answered the weight: both go
