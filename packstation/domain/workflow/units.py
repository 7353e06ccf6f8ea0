"""Lot, expiry and serial of each unit: what an item scan captures, and what is kept.

An item scan's GS1 data (AI 10 lot, AI 17 expiry, AI 21 serial) goes on its
``scan.accepted`` record. A unit expiring before the order's delivery day plus
``[expiry] margin_days`` is refused, red, with both dates (`domain/units.py` says which
day that is). A line flagged ``serial``/``imei`` takes the serial from the item's code when
it carries one, else asks for it right after the item (`serials.py`, the serial step). A
serial already in this order, or shipped in another order and not returned since
(``Context.serial_shipped_in``; the database's unique index on ``packed_units`` decides a
race, as the marking-code key does), is refused. The units with something captured travel
on ``order.packed`` into ``packed_units``, and a defect carries its unit's.
"""

from __future__ import annotations

from datetime import date, timedelta

from packstation.domain.codes import ScannedCode
from packstation.domain.text import printable
from packstation.domain.units import (
    LOT_MAX,
    SerialKind,
    UnitFacts,
    delivery_date,
    item_serial,
    serial_problem,
    serial_scope,
)
from packstation.domain.workflow.model import LineView, OrderView
from packstation.domain.workflow.records import ScanAccepted
from packstation.domain.workflow.results import Env, Result, bad, good
from packstation.domain.workflow.state import AcceptedScan, PackState
from packstation.i18n import Msg

__all__ = [
    "accept_unit",
    "defect_unit",
    "kind_of",
    "packed_units",
    "removed_unit",
    "serial_what",
    "taken",
    "unit_to_remove",
]

_WHAT = {SerialKind.SERIAL: Msg("serial.what.serial"), SerialKind.IMEI: Msg("serial.what.imei")}


def kind_of(line: LineView) -> SerialKind | None:
    """What the line asks for after each unit (None: nothing)."""
    if not line.serial:
        return None
    return SerialKind.IMEI if line.serial == SerialKind.IMEI else SerialKind.SERIAL


def serial_what(kind: str) -> Msg:
    """The words for a serial kind in messages: "serial number" or "IMEI"."""
    return _WHAT[SerialKind.IMEI if kind == SerialKind.IMEI else SerialKind.SERIAL]


def _day(value: date) -> str:
    return f"{value:%d.%m.%Y}"


# --- the item scan -------------------------------------------------------------------------


def accept_unit(
    state: PackState, order: OrderView, line: LineView, code: ScannedCode, env: Env
) -> Result:
    """The unit counts on ``line``, with what its code carries; or why it may not."""
    expired = _expiry_refusal(order, line, code, env)
    if expired is not None:
        return expired
    kind = kind_of(line)
    serial = item_serial(code)
    if kind is SerialKind.IMEI and serial is not None and serial_problem(kind, serial):
        serial = None  # the code's own serial is not the IMEI: asked for after the item
    if serial is not None:
        refused = taken(state, order, serial_scope(kind, line.sku), serial, env, counted=False)
        if refused is not None:
            return refused
    ask = kind.value if kind is not None and serial is None else ""
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


def _expiry_refusal(order: OrderView, line: LineView, code: ScannedCode, env: Env) -> Result | None:
    """A unit that expires before the delivery day plus the margin: refused, both dates."""
    if code.expiry is None:
        return None
    rules = env.rules.expiry
    delivery = delivery_date(order.deliver_by, order.ship_by, env.at, rules.transit_days)
    until = delivery + timedelta(days=rules.margin_days)
    if code.expiry >= until:
        return None
    params: dict[str, object] = {
        "sku": line.sku,
        "expiry": _day(code.expiry),
        "until": _day(until),
    }
    why: dict[str, object] = {"delivery": _day(delivery), "days": rules.margin_days}
    return bad("scan.expires_too_soon", params, hint=Msg("hint.expiry_aside", why))


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
            if scan.serial == serial and line and serial_scope(kind_of(line), line.sku) == scope:
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
        scope = serial_scope(kind_of(line), line.sku) if scan.serial else None
        units.append(
            UnitFacts(
                scan.line_id,
                line.sku,
                scan.gtin,
                scan.lot,
                scan.expiry,
                scan.serial,
                scope,
                parcels.get(seq, ""),
            )  # fmt: skip
        )
    return tuple(units)
