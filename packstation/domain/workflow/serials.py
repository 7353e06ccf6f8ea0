"""The serial step: the serial number or IMEI of the unit just scanned, by scan.

A line flagged ``serial``/``imei`` whose item code carried no serial (`units.py`) leaves
its unit waiting (``PackState.serial_due``; the step is ``Step.SERIAL``). The next scan is
read as that unit's serial: a box, document or tariff card, an item's barcode or the
order's id is refused as not a serial; an IMEI must have 15 digits and its Luhn check
digit; a serial already in this order or shipped in another is refused (CMD:UNDO takes the
unit back). Commands still work (CMD:UNDO, CMD:DEFECT, CMD:CANCEL); CMD:NEWBOX waits.

A marketplace line may ask instead for the unit's УИН (16 characters, unique among all
УИНs; never the item code's own serial) or its best-before date: a GS1 code of the unit
(or a label) with AI 17, or a date as a keyboard or a date card gives it (dd.mm.yyyy,
yyyy-mm-dd); a date before the delivery day plus the margin is refused as at the item
scan. The marketplace gets each of them with the parcel (`station/marketplace_agent`).
"""

from __future__ import annotations

from packstation.domain.codes import CodeKind, ScannedCode
from packstation.domain.text import printable
from packstation.domain.units import SerialKind, SerialProblem, item_serial, serial_problem
from packstation.domain.workflow.items import check_digit_error, matching_lines
from packstation.domain.workflow.model import LineView, OrderView
from packstation.domain.workflow.records import SerialCaptured
from packstation.domain.workflow.results import Env, Result, bad, good
from packstation.domain.workflow.state import PackState
from packstation.domain.workflow.units import (
    DATE_FORMS,
    EXPIRY,
    UIN,
    expiry_refusal,
    scope_of,
    serial_what,
    taken,
    uin_problem,
    written_date,
)
from packstation.i18n import Msg

__all__ = ["serial_pending", "serial_step"]

_CARDS = (CodeKind.BOX, CodeKind.DOCUMENT, CodeKind.TARIFF)
#: Codes that name a product or a parcel, never a serial number.
_NOT_SERIALS = (CodeKind.GS1, CodeKind.MARKING, CodeKind.SSCC)
_PROBLEM = {
    SerialProblem.LENGTH: Msg("serial.bad.length"),
    SerialProblem.CHARACTERS: Msg("serial.bad.characters"),
    SerialProblem.IMEI_DIGITS: Msg("serial.bad.imei_digits"),
    SerialProblem.IMEI_LENGTH: Msg("serial.bad.imei_length"),
    SerialProblem.IMEI_CHECK: Msg("serial.bad.imei_check"),
}


def serial_pending(state: PackState) -> Result | None:
    """Red while the last unit's serial is due (what may not happen before it is given)."""
    due = state.serial_due
    order = state.order
    if due is None or order is None:
        return None
    line = order.line(due.line_id)
    params: dict[str, object] = {"sku": line.sku if line else "", "what": serial_what(due.ask)}
    return bad("serial.first", params)


def serial_step(state: PackState, code: ScannedCode, env: Env) -> Result | None:
    """A scan while the last unit's serial is due: the serial, or why it is not one.
    None when no serial is due (the scan is read as usual)."""
    due = state.serial_due
    order = state.order
    if due is None or order is None:
        return None
    line = order.line(due.line_id)
    if line is None:  # pragma: no cover - the unit was counted on one of the order's lines
        return None
    if due.ask == EXPIRY:
        return _expiry_step(state, order, line, code, env)
    kind = due.ask
    what = serial_what(kind)
    params: dict[str, object] = {"sku": line.sku, "what": what}
    if code.kind in _CARDS:
        return bad("serial.first", params)
    matched = matching_lines(order, code)
    own = item_serial(code) if kind != UIN else None
    if own is not None and any(m.line_id == line.line_id for m in matched):
        text = own  # the unit's own GS1 code, with its serial (AI 21)
    elif matched or code.kind in _NOT_SERIALS or code.text in (order.id, order.tote):
        return bad("serial.item_scanned", params)
    elif code.kind is CodeKind.INVALID and not check_digit_error(code):
        detail = printable(code.errors[0], limit=60) if code.errors else ""
        return bad("serial.unreadable", {**params, "detail": detail})
    else:
        text = code.text  # a number with a wrong "check digit" is still a serial number
    problem = uin_problem(text) if kind == UIN else serial_problem(SerialKind(kind), text)
    if problem is not None:
        why = Msg(_PROBLEM[problem[0]].key, problem[1])
        return bad("serial.invalid", {**params, "why": why})
    refused = taken(state, order, scope_of(kind, line.sku), text, env, counted=True)
    if refused is not None:
        return refused
    record = SerialCaptured(env.at, order.id, line.line_id, text, kind)
    done: dict[str, object] = {
        **params,
        "serial": text,
        "packed": state.packed(line.line_id),
        "required": state.required(line),
    }
    return good("serial.recorded", done, (record,))


def _expiry_step(
    state: PackState, order: OrderView, line: LineView, code: ScannedCode, env: Env
) -> Result:
    """The best-before date of the last unit: from a GS1 code with AI 17 (the unit's own,
    or one of no item of the order: a date label), or a written date; kept as the unit's
    expiry (`units.packed_units`) and held to the same rule as a date in the item code."""
    params: dict[str, object] = {"sku": line.sku, "what": serial_what(EXPIRY)}
    if code.kind in _CARDS:
        return bad("serial.first", params)
    matched = matching_lines(order, code)
    if code.expiry is not None and all(m.line_id == line.line_id for m in matched):
        day = code.expiry
    elif matched or code.kind in _NOT_SERIALS or code.text in (order.id, order.tote):
        return bad("serial.item_scanned", params)
    else:
        written = written_date(code.text) if code.kind is CodeKind.TEXT else None
        if written is None:
            return bad("serial.unreadable", {**params, "detail": DATE_FORMS})
        day = written
    refused = expiry_refusal(order, line, day, env, Msg("hint.serial_undo"))
    if refused is not None:
        return refused
    record = SerialCaptured(env.at, order.id, line.line_id, day.isoformat(), EXPIRY)
    done: dict[str, object] = {
        **params,
        "serial": f"{day:%d.%m.%Y}",
        "packed": state.packed(line.line_id),
        "required": state.required(line),
    }
    return good("serial.recorded", done, (record,))
