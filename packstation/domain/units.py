"""Units as they are packed: lot (AI 10), expiry (AI 17) and serial (AI 21, or asked for).

Pure rules, no storage (the workflow's decisions are in `workflow/units.py`):

* Expiry: a unit must still be good ``[expiry] margin_days`` after the order's delivery
  date: the order's ``deliver_by`` when its file gives one, else its ship-by date plus
  ``[expiry] transit_days``, else the day of the scan plus ``transit_days``. A unit that
  expires before that day is refused, with both dates shown.
* Serials: an order line flagged ``serial = "serial"`` or ``"imei"`` needs one per unit. A
  GS1 scan with AI 21 gives it (for an IMEI line only when it is a valid IMEI); otherwise
  the station asks for it right after the item, by scan. A serial is 4 to 64 printable
  ASCII characters without spaces; an IMEI is 15 digits whose last is the Luhn check digit
  of the first 14. A serial is unique within its product (the line's SKU), an IMEI among
  all IMEIs (scope ``IMEI``): one already shipped, and not returned since, is refused.
* Returns: a returned unit is matched to the units shipped in its order. A line whose
  every shipped unit has a serial takes a returned unit only by its serial; a serial (or,
  when every shipped unit of the line has a lot, a lot) that was not shipped in the order
  marks the unit as not ours.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from msgspec import Struct

from packstation.domain.codes import CodeKind, ScannedCode

__all__ = [
    "IMEI_SCOPE",
    "Mismatch",
    "SerialKind",
    "SerialProblem",
    "ShippedUnit",
    "UnitFacts",
    "delivery_date",
    "item_serial",
    "luhn_check_digit",
    "match_returned",
    "parse_serial_kind",
    "serial_line",
    "serial_problem",
    "serial_scope",
]

#: The scope of IMEIs: unique across every product.
IMEI_SCOPE = "IMEI"
SERIAL_MIN = 4
SERIAL_MAX = 64
IMEI_LENGTH = 15
#: AI 10 (batch/lot) is at most 20 characters; `packed_units.lot` and `defects.lot`.
LOT_MAX = 20
_SERIAL_CHARS = re.compile(r"[!-~]+")


class SerialKind(enum.StrEnum):
    """What an order line asks for after each unit (order files: ``"serial": ...``)."""

    SERIAL = "serial"
    IMEI = "imei"


class SerialProblem(enum.StrEnum):
    """Why scanned text is not a serial (the message key is ``serial.bad.<value>``)."""

    LENGTH = "length"
    CHARACTERS = "characters"
    IMEI_DIGITS = "imei_digits"
    IMEI_LENGTH = "imei_length"
    IMEI_CHECK = "imei_check"


def parse_serial_kind(value: str) -> SerialKind | None:
    """An order file's ``serial`` value: "" (none), "serial" or "imei" in any case.
    Raises ValueError for anything else."""
    text = value.strip().lower()
    if not text:
        return None
    return SerialKind(text)


def luhn_check_digit(payload: str) -> int:
    """The Luhn check digit of ``payload`` (digits): every second digit from the right,
    starting with the rightmost, is doubled (less 9 when over 9)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        digit = int(ch)
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def serial_problem(kind: SerialKind, text: str) -> tuple[SerialProblem, dict[str, object]] | None:
    """Why ``text`` cannot be a serial of this kind (with the message's values), or None."""
    if kind is SerialKind.IMEI:
        if not (text.isascii() and text.isdigit()):
            return SerialProblem.IMEI_DIGITS, {}
        if len(text) != IMEI_LENGTH:
            return SerialProblem.IMEI_LENGTH, {"got": len(text)}
        expected = luhn_check_digit(text[:-1])
        if expected != int(text[-1]):
            return SerialProblem.IMEI_CHECK, {"expected": expected, "got": text[-1]}
        return None
    if not SERIAL_MIN <= len(text) <= SERIAL_MAX:
        return SerialProblem.LENGTH, {"min": SERIAL_MIN, "max": SERIAL_MAX, "got": len(text)}
    if not _SERIAL_CHARS.fullmatch(text):
        return SerialProblem.CHARACTERS, {}
    return None


def item_serial(code: ScannedCode) -> str | None:
    """The serial (AI 21) an item's GS1 code carries. A marking code's is part of its
    identity, kept and checked as the marking code (``marking_codes``), not a serial here."""
    return None if code.kind is CodeKind.MARKING else code.serial


def serial_scope(kind: SerialKind | None, sku: str) -> str:
    """Where a serial must be unique: IMEIs among all IMEIs, other serials per product."""
    return IMEI_SCOPE if kind is SerialKind.IMEI else sku


def delivery_date(
    deliver_by: date | None, ship_by: datetime | None, now: datetime, transit_days: int
) -> date:
    """The day the order reaches the customer, as far as the station can tell: its
    ``deliver_by``, else its ship-by day plus the transit days, else today plus them.
    (Ship-by and now are taken on their own calendar: UTC as stored and as the station
    clock gives them.)"""
    if deliver_by is not None:
        return deliver_by
    start = ship_by if ship_by is not None else now
    return start.date() + timedelta(days=transit_days)


class UnitFacts(Struct, frozen=True):
    """What was captured of one packed unit (``order.packed`` carries them; stored in
    ``packed_units``): only units with a lot, an expiry or a serial."""

    line_id: int
    sku: str
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    #: Where the serial is unique (`serial_scope`); None without a serial.
    scope: str | None = None
    #: The parcel the unit went into (multi-box orders have several).
    parcel_id: str = ""


class ShippedUnit(Struct, frozen=True):
    """A unit that left in an order and has not come back: what returns match against."""

    line_id: int
    serial: str | None = None
    lot: str | None = None


class Mismatch(enum.StrEnum):
    """Why a returned unit is not the one shipped (stored as the return line's reason)."""

    SERIAL = "serial_mismatch"
    LOT = "lot_mismatch"
    #: The line shipped with serials, but the unit was scanned without one.
    NO_SERIAL = "no_serial"


def _of_line(units: Iterable[ShippedUnit], line_id: int) -> list[ShippedUnit]:
    return [u for u in units if u.line_id == line_id]


def serial_line(units: Sequence[ShippedUnit], serial: str) -> int | None:
    """The line of the shipped unit with this serial (a serial label scanned by itself)."""
    return next((u.line_id for u in units if u.serial == serial), None)


def match_returned(
    units: Sequence[ShippedUnit], line_id: int, out: int, serial: str | None, lot: str | None
) -> Mismatch | None:
    """Whether a returned unit of ``line_id`` is one of the ``out`` units of it shipped and
    not returned yet (``units``: those of them whose lot or serial was captured).

    A serial or lot is checked only when every one of those units has one (a line packed
    partly from plain barcodes cannot tell its units apart)."""
    mine = _of_line(units, line_id)
    serials = {u.serial for u in mine if u.serial}
    lots = {u.lot for u in mine if u.lot}
    every_serial = out > 0 and len([u for u in mine if u.serial]) >= out
    every_lot = out > 0 and len([u for u in mine if u.lot]) >= out
    if serial is not None and every_serial and serial not in serials:
        return Mismatch.SERIAL
    if serial is None and every_serial:
        return Mismatch.NO_SERIAL
    if lot is not None and every_lot and lot not in lots:
        return Mismatch.LOT
    return None
