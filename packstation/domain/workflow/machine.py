"""The pack workflow as a functional core: ``decide`` what happened, ``evolve`` the state.

``decide(state, command, ctx)`` validates a command against the state and
returns the records to commit plus the outcome to show; it changes nothing.
The app commits the records in one transaction and only then adopts
``apply(state, decision)`` and shows the outcome, so nothing turns green
before it is stored. ``step`` does both for tests and simulations.

Scan precedence (SPEC section 3): command, box, document, tariff card,
badge (logged out, or a lead's badge in an override), order/tote id (no order
held), parcel label (label step), then item codes.

Multi-parcel orders: CMD:NEWBOX closes the open box with the units scanned so
far (``box.split``); that box is then boxed and weighed like any parcel and
sealed with its weighing (``box.sealed``), and the remaining items go into a
new box. Checks and documents are per order, after the last box is weighed;
then one label per box is printed in one decision ("parcel n of m"), and the
order is packed when every label is scanned.
"""

from __future__ import annotations

from datetime import datetime

from msgspec.structs import replace

from packstation.domain.codes import CodeKind, ScannedCode
from packstation.domain.evidence import ClaimEvidence, claim_evidence
from packstation.domain.rules import PackRules
from packstation.domain.signals import keeps_alert, on_top
from packstation.domain.workflow.box_weight_checks import (
    box_scan,
    confirm_check,
    document_scan,
    skip_check,
    weigh,
)
from packstation.domain.workflow.boxing import override_box
from packstation.domain.workflow.carrier_labels import (
    carrier_action,
    labels_for,
    new_box,
    tariff_card,
)
from packstation.domain.workflow.commands import (
    Action,
    Command,
    ConfirmCheck,
    Context,
    Decision,
    Key,
    MarketplaceLabel,
    MarksRejected,
    PickKind,
    PickLine,
    PickReason,
    PinEntry,
    ScaleReading,
    Scan,
    Tick,
)
from packstation.domain.workflow.evolve import evolve, replay
from packstation.domain.workflow.explain import no_fit_message
from packstation.domain.workflow.hints import hint_for
from packstation.domain.workflow.instructions import confirm_checks, inserts_for, instructions_for
from packstation.domain.workflow.items import (
    bad_check_digit,
    check_digit_error,
    matching_lines,
    scan_item,
)
from packstation.domain.workflow.marketplace import (
    label_ready,
    marks_rejected,
    waiting_for_label,
)
from packstation.domain.workflow.model import (
    TRAINEE_ROLE,
    CheckItem,
    ClaimRefusal,
    DefectKind,
    OrderView,
    RefusalReason,
)
from packstation.domain.workflow.records import (
    CarrierNoFit,
    EvidenceMissing,
    LabelConfirmed,
    OrderClaimed,
    OrderPacked,
    OrderReleased,
    Record,
    ScanRejected,
    ScanUndone,
    SessionLogin,
    SessionLogout,
)
from packstation.domain.workflow.results import QUIET, Env, Keep, Result, bad, good
from packstation.domain.workflow.serials import serial_step
from packstation.domain.workflow.state import (
    DefectFlow,
    Outcome,
    OverrideFlow,
    PackState,
    Purpose,
    Step,
)
from packstation.domain.workflow.subflows import (
    MAX_PIN_FAILURES,
    defect_line_by_scan,
    enter_pin,
    lead_badge,
    pick_kind,
    pick_line,
    pick_reason,
)
from packstation.domain.workflow.units import packed_units
from packstation.i18n import Msg

__all__ = ["MAX_PIN_FAILURES", "apply", "decide", "plan_for", "step"]

_KINDS_BY_COMMAND = {kind.name: kind for kind in DefectKind} | {"WRONG-ITEM": DefectKind.WRONG_ITEM}
#: Codes that are never an item, a badge or an order (cards with their own meaning).
_CARDS = (CodeKind.BOX, CodeKind.DOCUMENT, CodeKind.TARIFF)


# --- public API ----------------------------------------------------------------------


def step(state: PackState, command: Command, ctx: Context) -> tuple[PackState, Decision]:
    """Decide, then fold the records: what the app does after a successful commit."""
    decision = decide(state, command, ctx)
    return apply(state, decision), decision


def apply(state: PackState, decision: Decision) -> PackState:
    """The state once ``decision.records`` are committed; red outcomes stay as the alert
    (until the next good result or CMD:OK; the scale's green leaves a mis-ship red up:
    ``signals.keeps_alert``; a lesser red keeps it too: ``signals.on_top``)."""
    reused = decision.folded if decision.base is state else None
    new = reused if reused is not None else replay(decision.records, state)
    outcome = decision.outcome
    alert = state.alert if outcome.quiet else (None if outcome.ok else outcome)
    if alert is None and keeps_alert(state.alert, outcome):
        alert = state.alert
    elif alert is outcome:  # a lesser red keeps an earlier mis-ship red on screen with it
        alert = on_top(state.alert, outcome)
    return replace(new, flow=decision.flow, alert=alert)


