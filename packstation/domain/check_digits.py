"""GS1 check digits and GTIN lengths: one rule for scans at the station and order intake."""

from __future__ import annotations

import re

from packstation.domain.scanned_code import short

__all__ = [
    "GTIN_NAMES",
    "barcode_problem",
    "check_digit_problem",
    "gtin14",
    "is_digits",
    "numeric_gtin",
]

_EXPECTED_GOT = re.compile(r"Expected (\d+), got (\d+)")

GTIN_NAMES = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}


def is_digits(value: str) -> bool:
    # str.isdigit() alone accepts e.g. Arabic-Indic digits; barcodes are ASCII.
    return value.isascii() and value.isdigit()


def _check_digit(payload: str) -> int:
    """GS1 mod-10: weights 3,1,3,1... from the right."""
    # Slices instead of a per-digit loop: intake checks every barcode of 100k-line files.
    total = 3 * sum(map(int, payload[::-1][::2])) + sum(map(int, payload[::-1][1::2]))
    return (10 - total % 10) % 10


def check_digit_problem(digits: str) -> str | None:
    expected = _check_digit(digits[:-1])
    if expected == int(digits[-1]):
        return None
    return f"bad check digit: expected {expected}, got {digits[-1]}"


def _upc_e(digits: str) -> tuple[str | None, str | None]:
    """(GTIN-14, error) for a 6/7/8-digit UPC-E, expanded by biip."""
    from biip.upc import Upc

    try:
        return Upc.parse(digits).as_gtin_14(), None
    except Exception as exc:  # biip raises ParseError, asserts on odd input
        message = str(exc)
        found = _EXPECTED_GOT.search(message)
        if "check digit" in message and found:
            return None, f"bad check digit: expected {found[1]}, got {found[2]}"
        if "number system" in message:
            return None, "not a valid UPC-E: number system digit must be 0 or 1"
        return None, short(message)


def numeric_gtin(digits: str, aim_code: str | None) -> tuple[str | None, str, str | None] | None:
    """Interpret all-digit text as a GTIN: (gtin14, symbology, error), None if not GTIN-shaped."""
    n = len(digits)
    ean_upc_aim = aim_code is not None and aim_code.startswith("E")
    gtin: str | None
    error: str | None
    if n == 8:
        candidates = ["UPC-E"] if aim_code == "E0" else ["EAN-8"]
        if aim_code not in ("E0", "E4"):
            candidates.append("UPC-E")
        first_error: str | None = None
        for name in candidates:
            if name == "EAN-8":
                gtin, error = digits.zfill(14), check_digit_problem(digits)
            else:
                gtin, error = _upc_e(digits)
            if error is None:
                return gtin, name, None
            first_error = first_error or error
        return None, candidates[0], first_error
    if n in (6, 7):
        if not ean_upc_aim:
            return None
        gtin, error = _upc_e(digits)
        return (gtin if error is None else None), "UPC-E", error
    if n in GTIN_NAMES:
        error = check_digit_problem(digits)
        return (digits.zfill(14) if error is None else None), GTIN_NAMES[n], error
    return None


# --- public API --------------------------------------------------------------------


def barcode_problem(code: str) -> str | None:
    """For order intake: a message if the barcode has a check digit and it is wrong.

    All-digit codes of 8, 12, 13 or 14 digits carry a check digit. 8 digits are
    checked as EAN-8 (the message names the EAN-8 digit) but a valid UPC-E is
    accepted too, exactly as ``parse_code`` accepts it at the station. Anything
    else (SKU-like Code128, 6/7-digit UPC-E) has nothing to verify.
    """
    digits = code.strip()
    if not is_digits(digits) or len(digits) not in (8, 12, 13, 14):
        return None
    interpreted = numeric_gtin(digits, None)
    return interpreted[2] if interpreted else None


def gtin14(code: str) -> str | None:
    """A valid GTIN-8/12/13/14 (or 8-digit UPC-E) as 14 digits, so order lines and scans compare."""
    digits = code.strip()
    if not is_digits(digits):
        return None
    interpreted = numeric_gtin(digits, None)
    if interpreted is None or interpreted[2] is not None:
        return None
    return interpreted[0]
