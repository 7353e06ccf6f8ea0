"""The middle of the pack: the box scanned, the parcel weighed, the packaging checks confirmed
(or skipped by a lead) and the documents scanned into the box (`machine._dispatch` routes
here)."""

from __future__ import annotations

from decimal import Decimal

from packstation.domain.codes import ScannedCode
from packstation.domain.workflow.boxing import choose_box
from packstation.domain.workflow.commands import ScaleReading
from packstation.domain.workflow.hints import grams
from packstation.domain.workflow.model import OrderView
from packstation.domain.workflow.records import (
    BoxSealed,
    CheckConfirmed,
    DocumentConfirmed,
    WeightAccepted,
    WeightRejected,
)
from packstation.domain.workflow.results import QUIET, Env, Result, bad, good
from packstation.domain.workflow.state import OverrideFlow, PackState, Purpose, Step
from packstation.i18n import Msg

__all__ = ["box_scan", "confirm_check", "document_scan", "skip_check", "weigh"]


def box_scan(state: PackState, code: ScannedCode, env: Env) -> Result:
    if state.order is None:
        return bad("box.no_order")
    box = env.rules.box(code.command or code.text)
    if box is None:
        known = ", ".join(b.code for b in env.rules.boxes)
        return bad("box.unknown", {"code": code.command or code.text, "known": known})
    stage = state.stage
    if stage is Step.ITEMS:
        params: dict[str, object] = {
            "packed": state.units_packed,
            "required": state.units_required,
        }
        hint = Msg("hint.newbox", {"units": state.open_units}) if state.open_units else None
        return bad("box.items_first", params, hint=hint)
    if stage not in (Step.BOX, Step.WEIGHT):
        return bad("box.too_late")
    return choose_box(state, code, env)  # the suggestion, and boxes refused for size


def weigh(state: PackState, reading: ScaleReading, env: Env) -> Result:
    if not reading.stable or state.flow is not None or state.stage is not Step.WEIGHT:
        return QUIET
    if state.order is None or state.box is None or reading.grams < env.rules.weight.empty_below_g:
        return QUIET
    if state.weight_blocked and state.weight and state.weight.actual_g == reading.grams:
        return QUIET  # the same parcel still on the scale: not a re-weigh
    expected = state.expected_weight_g
    tolerance = env.rules.tolerance_g(expected)
    difference = reading.grams - expected
    params: dict[str, object] = {
        "actual": grams(reading.grams),
        "expected": grams(expected),
        "difference": f"{difference.quantize(Decimal(1)):+f}",
        "tolerance": grams(tolerance),
    }
    args = (env.at, state.order.id, reading.grams, expected, tolerance, state.box.code)
    if abs(difference) <= tolerance:
        if state.splitting:
            seq = len(state.sealed) + 1
            sealed = BoxSealed(
                env.at, state.order.id, seq, state.open_units, state.box.code,
                reading.grams, expected,
            )  # fmt: skip
            params["n"] = seq
            return good("box.sealed", params, (WeightAccepted(*args), sealed))
        return good("weight.accepted", params, (WeightAccepted(*args),))
    return bad("weight.out_of_tolerance", params, records=(WeightRejected(*args),))


def confirm_check(state: PackState, index: int, env: Env) -> Result:
    if state.order is None or state.stage is not Step.CHECKS:
        return bad("checks.not_now")
    if not 0 <= index < len(state.checks):
        return bad("checks.no_such", {"number": index + 1, "total": len(state.checks)})
    item = state.checks[index]
    params: dict[str, object] = {"text": item.text, "number": index + 1}
    if state.skipped(index) is not None:
        return good("checks.already_skipped", params)
    if index in state.checks_done:
        return good("checks.already", params)
    record = CheckConfirmed(env.at, state.order.id, index, item.profile, item.text)
    return good("checks.confirmed", params, (record,))


def skip_check(state: PackState, order: OrderView) -> Result:
    """F9 / CMD:LEAD at the checks step: a lead may let the packer skip the next packaging
    check (badge, PIN, reason). Documents are never skipped: they are scanned."""
    index = state.next_check
    if index is None:
        params: dict[str, object] = {"document": state.next_document, "order": order.id}
        return bad("checks.document_not_skippable", params)
    item = state.checks[index]
    flow = OverrideFlow(Purpose.SKIP_CHECK, check=index)
    return good("checks.skip_started", {"text": item.text, "number": index + 1}, flow=flow)


def document_scan(state: PackState, code: ScannedCode, env: Env) -> Result:
    order = state.order
    if order is None:
        return bad("document.no_order")
    kind, ref = code.command or "", code.order_ref or ""
    if ref.casefold() != order.id.casefold():
        params: dict[str, object] = {"document": kind, "other": ref, "order": order.id}
        return bad("document.other_order", params, other_order=ref)
    if kind not in state.documents:
        return bad("document.not_needed", {"document": kind, "order": order.id})
    if kind in state.documents_done:
        return good("document.already", {"document": kind})
    if state.stage is not Step.CHECKS:
        return bad("document.not_yet", {"document": kind})
    record = DocumentConfirmed(env.at, order.id, kind, code.text)
    return good("document.confirmed", {"document": kind}, (record,))