def decide(state: PackState, command: Command, ctx: Context) -> Decision:
    """Judge ``command`` in ``state``: the records to commit and the outcome to show.

    Pure apart from ``ctx`` lookups (and ``ctx.new_parcel_id`` when a label is
    due). Red scans add a ``scan.rejected`` audit record; reaching the label step
    prints the label in the same decision, so the packer never waits on a key.
    """
    env = Env(ctx, ctx.rules, ctx.now())
    result = _dispatch(state, command, env)
    records = list(result.records)
    flow = state.flow if isinstance(result.flow, Keep) else result.flow
    post = replay(records, state)
    ok, message = result.ok, result.message
    if (
        ok
        and result.prints
        and not result.quiet
        and flow is None
        and post.stage is Step.LABEL
        and not post.parcels
    ):
        printed = labels_for(post, env, reprint=False)
        if isinstance(printed, tuple):
            records.extend(printed)
            post = replay(printed, post)
        elif isinstance(printed, CarrierNoFit):
            if post.no_fit is None:  # recorded once; a retry only repeats the message
                records.append(printed)
                post = evolve(post, printed)
            ok, message = False, no_fit_message(printed.result)
        else:
            ok, message = False, printed
    shown = command.code.text if isinstance(command, Scan) else None
    if not result.ok and isinstance(command, Scan):
        order_id = state.order.id if state.order else None
        reason = result.message.key
        rejected = ScanRejected(env.at, order_id, shown or "", reason, result.other_order)
        records.append(rejected)
        post = evolve(post, rejected)  # its time only: what the hint is based on is the same
    hint = result.hint or hint_for(
        post if post.flow is flow else replace(post, flow=flow), env.rules
    )
    bell = not ok and result.bell and not result.quiet
    outcome = Outcome(ok, message, hint, bell, shown, result.quiet)
    return Decision(tuple(records), outcome, flow, folded=post, base=state)


def plan_for(order: OrderView, rules: PackRules) -> tuple[tuple[CheckItem, ...], tuple[str, ...]]:
    """The order's packaging checklist and required documents, fixed into ``order.claimed``.

    Profiles: always, then fragile / liquid / marked when a line has the flag,
    international when shipped abroad, then the order's own extra profiles; then its
    confirm instructions. Inserts (gift note, flyers) follow the documents.
    """
    profiles = ["always"]
    flags = {
        "fragile": any(line.fragile for line in order.lines),
        "liquid": any(line.liquid for line in order.lines),
        "marked": any(line.marked for line in order.lines),
        "international": not rules.documents.is_domestic(order.country),
    }
    profiles += [name for name, present in flags.items() if present]
    profiles += list(order.profiles)
    checks = tuple(
        CheckItem(profile, text)
        for profile in dict.fromkeys(profiles)
        for text in rules.checklist(profile)
    )
    checks += confirm_checks(instructions_for(order, rules))
    return checks, rules.documents.required_for(order.country) + inserts_for(order, rules)


# --- dispatch --------------------------------------------------------------------------


def _dispatch(state: PackState, command: Command, env: Env) -> Result:
    match command:
        case Scan(code=code):
            return _scan(state, code, env)
        case Key(action=action):
            return _action(state, action, env)
        case ScaleReading():
            return weigh(state, command, env)
        case Tick(now=now, active_at=active_at):
            return _tick(state, now, active_at, env)
        case PickLine(number=number):
            return pick_line(state, number)
        case PickKind(kind=kind):
            return pick_kind(state, kind, env)
        case ConfirmCheck(number=number):
            if state.flow is not None:
                return bad("flow.busy")
            return confirm_check(state, number - 1, env)
        case PinEntry(pin=pin):
            return enter_pin(state, pin, env)
        case PickReason():
            return pick_reason(state, command, env)
        case MarketplaceLabel():
            return label_ready(state, command, env)
        case MarksRejected():
            return marks_rejected(state, command, env)
    return QUIET  # pragma: no cover - exhaustive match


