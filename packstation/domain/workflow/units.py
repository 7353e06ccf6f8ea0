"""Lot, expiry and serial of each unit: what an item scan captures, and what is kept.

An item scan's GS1 data (AI 10 lot, AI 17 expiry, AI 21 serial) goes on its
``scan.accepted`` record. A unit expiring before the order's delivery day plus
``[expiry] margin_days`` is refused, red, with both dates (`domain/units.py` says which
day that is). A line flagged ``serial``/``imei`` takes the serial from the item's code when
it carries one, else asks for it right after the item (`serials.py`, the serial step).
Marketplace lines may ask instead for a piece of jewellery's УИН (``uin``, always asked)
or a best-before date (``expiry``, asked only when the code has no AI 17): what the
marketplace refuses to take the parcel without (`channels/orders.unit_ask`). A
serial already in this order, or shipped in another order and not returned since
(``Context.serial_shipped_in``; the database's unique index on ``packed_units`` decides a
race, as the marking-code key does), is refused. The units with something captured travel
on ``order.packed`` into ``packed_units``, and a defect carries its unit's.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from packstation.domain.codes import ScannedCode
from packstation.domain.text import printable
from packstation.domain.units import (
    LOT_MAX,
    SerialKind,
    SerialProblem,
    UnitFacts,
    delivery_date,
    item_serial,
    serial_problem,
    serial_scope,
)
from packstation.domain.workflow.facts import AcceptedScan
from packstation.domain.workflow.model import LineView, OrderView
from packstation.domain.workflow.records import ScanAccepted
from packstation.domain.workflow.results import Env, Result, bad, good
from packstation.domain.workflow.state import PackState
from packstation.i18n import Msg

__all__ = [
    "DATE_FORMS",
    "EXPIRY",
    "UIN",
    "UIN_SCOPE",
    "accept_unit",
    "ask_of",
    "defect_unit",
    "expiry_refusal",
    "packed_units",
    "removed_unit",
    "scope_of",
    "serial_what",
    "taken",
    "uin_problem",
    "unit_to_remove",
    "written_date",
]

#: Asked after a unit of a marketplace line besides a serial number or IMEI (order files
#: know only those two): the УИН a piece of jewellery carries in the state register (WB
#: and Ozon refuse to take it without), and the best-before date WB wants of goods with a
#: shelf life when the unit's code does not say it (no GS1 AI 17).
UIN = "uin"
EXPIRY = "expiry"
#: A УИН names one piece of jewellery among all: unique across every product.
UIN_SCOPE = "UIN"
#: WB's `meta/uin` takes exactly 16 characters (the spec's minLength and maxLength).
UIN_LENGTH = 16
#: How a best-before date may be given at the prompt, shown when a scan is none of them.
DATE_FORMS = "dd.mm.yyyy | yyyy-mm-dd | GS1 (17)"
_PRINTABLE = re.compile(r"[!-~]+")
_DDMMYYYY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

_WHAT = {
    SerialKind.SERIAL.value: Msg("serial.what.serial"),
    SerialKind.IMEI.value: Msg("serial.what.imei"),
    UIN: Msg("serial.what.uin"),
    EXPIRY: Msg("serial.what.expiry"),
}


def ask_of(line: LineView) -> str:
    """What the line asks for after each unit: "serial", "imei", "uin", "expiry" or ""
    (nothing). A flag the station does not know asks for a serial number, as before."""
    if not line.serial:
        return ""
    return line.serial if line.serial in _WHAT else SerialKind.SERIAL.value


def scope_of(ask: str, sku: str) -> str:
    """Where a unit's serial must be unique: IMEIs among all IMEIs, УИНs among all УИНs,
    any other serial within its product."""
    if ask == UIN:
        return UIN_SCOPE
    return serial_scope(SerialKind.IMEI if ask == SerialKind.IMEI else None, sku)


def serial_what(kind: str) -> Msg:
    """The words for what is asked in messages: "serial number", "IMEI", "UIN" or
    "best-before date"."""
    return _WHAT.get(kind, _WHAT[SerialKind.SERIAL.value])


def uin_problem(text: str) -> tuple[SerialProblem, dict[str, object]] | None:
    """Why ``text`` cannot be a УИН: WB takes 16 characters, printable, no spaces (the
    register's are digits; checked no further, so WB's own check has the last word)."""
    if len(text) != UIN_LENGTH:
        return SerialProblem.LENGTH, {"min": UIN_LENGTH, "max": UIN_LENGTH, "got": len(text)}
    if not _PRINTABLE.fullmatch(text):
        return SerialProblem.CHARACTERS, {}
    return None


def written_date(text: str) -> date | None:
    """A best-before date as a keyboard or a date card gives it (dd.mm.yyyy or
    yyyy-mm-dd); None when it is not a real date in one of those forms."""
    text = text.strip()
    if m := _DDMMYYYY.fullmatch(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO_DATE.fullmatch(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day(value: date) -> str:
    return f"{value:%d.%m.%Y}"


# --- the item scan -------------------------------------------------------------------------


def accept_unit(
    state: PackState, order: OrderView, line: LineView, code: ScannedCode, env: Env
) -> Result:
    """The unit counts on ``line``, with what its code carries; or why it may not."""
    if code.expiry is not None:
        expired = expiry_refusal(order, line, code.expiry, env, Msg("hint.expiry_aside"))
        if expired is not None:
            return expired
    ask = ask_of(line)
    if ask == EXPIRY and code.expiry is not None:
        ask = ""  # the code says it (AI 17): nothing to ask
    serial = item_serial(code)
    if serial is not None and (
        ask in (UIN, EXPIRY) or (ask == SerialKind.IMEI and serial_problem(SerialKind.IMEI, serial))
    ):
        # The code's own serial (AI 21) is not the IMEI, and never a УИН; a unit keeps one
        # value asked after it, so the date asked for takes the serial's place.
        serial = None
    if serial is not None:
        refused = taken(state, order, scope_of(ask, line.sku), serial, env, counted=False)
        if refused is not None:
            return refused
    ask = ask if serial is None else ""
    record = ScanAccepted(
        env.at, order.id, line.line_id, code.text, code.gtin, code.identity, code.crypto_tail,
        code.batch[:LOT_MAX] if code.batch else None, code.expiry, serial, ask,
    )  # fmt: skip
    params: dict[str, object] = {
        "sku": line.sku,
        "name": line.name,
        "packed": state.packed(line.line_id) + 1,
        "required": state.required(line),
    }
    if ask:
        params["what"] = serial_what(ask)
        return good("serial.ask", params, (record,))
    return good("scan.accepted", params, (record,))


def expiry_refusal(
    order: OrderView, line: LineView, expiry: date, env: Env, hint: Msg
) -> Result | None:
    """A unit that expires before the delivery day plus the margin: refused, both dates.
    ``hint`` says what to do with it (its key; the delivery day and margin are added):
    put aside at the item scan, taken back (CMD:UNDO) once it counts."""
    rules = env.rules.expiry
    delivery = delivery_date(order.deliver_by, order.ship_by, env.at, rules.transit_days)
    until = delivery + timedelta(days=rules.margin_days)
    if expiry >= until:
        return None
    params: dict[str, object] = {"sku": line.sku, "expiry": _day(expiry), "until": _day(until)}
    why: dict[str, object] = {"delivery": _day(delivery), "days": rules.margin_days}
    return bad("scan.expires_too_soon", params, hint=Msg(hint.key, {**hint.params, **why}))


def taken(
    state: PackState, order: OrderView, scope: str, serial: str, env: Env, *, counted: bool
) -> Result | None:
    """A serial already counted in this order, or shipped in another and not returned.
    ``counted``: the unit already counts (the serial step), so CMD:UNDO takes it back;
    else it was refused with its item scan and is only put aside."""
    shown = printable(serial, limit=40)
    aside = None if counted else Msg("hint.put_aside", {"order": order.id})
    if any(s.serial == serial for s in state.scans):
        by_id = {line.line_id: line for line in order.lines}
        for scan in state.scans:
            line = by_id.get(scan.line_id)
            if (
                scan.serial == serial
                and scan.ask != EXPIRY  # a date asked for, not a serial
                and line
                and scope_of(ask_of(line), line.sku) == scope
            ):
                return bad("serial.repeat", {"serial": shown, "order": order.id}, hint=aside)
    other = env.ctx.serial_shipped_in(scope, serial)
    if other is not None:
        params: dict[str, object] = {"serial": shown, "other": other}
        hint = Msg("hint.serial_undo") if counted else aside
        return bad("serial.shipped", params, hint=hint, other_order=other)
    return None


# --- defects and the packed order ----------------------------------------------------------


def defect_unit(state: PackState, code: ScannedCode) -> AcceptedScan | None:
    """The unit a scan in the defect dialog names: its code's lot, expiry and serial, or
    the counted unit whose serial this is (a serial label scanned by itself)."""
    serial = item_serial(code)
    if code.batch or code.expiry or serial:
        lot = code.batch[:LOT_MAX] if code.batch else None
        return AcceptedScan(0, code.text, code.gtin, code.identity, lot, code.expiry, serial)
    return next((s for s in state.scans if s.serial and s.serial == code.text), None)


def unit_to_remove(
    scans: tuple[AcceptedScan, ...], line_id: int, serial: str | None
) -> tuple[int, AcceptedScan] | None:
    """The counted unit of ``line_id`` a defect takes out: the one with ``serial``, else
    the line's most recent one."""
    found = [(i, s) for i, s in enumerate(scans) if s.line_id == line_id]
    if serial is not None:
        found = [(i, s) for i, s in found if s.serial == serial] or found
    return found[-1] if found else None


