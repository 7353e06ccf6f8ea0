"""The two dialogs inside an order: recording a defect, and a lead's approval.

A lead approves with badge, PIN and a reason (purposes: weight, carrier, skipping a
packaging check, cancelling a started order); the reasons offered depend on the purpose."""

from __future__ import annotations

import math

from msgspec.structs import replace

from packstation.domain.codes import ScannedCode
from packstation.domain.rules import DefectPolicy
from packstation.domain.workflow.boxing import box_reason
from packstation.domain.workflow.commands import PickReason, PinVerdict
from packstation.domain.workflow.hints import grams
from packstation.domain.workflow.items import bad_check_digit, check_digit_error, matching_lines
from packstation.domain.workflow.model import DefectKind, Operator, OverrideReason
from packstation.domain.workflow.records import (
    BoxSealed,
    CarrierOverridden,
    CheckSkipped,
    DefectRecorded,
    NotificationQueued,
    OrderHeld,
    OrderReleased,
    OverrideDenied,
    WeightOverridden,
)
from packstation.domain.workflow.results import Env, Result, bad, good
from packstation.domain.workflow.state import DefectFlow, OverrideFlow, PackState, Purpose, Step
from packstation.domain.workflow.units import defect_unit, removed_unit
from packstation.i18n import Msg

__all__ = [
    "MAX_PIN_FAILURES",
    "defect_line_by_scan",
    "enter_pin",
    "lead_badge",
    "pick_kind",
    "pick_line",
    "pick_reason",
]

#: Wrong PINs in a row before the override dialog closes.
MAX_PIN_FAILURES = 3


# --- defects ---------------------------------------------------------------------------------


def defect_line_by_scan(state: PackState, code: ScannedCode) -> Result:
    if state.order is None:
        return bad("order.none", flow=None)
    if check_digit_error(code):
        return bad_check_digit(code)
    unit = defect_unit(state, code)  # its lot, expiry and serial go on the defect
    lines = matching_lines(state.order, code)
    if not lines and unit is not None and unit.serial == code.text:
        lines = [x for x in state.order.lines if x.line_id == unit.line_id]  # by its serial
    if not lines:
        return bad("defect.line_not_in_order", {"order": state.order.id})
    line = next((x for x in lines if state.required(x) > 0), lines[0])
    flow = DefectFlow(line.line_id, unit)
    return good("defect.line_chosen", {"sku": line.sku, "name": line.name}, flow=flow)


def pick_line(state: PackState, number: int) -> Result:
    if not isinstance(state.flow, DefectFlow) or state.order is None:
        return bad("defect.start_first")
    lines = state.order.lines
    if not 1 <= number <= len(lines):
        return bad("defect.no_such_line", {"number": number, "total": len(lines)})
    line = lines[number - 1]
    return good(
        "defect.line_chosen", {"sku": line.sku, "name": line.name}, flow=DefectFlow(line.line_id)
    )