def _scan(state: PackState, code: ScannedCode, env: Env) -> Result:
    if code.kind is CodeKind.EMPTY:
        return QUIET
    if code.kind is CodeKind.COMMAND and code.command:
        return _command(state, code.command, env)
    if state.operator is None:
        if code.kind in _CARDS:
            return bad("login.badge_first")
        return _login(code, env)
    flow = state.flow
    if isinstance(flow, OverrideFlow):
        if flow.lead is None and code.kind not in _CARDS:
            return lead_badge(state, flow, code, env)
        return bad("flow.busy")
    if isinstance(flow, DefectFlow):
        if flow.line_id is None and code.kind not in _CARDS:
            return defect_line_by_scan(state, code)
        return bad("flow.busy")
    serial = serial_step(state, code, env)  # the last unit's serial or IMEI is due
    if serial is not None:
        return serial
    if code.kind is CodeKind.BOX:
        return box_scan(state, code, env)
    if code.kind is CodeKind.DOCUMENT:
        return document_scan(state, code, env)
    if code.kind is CodeKind.TARIFF:
        return tariff_card(state, code, env)
    if state.order is None:
        return _claim_by_scan(state, code, env)
    if state.stage is Step.LABEL and state.parcels:
        return _label_scan(state, state.order, code, env)
    return scan_item(state, state.order, code, env)


def _label_scan(state: PackState, order: OrderView, code: ScannedCode, env: Env) -> Result:
    """A parcel label scanned back: that label is on its box; the last one packs the order."""
    parcel = next((p for p in state.parcels if code.text in p.codes), None)
    if parcel is None:
        pending = waiting_for_label(state)
        if pending is not None and not matching_lines(order, code):
            return pending
        waiting = state.parcel
        if waiting is not None and not matching_lines(order, code) and not check_digit_error(code):
            return bad("label.wrong", {"parcel": waiting.shown})
        return scan_item(state, order, code, env)
    params: dict[str, object] = {
        "order": order.id,
        "parcel": parcel.shown,
        "n": parcel.seq,
        "m": parcel.count,
    }
    if parcel.confirmed:
        return good("label.already", params)
    confirmed = LabelConfirmed(env.at, order.id, parcel.parcel_id)
    left = [p for p in state.parcels if not p.confirmed and p is not parcel]
    if left:
        params["next"] = left[0].shown
        return good("label.confirmed", params, (confirmed,))
    ids = tuple(p.parcel_id for p in state.parcels)
    packed = OrderPacked(
        env.at, order.id, parcel.parcel_id, ids if len(ids) > 1 else (), packed_units(state)
    )
    if len(ids) > 1:
        return good(
            "order.packed_parcels", {"order": order.id, "count": len(ids)}, (confirmed, packed)
        )
    return good("order.packed", {"order": order.id, "parcel": parcel.shown}, (confirmed, packed))


def _command(state: PackState, name: str, env: Env) -> Result:
    if name in _KINDS_BY_COMMAND:
        return pick_kind(state, _KINDS_BY_COMMAND[name], env)
    try:
        action = Action(name)
    except ValueError:
        return bad("command.unknown", {"command": f"CMD:{name}"})
    return _action(state, action, env)


# --- session and claim -------------------------------------------------------------------


def _login(code: ScannedCode, env: Env) -> Result:
    operator = env.ctx.operator_by_badge(code.text)
    if operator is None:
        return bad("login.unknown_badge", {"badge": code.text})
    if operator.role == TRAINEE_ROLE:  # real orders only once a lead marked them ready
        return bad("login.trainee", {"name": operator.name})
    return good(
        "login.ok",
        {"name": operator.name, "role": operator.role},
        (SessionLogin(env.at, operator),),
    )


def _claim_by_scan(state: PackState, code: ScannedCode, env: Env) -> Result:
    found = env.ctx.find_order(code.text)
    if found is None:
        if check_digit_error(code):
            return bad_check_digit(code)
        if code.kind in (CodeKind.GTIN, CodeKind.GS1, CodeKind.MARKING, CodeKind.SSCC):
            return bad("claim.item_without_order")
        return bad("claim.not_found", {"code": code.text})
    if isinstance(found, ClaimRefusal):
        return _refused(found)
    via = "tote" if found.tote and code.text == found.tote and code.text != found.id else "id"
    return _claim(found, via, env)


def _refused(refusal: ClaimRefusal) -> Result:
    if refusal.reason is RefusalReason.HELD_ELSEWHERE:
        return bad("claim.held_elsewhere", {"order": refusal.order_id, "station": refusal.station})
    return bad("claim.not_packable", {"order": refusal.order_id, "status": refusal.status})


def _claim(order: OrderView, via: str, env: Env) -> Result:
    camera = env.ctx.camera
    evidence = claim_evidence(camera)
    if evidence is ClaimEvidence.REFUSED and camera is not None:
        state = Msg(f"camera.state.{camera.state}")
        return bad("claim.no_camera", {"order": order.id, "camera": state})
    checks, documents = plan_for(order, env.rules)
    shown = instructions_for(order, env.rules)
    records: tuple[Record, ...] = (OrderClaimed(env.at, order, checks, documents, via, shown),)
    if evidence is ClaimEvidence.MISSING and camera is not None:
        records += (EvidenceMissing(env.at, order.id, camera.state, camera.detail),)
    params: dict[str, object] = {"order": order.id, "units": order.units, "city": order.city}
    return good("claim.ok", params, records)