def removed_unit(
    state: PackState, line_id: int, unit: AcceptedScan | None
) -> tuple[int, AcceptedScan] | None:
    """The counted unit a defect takes out of the parcel (and its place among the scans):
    the one with the scanned unit's serial, else the line's last (`evolve` does the same)."""
    return unit_to_remove(state.scans, line_id, unit.serial if unit else None)


def packed_units(state: PackState) -> tuple[UnitFacts, ...]:
    """The order's units with a lot, expiry or serial, each with the parcel it went into."""
    order = state.order
    captured = [(i, s) for i, s in enumerate(state.scans) if s.lot or s.expiry or s.serial]
    if order is None or not captured:
        return ()
    by_id = {line.line_id: line for line in order.lines}
    parcels = {p.seq: p.parcel_id for p in state.parcels}
    limits = [box.upto for box in state.sealed]
    units: list[UnitFacts] = []
    for index, scan in captured:
        line = by_id.get(scan.line_id)
        if line is None:  # pragma: no cover - scans are of the order's lines
            continue
        seq = next((n for n, upto in enumerate(limits, start=1) if index < upto), len(limits) + 1)
        expiry, serial = scan.expiry, scan.serial
        if scan.ask == EXPIRY:  # the date asked for is the unit's expiry, not a serial
            expiry, serial = written_date(scan.serial or "") or expiry, None
        scope = scope_of(ask_of(line), line.sku) if serial else None
        units.append(
            UnitFacts(
                scan.line_id,
                line.sku,
                scan.gtin,
                scan.lot,
                expiry,
                serial,
                scope,
                parcels.get(seq, ""),
            )  # fmt: skip
        )
    return tuple(units)