def pick_kind(state: PackState, kind: DefectKind, env: Env) -> Result:
    flow, order = state.flow, state.order
    if not isinstance(flow, DefectFlow) or order is None:
        return bad("defect.start_first")
    line = order.line(flow.line_id) if flow.line_id is not None else None
    if line is None:
        return bad("defect.line_first")
    required = state.required(line)
    if required == 0:
        return bad("defect.nothing_left", {"sku": line.sku})
    policy = env.rules.defect_policy
    # Shipping an empty parcel is not "short": with nothing left the order is held.
    if policy is DefectPolicy.SHIP_SHORT and state.units_required <= 1:
        policy = DefectPolicy.HOLD
    packed = state.packed(line.line_id)
    removed = packed > 0 and (kind.takes_unit_out or packed > required - 1)
    out = removed_unit(state, line.line_id, flow.unit) if removed else None
    if removed and policy is DefectPolicy.SHIP_SHORT and state.sealed:
        # The unit would come out of the open box; one in a sealed, weighed box stays put.
        in_open = any(s.line_id == line.line_id for s in state.scans[state.sealed_units :])
        if not in_open or (out is not None and out[0] < state.sealed_units):
            return bad("defect.sealed", {"sku": line.sku}, flow=None)
    unit = flow.unit or (out[1] if out is not None else None)
    defect = DefectRecorded(
        env.at, order.id, line.line_id, line.sku, kind, 1, policy.value, removed,
        unit.lot if unit else None, unit.expiry if unit else None, unit.serial if unit else None,
    )  # fmt: skip
    notice = NotificationQueued(
        env.at,
        order.id,
        "order_defect",
        f"defect:{order.id}:{line.line_id}:{kind.value}:{env.at.isoformat()}",
        {"sku": line.sku, "name": line.name, "defect": kind.value, "resolution": policy.value},
    )
    params: dict[str, object] = {
        "order": order.id,
        "sku": line.sku,
        "defect": Msg(f"defect.kind.{kind.value}"),
    }
    if policy is DefectPolicy.HOLD:
        held = OrderHeld(env.at, order.id, f"defect:{kind.value}", line.line_id)
        return good("defect.held", params, (defect, notice, held), flow=None)
    if removed:
        return good("defect.short_removed", params, (defect, notice), flow=None)
    return good("defect.short", params, (defect, notice), flow=None)


# --- lead override ---------------------------------------------------------------------------


def lead_badge(state: PackState, flow: OverrideFlow, code: ScannedCode, env: Env) -> Result:
    lead = env.ctx.operator_by_badge(code.text)
    if lead is None:
        return bad("override.unknown_badge", {"badge": code.text})
    if not lead.is_lead:
        return bad("override.not_lead", {"name": lead.name})
    return good("override.lead_ok", {"name": lead.name}, flow=replace(flow, lead=lead))


def enter_pin(state: PackState, pin: str, env: Env) -> Result:
    flow = state.flow
    if not isinstance(flow, OverrideFlow) or flow.lead is None or flow.pin_ok:
        return bad("override.pin_not_expected")
    lead = flow.lead
    order_id = state.order.id if state.order else None
    verdict = env.ctx.verify_pin(lead, pin)
    if isinstance(verdict, bool):
        verdict = PinVerdict(verdict)
    if verdict.locked_until is not None:
        # Too many wrong PINs on this badge (here or elsewhere): no point in asking again.
        locked = (OverrideDenied(env.at, order_id, flow.purpose.value, "locked", lead.id),)
        until = verdict.locked_until
        minutes = max(1, math.ceil((until - env.at).total_seconds() / 60))
        params: dict[str, object] = {
            "name": lead.name,
            "until": f"{until.astimezone():%H:%M}",
            "minutes": minutes,
        }
        return bad("override.badge_locked", params, records=locked, flow=None)
    if not verdict.ok:
        failures = flow.failures + 1
        denied = (OverrideDenied(env.at, order_id, flow.purpose.value, "wrong_pin", lead.id),)
        if failures >= MAX_PIN_FAILURES:
            return bad("override.too_many", records=denied, flow=None)
        remaining = MAX_PIN_FAILURES - failures
        if verdict.attempts_left is not None:
            remaining = min(remaining, verdict.attempts_left)
        left: dict[str, object] = {"left": remaining}
        return bad(
            "override.wrong_pin", left, records=denied, flow=replace(flow, failures=failures)
        )
    return good("override.pin_ok", {"name": lead.name}, flow=replace(flow, pin_ok=True))