def _tick(state: PackState, now: datetime, active_at: datetime | None, env: Env) -> Result:
    limit = env.rules.idle_logout_s
    last = state.last_activity
    if last is not None and active_at is not None:
        last = max(last, active_at)
    if (
        limit
        and state.operator is not None
        and state.order is None
        and state.flow is None
        and last is not None
        and (now - last).total_seconds() >= limit
    ):
        record = SessionLogout(env.at, state.operator.id, "idle")
        return good("logout.idle", {"name": state.operator.name}, (record,))
    return QUIET


# --- keys ----------------------------------------------------------------------------------


def _action(state: PackState, action: Action, env: Env) -> Result:
    if action is Action.OK and state.alert is not None:
        return good("alert.dismissed")
    if state.flow is not None:
        if action is Action.CANCEL:
            return good("flow.cancelled", flow=None)
        if action is Action.OK:
            return QUIET
        return bad("flow.busy")
    if state.operator is None:
        return QUIET if action is Action.OK else bad("login.badge_first")
    order = state.order
    if action is Action.LOGOUT:
        if order is not None:
            return bad("logout.order_open", {"order": order.id})
        record = SessionLogout(env.at, state.operator.id)
        return good("logout.ok", {"name": state.operator.name}, (record,))
    if action is Action.NEXT:
        if order is not None:
            return bad("order.finish_first", {"order": order.id})
        found = env.ctx.next_order()
        if found is None:
            return bad("claim.queue_empty", bell=False)
        return _claim(found, "next", env)
    if order is None:
        return QUIET if action in (Action.OK, Action.CANCEL) else bad("order.none")
    if action is Action.OK:
        return _ok_key(state, env)
    if action is Action.UNDO:
        return _undo(state, order, env)
    if action is Action.NEWBOX:
        return new_box(state, order, env)
    if action in (Action.CARRIER, Action.HOLD) or (
        action is Action.LEAD and state.stage is Step.LABEL and not state.weight_blocked
    ):
        return carrier_action(state, order, action, env)
    if state.any_confirmed and action is Action.DEFECT:
        return bad("label.finish_first", {"parcel": state.parcel.parcel_id if state.parcel else ""})
    if action is Action.DEFECT:
        only = order.lines[0].line_id if len(order.lines) == 1 else None
        return good("defect.started", {"order": order.id}, flow=DefectFlow(only))
    if action is Action.CANCEL:
        if not state.touched:
            return good("order.released", {"order": order.id}, (OrderReleased(env.at, order.id),))
        return good("cancel.needs_lead", {"order": order.id}, flow=OverrideFlow(Purpose.CANCEL))
    if action is Action.REPRINT:
        if state.stage is not Step.LABEL:
            return bad("label.not_yet")
        if not state.parcels:
            return good("label.retry")  # decide's follow-up prints it
        printed = labels_for(state, env, reprint=True)
        records = printed if isinstance(printed, tuple) else ()
        shown = ", ".join(r.parcel_id for r in records)
        return good("label.reprinted", {"parcel": shown}, records)
    # Action.LEAD
    box_override = override_box(state)  # right after a box was refused for size
    if box_override is not None:
        return box_override
    if state.weight_blocked:
        return good("override.started", flow=OverrideFlow(Purpose.WEIGHT))
    if state.stage is Step.CHECKS:
        return skip_check(state, order)
    return bad("override.nothing")


def _ok_key(state: PackState, env: Env) -> Result:
    stage = state.stage
    if stage is Step.CHECKS:
        index = state.next_check
        if index is not None:
            return confirm_check(state, index, env)
        return bad(
            "document.missing",
            {"document": state.next_document, "order": state.order.id if state.order else ""},
        )
    if stage is Step.LABEL and not state.parcels:
        return good("label.retry")
    return QUIET


def _undo(state: PackState, order: OrderView, env: Env) -> Result:
    if state.box is not None:
        return bad("undo.too_late")
    if not state.scans:
        return bad("undo.nothing")
    if state.splitting or not state.open_units:
        return bad("undo.box_closed", {"n": len(state.sealed) + (1 if state.splitting else 0)})
    last = state.scans[-1]
    line = order.line(last.line_id)
    record = ScanUndone(env.at, order.id, last.line_id, last.code, last.identity)
    params: dict[str, object] = {
        "sku": line.sku if line else "",
        "packed": state.packed(last.line_id) - 1,
        "required": state.required(line) if line else 0,
    }
    return good("undo.ok", params, (record,))
