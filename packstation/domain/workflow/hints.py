"""What to scan next, for every step: the line at the bottom of every screen."""

from __future__ import annotations

from decimal import Decimal

from packstation.domain.rules import PackRules
from packstation.domain.workflow.boxing import advice
from packstation.domain.workflow.state import OverrideFlow, PackState, Purpose, Step
from packstation.domain.workflow.units import serial_what
from packstation.i18n import Msg

__all__ = ["grams", "hint_for"]

_MAX_SKUS = 3


def grams(value: Decimal) -> str:
    """Whole grams for messages (scales and catalogues disagree below a gram anyway)."""
    return f"{value.quantize(Decimal(1)):f}"


def hint_for(state: PackState, rules: PackRules) -> Msg:
    step = state.step
    order_id = state.order.id if state.order else ""
    if step is Step.LOGGED_OUT:
        return Msg("hint.scan_badge")
    if step is Step.IDLE:
        return Msg("hint.scan_order")
    if step is Step.CLOSED:
        return Msg("hint.closed", {"order": state.closed_order or ""})
    if step is Step.SERIAL and state.order is not None and state.serial_due is not None:
        due = state.serial_due
        line = state.order.line(due.line_id)
        what = serial_what(due.ask)
        return Msg("hint.scan_serial", {"what": what, "sku": line.sku if line else ""})
    if step is Step.ITEMS:
        open_lines = state.open_lines(limit=_MAX_SKUS + 1)
        skus = ", ".join(line.sku for line in open_lines[:_MAX_SKUS])
        if len(open_lines) > _MAX_SKUS:
            skus += ", …"
        if open_lines and open_lines[0].marked:
            return Msg("hint.scan_marking", {"sku": open_lines[0].sku, "skus": skus})
        return Msg("hint.scan_items", {"skus": skus, "order": order_id})
    if step is Step.BOX:
        # One line of the result panel (74 cells at 80x24): the suggestion, or why there is
        # none and the boxes to scan (`tests/screens/test_box_step_fit.py`).
        said, n = advice(state, rules), len(state.sealed) + 1
        if said.key == "box.suggested":
            if state.splitting:
                return Msg("hint.box_suggested_n", {"advice": said, "n": n})
            return Msg("hint.box_suggested", {"advice": said})
        boxes = ", ".join(b.code for b in rules.boxes)
        if state.splitting:
            scan = Msg("hint.scan_box_n", {"n": n, "boxes": boxes})
        else:
            scan = Msg("hint.scan_box", {"boxes": boxes})
        return Msg("hint.box_advice", {"advice": said, "scan": scan})
    if step is Step.WEIGHT:
        if state.weight_blocked:
            return Msg("hint.reweigh")
        return Msg("hint.weigh", {"expected": grams(state.expected_weight_g)})
    if step is Step.CHECKS:
        index = state.next_check
        if index is not None:
            item = state.checks[index]
            return Msg(
                "hint.check",
                {"text": item.text, "number": index + 1, "total": len(state.checks)},
            )
        return Msg("hint.scan_document", {"document": state.next_document, "order": order_id})
    if step is Step.LABEL:
        parcel = state.parcel
        if parcel is None and state.no_fit is not None:
            return Msg("hint.no_fit")
        if parcel is None:
            return Msg("hint.reprint")
        if state.order is not None and state.order.channel and not parcel.barcode:
            return Msg("hint.marketplace_label")
        if parcel.count > 1:
            params: dict[str, object] = {
                "n": parcel.seq,
                "m": parcel.count,
                "parcel": parcel.shown,
            }
            return Msg("hint.scan_label_n", params)
        return Msg("hint.scan_label", {"parcel": parcel.shown})
    if step is Step.DEFECT_PICK_LINE:
        return Msg("hint.defect_line")
    if step is Step.DEFECT_PICK_KIND:
        return Msg("hint.defect_kind")
    if step is Step.OVERRIDE_BADGE:
        return Msg("hint.lead_badge")
    if step is Step.OVERRIDE_PIN:
        lead = state.flow.lead if isinstance(state.flow, OverrideFlow) else None
        return Msg("hint.lead_pin", {"name": lead.name if lead else ""})
    if isinstance(state.flow, OverrideFlow) and state.flow.purpose is not Purpose.WEIGHT:
        # The numbers typed in the reason step are positions in OverrideReason.
        purpose = state.flow.purpose
        reasons: dict[str, object] = {r.value: n for r, n in purpose.reason_numbers().items()}
        if purpose is Purpose.CARRIER:
            return Msg("hint.lead_reason_carrier", reasons)
        if purpose is Purpose.SKIP_CHECK:
            return Msg("hint.lead_reason_check", reasons)
        if purpose is Purpose.BOX:
            return Msg("hint.lead_reason_box", reasons)
        return Msg("hint.lead_reason_cancel", reasons)
    return Msg("hint.lead_reason")
