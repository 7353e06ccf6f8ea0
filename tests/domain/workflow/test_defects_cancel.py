"""Defects (hold / ship short), cancel with and without a lead, alert persistence."""

from __future__ import annotations

from decimal import Decimal

from packstation.domain.rules import DefectPolicy
from packstation.domain.workflow import (
    Action,
    DefectKind,
    OverrideReason,
    PickKind,
    PickLine,
    PickReason,
    PinEntry,
    ScaleReading,
    Step,
)
from packstation.domain.workflow.records import (
    DefectRecorded,
    NotificationQueued,
    OrderHeld,
    OrderReleased,
)
from packstation.i18n import t

from .conftest import CABLE_OF_1005, LEAD, MUG, SPOON, TEA, Station


def test_defect_hold_queues_a_notification_and_releases_the_station(ord1001: Station) -> None:
    st = ord1001
    st.scan(MUG)
    assert st.scan("CMD:DEFECT").ok and st.state.step is Step.DEFECT_PICK_LINE
    assert st.scan(TEA).ok and st.state.step is Step.DEFECT_PICK_KIND
    out = st.scan("CMD:MISSING")
    assert out.ok
    assert st.kinds() == ["defect.recorded", "notification.queued", "order.held"]
    defect, notice, held = st.new_records
    assert isinstance(defect, DefectRecorded) and defect.resolution == "hold"
    assert defect.defect is DefectKind.MISSING and defect.sku == "TEA-GRN-100"
    assert isinstance(notice, NotificationQueued) and notice.template == "order_defect"
    assert notice.params["defect"] == "missing"
    assert isinstance(held, OrderHeld) and held.order_id == "ORD-1001"
    assert st.state.step is Step.IDLE and st.state.order is None
    assert st.ctx.status["ORD-1001"] == "needs_correction"
    assert "нет товара" in t(out.message, "ru")


def test_ship_short_missing_unit_lowers_required_and_expected_weight(ord1001: Station) -> None:
    st = ord1001.with_policy(DefectPolicy.SHIP_SHORT)
    st.scan(MUG)
    st.key(Action.DEFECT)
    st.do(PickLine(1))
    st.do(PickKind(DefectKind.MISSING))
    assert st.kinds() == ["defect.recorded", "notification.queued"]
    assert st.state.order is not None
    mug = st.state.order.lines[0]
    assert st.state.required(mug) == 1 and st.state.remaining(mug) == 0
    st.scan(TEA)
    st.scan(SPOON)
    assert st.state.step is Step.BOX
    st.scan("BOX:M")
    assert st.state.expected_weight_g == Decimal(320 + 110 + 95 + 210)
    st.do(ScaleReading(Decimal(740), stable=True))
    assert st.kinds() == ["weight.accepted"]


def test_ship_short_damaged_unit_already_scanned_is_taken_out(ord1001: Station) -> None:
    st = ord1001.with_policy(DefectPolicy.SHIP_SHORT)
    for code in (MUG, MUG, TEA, SPOON):
        st.scan(code)
    st.scan("BOX:M")
    st.do(ScaleReading(Decimal(1055), stable=True))
    assert st.state.step is Step.CHECKS
    st.scan("CMD:DEFECT")
    st.scan(MUG)
    out = st.scan("CMD:DAMAGED")
    defect = st.new_records[0]
    assert isinstance(defect, DefectRecorded) and defect.unit_removed
    assert out.message.key == "defect.short_removed"
    assert st.state.packed(st.state.lines[0].line_id) == 1
    # The accepted weight was for two mugs: the parcel must be weighed again.
    assert st.state.step is Step.WEIGHT
    assert st.state.expected_weight_g == Decimal(1055 - 320)


def test_ship_short_of_the_last_unit_holds_instead(logged_in: Station) -> None:
    st = logged_in.with_policy(DefectPolicy.SHIP_SHORT)
    st.scan("ORD-1002")
    st.scan("CMD:DEFECT")
    assert st.state.step is Step.DEFECT_PICK_KIND  # one line: picked already
    st.scan("CMD:WRONG_ITEM")
    assert st.kinds() == ["defect.recorded", "notification.queued"]  # one pair still ships
    st.scan("CMD:DEFECT")
    st.scan("CMD:EXPIRED")
    assert st.kinds()[-1] == "order.held"


def test_defect_subflow_refusals_and_cancel(ord1001: Station) -> None:
    st = ord1001
    assert st.do(PickKind(DefectKind.OTHER)).message.key == "defect.start_first"
    st.key(Action.DEFECT)
    assert st.scan("CMD:OTHER").message.key == "defect.line_first"
    assert st.scan(CABLE_OF_1005).message.key == "defect.line_not_in_order"
    assert st.do(PickLine(7)).message.key == "defect.no_such_line"
    assert st.key(Action.UNDO).message.key == "flow.busy"
    assert st.scan("CMD:CANCEL").ok
    assert st.state.step is Step.ITEMS and st.state.order is not None
    assert not any(r.kind == "defect.recorded" for r in st.records)


def test_cancel_without_scans_releases_at_once(ord1001: Station) -> None:
    out = ord1001.scan("CMD:CANCEL")
    assert out.ok and ord1001.kinds() == ["order.released"]
    assert ord1001.state.step is Step.IDLE
    assert ord1001.ctx.status["ORD-1001"] == "ready"


def test_cancel_after_scans_needs_a_lead(ord1001: Station) -> None:
    st = ord1001
    st.scan(MUG)
    out = st.scan("CMD:CANCEL")
    assert out.message.key == "cancel.needs_lead" and st.kinds() == []
    assert st.state.step is Step.OVERRIDE_BADGE
    st.scan(LEAD.badge)
    assert not st.do(PinEntry("1")).ok
    assert st.state.order is not None
    assert st.do(PinEntry("4321")).ok
    # The PIN alone no longer releases it: the lead gives a reason (issue 5).
    assert st.kinds() == [] and st.state.step is Step.OVERRIDE_REASON
    assert st.do(PickReason(OverrideReason.CUSTOMER_CANCELLED)).ok
    released = st.new_records[0]
    assert isinstance(released, OrderReleased) and released.approved_by == LEAD.id
    assert released.reason is OverrideReason.CUSTOMER_CANCELLED
    assert st.state.step is Step.IDLE and st.state.flow is None


def test_cancel_inside_the_lead_dialog_goes_back(ord1001: Station) -> None:
    ord1001.scan(MUG)
    ord1001.scan("CMD:CANCEL")
    ord1001.scan("CMD:CANCEL")
    assert ord1001.state.step is Step.ITEMS and ord1001.state.units_packed == 1


def test_alert_stays_until_next_good_scan(ord1001: Station) -> None:
    st = ord1001
    red = st.scan(CABLE_OF_1005)
    assert st.state.alert == red
    # Ignored input (an unstable reading, an unknown key) does not clear it.
    st.do(ScaleReading(Decimal(5), stable=False))
    assert st.state.alert == red
    assert st.scan(MUG).ok
    assert st.state.alert is None


def test_cmd_ok_only_dismisses_a_showing_alert(ord1001: Station) -> None:
    st = ord1001
    st.scan("4006381333931")
    out = st.scan("CMD:OK")
    assert out.ok and out.message.key == "alert.dismissed" and not out.bell
    assert st.state.alert is None and st.kinds() == []
    assert st.state.units_packed == 0


def test_unknown_command(ord1001: Station) -> None:
    out = ord1001.scan("CMD:FROBNICATE")
    assert t(out.message) == "Unknown command CMD:FROBNICATE"