def pick_reason(state: PackState, command: PickReason, env: Env) -> Result:
    flow, weight, order = state.flow, state.weight, state.order
    if not isinstance(flow, OverrideFlow) or not flow.pin_ok or flow.lead is None:
        return bad("override.reason_not_expected")
    if flow.purpose is Purpose.CARRIER:
        return _carrier_reason(state, flow, flow.lead, command, env)
    if flow.purpose is Purpose.CANCEL:
        return _cancel_reason(state, flow.lead, command, env)
    if flow.purpose is Purpose.SKIP_CHECK:
        return _skip_reason(state, flow, flow.lead, command, env)
    if flow.purpose is Purpose.BOX:
        return box_reason(state, flow, flow.lead, command, env)
    if order is None or weight is None or not state.weight_blocked:
        return bad("override.nothing", flow=None)
    if not command.reason.for_weight:
        return bad("override.reason_other_purpose")
    note = command.note.strip()
    if command.reason is OverrideReason.OTHER and not note:
        return bad("override.note_required")
    record = WeightOverridden(
        env.at, order.id, weight.actual_g, weight.expected_g, weight.tolerance_g,
        weight.box_code, flow.lead.id, flow.lead.name, command.reason, note,
    )  # fmt: skip
    params: dict[str, object] = {"name": flow.lead.name, "actual": grams(weight.actual_g)}
    if state.splitting and state.box is not None:  # a box of a multi-parcel order: sealed
        sealed = BoxSealed(
            env.at, order.id, len(state.sealed) + 1, state.open_units, state.box.code,
            weight.actual_g, weight.expected_g,
        )  # fmt: skip
        return good("override.weight_ok", params, (record, sealed), flow=None)
    return good("override.weight_ok", params, (record,), flow=None)


def _carrier_reason(
    state: PackState, flow: OverrideFlow, lead: Operator, command: PickReason, env: Env
) -> Result:
    """The lead's reason for another tariff: recorded; the labels then print with it."""
    order = state.order
    if order is None or state.stage is not Step.LABEL or state.any_confirmed:
        return bad("override.nothing", flow=None)
    if not command.reason.for_carrier:
        return bad("override.reason_other_purpose")
    note = command.note.strip()
    if command.reason is OverrideReason.OTHER and not note:
        return bad("override.note_required")
    carrier, _, tariff = flow.tariff.partition(":")
    if state.no_fit is not None:
        rules_note = state.no_fit.note()
    else:
        rules_note = next((p.choice.note() for p in state.parcels if p.choice), "")
    packer = state.operator
    record = CarrierOverridden(
        env.at, order.id, carrier, tariff, lead.id, lead.name, command.reason, note,
        packer.id if packer else None, packer.name if packer else "", rules_note,
    )  # fmt: skip
    params: dict[str, object] = {"name": lead.name, "tariff": f"{carrier}/{tariff}"}
    return good("override.carrier_ok", params, (record,), flow=None)


def _reason_refused(purpose: Purpose, command: PickReason) -> Result | None:
    """A reason of another purpose, or OTHER without a note: refused, the dialog stays."""
    if not purpose.allows(command.reason):
        return bad("override.reason_other_purpose")
    if command.reason is OverrideReason.OTHER and not command.note.strip():
        return bad("override.note_required")
    return None


def _cancel_reason(state: PackState, lead: Operator, command: PickReason, env: Env) -> Result:
    """The lead's reason for cancelling a started order: it goes back to the queue."""
    order = state.order
    if order is None:
        return bad("order.none", flow=None)
    refused = _reason_refused(Purpose.CANCEL, command)
    if refused is not None:
        return refused
    record = OrderReleased(
        env.at, order.id, approved_by=lead.id, reason=command.reason, note=command.note.strip()
    )
    return good("cancel.approved", {"order": order.id, "name": lead.name}, (record,), flow=None)


def _skip_reason(
    state: PackState, flow: OverrideFlow, lead: Operator, command: PickReason, env: Env
) -> Result:
    """The lead's reason for skipping a packaging check: it then counts as done."""
    order, index = state.order, flow.check
    if (
        order is None
        or index is None
        or state.stage is not Step.CHECKS
        or not 0 <= index < len(state.checks)
        or index in state.checks_done
    ):
        return bad("override.nothing", flow=None)
    refused = _reason_refused(Purpose.SKIP_CHECK, command)
    if refused is not None:
        return refused
    item, packer = state.checks[index], state.operator
    record = CheckSkipped(
        env.at, order.id, index, item.profile, item.text, lead.id, lead.name, command.reason,
        command.note.strip(), packer.id if packer else None, packer.name if packer else "",
    )  # fmt: skip
    return good("checks.skipped", {"text": item.text, "name": lead.name}, (record,), flow=None)
