"""What a scanned line means: command, box, document, item code, marking code or text.

Pure logic (no UI, storage or serial). ``parse_code`` never raises: the scanner
is untrusted input, and a crash on a bad scan would stop the station. Every
problem ends up in ``ScannedCode.errors`` instead.

Order of interpretation (SPEC section 3):

1. Trailing CR/LF is dropped (``raw``); other control characters except GS
   (FNC1) are removed (``text``), so nothing reaches the UI as a terminal
   escape. Markup-looking text such as ``[red]`` is kept literally; escaping it
   is the UI's job.
2. An AIM symbology identifier (``]E0``, ``]C1``, ``]d2`` ...) is stripped
   *before* the namespaces are checked, so ``CMD:``/``BOX:``/``DOC:`` cards
   still work on a scanner that sends AIM prefixes.
3. ``CMD:``, ``BOX:``, ``DOC:``, ``TARIFF:`` (case-insensitive) win over everything else.
4. All-digit codes of GTIN length (8, 12, 13, 14) and 18 digits (SSCC) are
   checked by their check digit; a failure is INVALID, never TEXT (a wrong
   check digit is its own error, not "unknown item"). A numeric order id of
   those lengths is therefore INVALID too; ``text`` still carries it for
   context lookups.
5. GS1 element strings (via biip). Without a GS1 AIM prefix or a GS in the
   data they only count if they carry AI 00, 01 or 02, because e.g.
   ``10-PACK`` or ``21ABC`` also parse as GS1 (batch, serial) but are SKUs.
   One that starts with AI 01 and a valid GTIN but does not parse (an expiry
   date of month 13) is INVALID with biip's reason, not an unknown SKU.
6. Everything else printable is TEXT (Code128 SKU, badge, order, tote ...).

Decisions:

* 8 digits: EAN-8 when its check digit is valid, else UPC-E when valid as
  such, else INVALID with the EAN-8 check digit message. ``]E4`` forces
  EAN-8, ``]E0`` forces UPC-E. ``gtin14`` and ``barcode_problem`` use the
  same rule, so what intake accepts is what the scan matches.
* 6/7-digit UPC-E (no check digit) is only recognised with an EAN/UPC AIM
  prefix; without it a 6/7-digit number is TEXT (badges, SKUs), since there
  is nothing to verify.
* Marking code (Chestny ZNAK): AI 01 + AI 21 + any of 91/92/93, or AI 01 +
  AI 21 in a GS1 DataMatrix (``]d2``; some scanners are set to drop the
  crypto part). ``identity`` is ``01<GTIN-14>21<serial>``; ``crypto_tail`` is
  the 91/92/93 element strings joined by GS, without leading/trailing GS.
* A keyboard wedge usually loses GS. A GS-less string that exactly matches
  the published layouts ``01 GTIN 21 <13> 91 <4> 92 <44|88>`` or
  ``01 GTIN 21 <6> 93 <4>`` is split by those fixed lengths; otherwise a
  GS-less 21 serial would swallow the crypto tail.
* Tobacco pack codes (29 chars, no AIs: GTIN-14, serial 7, MRP 4, check 4)
  are recognised when the first 14 characters are a valid GTIN; identity is
  ``01<GTIN-14>21<serial 7>`` (same shape as other marking codes) and the
  last 8 characters are the crypto tail.
* AI 00 present (and not a marking code) -> SSCC, with ``gtin`` from AI 01 if
  any. An EAN/UPC add-on (``]E3``) is dropped, the main code is used.
* Box types are upper-cased like command names (``box:s`` -> ``BOX:S``), so a
  caps-locked keyboard wedge still matches; order ids keep their case.
* INVALID results carry no gtin/serial/identity, so nothing can match on them.
  Over-long input keeps only the first ``MAX_CODE_LENGTH`` characters in ``text``.
* biip parses GS1 element strings and expands UPC-E; the plain mod-10 check of
  GTIN/SSCC digits is done here (``check_digits``) so every failure gets the same message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from msgspec.structs import replace

from packstation.domain.check_digits import (
    GTIN_NAMES,
    check_digit_problem,
    is_digits,
    numeric_gtin,
)
from packstation.domain.scanned_code import CodeKind, ScannedCode, short

if TYPE_CHECKING:  # biip loads its GS1 tables on import (~0.15 s): done lazily, off start-up
    from biip.gs1_element_strings import GS1ElementString

__all__ = [
    "GS",
    "MAX_CODE_LENGTH",
    "CodeKind",
    "ScannedCode",
    "parse_code",
]

GS = "\x1d"
"""ASCII group separator: how scanners transmit FNC1 between GS1 fields."""

MAX_CODE_LENGTH = 4096
"""Longer input is not a barcode (a stuck key, a pasted file): rejected unparsed."""


# --- small helpers ---------------------------------------------------------------

# Cc: C0/C1 controls incl. ESC and NUL; Cf: invisible format chars (bidi overrides,
# zero-width); Cs: lone surrogates (not encodable); Zl/Zp: line/paragraph separators.
_STRIP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

#: AIM/ISO symbology letters (biip.symbology.ISOSymbology; a test keeps them equal).
_ISO_LETTERS = frozenset("ABCDEFGHIKLMNOPQRSTUXYZcdeopsz")

_AIM_NAMES: dict[str, str] = {
    "C1": "GS1-128",
    "d2": "GS1 DataMatrix",
    "Q3": "GS1 QR",
    "I1": "ITF-14",
    "e0": "GS1 DataBar",
    "J1": "GS1 DotCode",
}
_AIM_FAMILIES: dict[str, str] = {
    "A": "Code39",
    "C": "Code128",
    "d": "DataMatrix",
    "E": "EAN/UPC",
    "F": "Codabar",
    "G": "Code93",
    "I": "ITF",
    "L": "PDF417",
    "Q": "QR",
    "e": "GS1 DataBar",
    "z": "Aztec",
}
# AIM prefixes that promise a GS1 element string (FNC1 in first position).
_GS1_AIMS = frozenset({"C1", "d2", "Q3", "e0", "e1", "e2", "J1"})

_MARKING_AIS = ("91", "92", "93")

# Chestny ZNAK layouts with fixed field lengths, for input that lost its GS.
_MARKING_NO_GS = (
    re.compile(r"01(\d{14})21([!-~]{13})(91[!-~]{4})(92[!-~]{44}(?:[!-~]{44})?)"),
    re.compile(r"01(\d{14})21([!-~]{6})(93[!-~]{4})"),
)
_TOBACCO = re.compile(r"(\d{14})([!-~]{7})([!-~]{8})")
#: AI 01 and 14 digits: a GS1 item code even without an AIM prefix or a GS.
_GTIN_FIRST = re.compile(r"01\d{14}")

_NAME = re.compile(r"[A-Z0-9_-]+")
_BOX_TYPE = re.compile(r"[A-Z0-9_.-]+")

_EAN_UPC_NAMES = frozenset({*GTIN_NAMES.values(), "UPC-E"})


def _clean(value: str) -> str:
    return "".join(
        ch for ch in value if ch == GS or unicodedata.category(ch) not in _STRIP_CATEGORIES
    )


def _strip_add_on(digits: str) -> str:
    """``]E3``: EAN/UPC followed by a 2- or 5-digit add-on; keep the main code."""
    for add_on in (2, 5):
        if len(digits) - add_on in (8, 12, 13):
            return digits[: len(digits) - add_on]
    return digits


def _split_aim(text: str) -> tuple[str | None, str]:
    if (
        len(text) >= 3
        and text[0] == "]"
        and text[1] in _ISO_LETTERS
        and text[2].isascii()
        and text[2].isalnum()
    ):
        return text[:3], text[3:]
    return None, text


def _symbology(aim_code: str | None, by_content: str) -> str:
    """AIM prefix names the symbology; EAN/UPC ones depend on the digit count."""
    if aim_code is None or (aim_code.startswith("E") and by_content in _EAN_UPC_NAMES):
        return by_content
    return _AIM_NAMES.get(aim_code) or _AIM_FAMILIES.get(aim_code[0], "unknown")


# --- interpretation steps ----------------------------------------------------------


def _namespace(base: ScannedCode, core: str) -> ScannedCode | None:
    """``CMD:``/``BOX:``/``DOC:``/``TARIFF:`` cards; names are upper-cased, order ids kept."""
    if core[:7].upper() == "TARIFF:":
        return _tariff_card(base, core[7:])
    prefix = core[:4].upper()
    if prefix not in ("CMD:", "BOX:", "DOC:"):
        return None
    rest = core[4:].strip(" ")
    base = replace(base, symbology=_symbology(base.aim and base.aim[1:], "Code128"))
    if prefix == "CMD:":
        name = rest.upper()
        if not _NAME.fullmatch(name):
            return _invalid(base, "malformed command: expected CMD:<NAME> (A-Z, 0-9, _ or -)")
        return replace(base, kind=CodeKind.COMMAND, command=name)
    if prefix == "BOX:":
        box = rest.upper()
        if not _BOX_TYPE.fullmatch(box):
            return _invalid(base, "malformed box code: expected BOX:<TYPE>")
        return replace(base, kind=CodeKind.BOX, command=f"BOX:{box}")
    kind, _, order = rest.partition(":")
    kind, order = kind.strip(" ").upper(), order.strip(" ")
    if not _NAME.fullmatch(kind) or not order:
        return _invalid(base, "malformed document code: expected DOC:<KIND>:<ORDER-ID>")
    return replace(base, kind=CodeKind.DOCUMENT, command=kind, order_ref=order)


def _tariff_card(base: ScannedCode, rest: str) -> ScannedCode:
    """``TARIFF:<CARRIER>:<TARIFF>``: the tariff a lead picks for a carrier override."""
    base = replace(base, symbology=_symbology(base.aim and base.aim[1:], "Code128"))
    carrier, _, tariff = rest.strip(" ").partition(":")
    carrier, tariff = carrier.strip(" ").upper(), tariff.strip(" ").upper()
    if not _BOX_TYPE.fullmatch(carrier) or not _BOX_TYPE.fullmatch(tariff):
        return _invalid(base, "malformed tariff code: expected TARIFF:<CARRIER>:<TARIFF>")
    return replace(base, kind=CodeKind.TARIFF, command=f"{carrier}:{tariff}")


def _invalid(base: ScannedCode, *errors: str, symbology: str | None = None) -> ScannedCode:
    return replace(
        base,
        kind=CodeKind.INVALID,
        symbology=symbology or base.symbology,
        errors=tuple(short(e) for e in errors),
    )


def _digits(base: ScannedCode, digits: str, aim_code: str | None) -> ScannedCode | None:
    if aim_code == "E3":
        digits = _strip_add_on(digits)
    interpreted = numeric_gtin(digits, aim_code)
    if interpreted is not None:
        gtin, name, error = interpreted
        symbology = _symbology(aim_code, name)
        if error is not None:
            return _invalid(base, error, symbology=symbology)
        return replace(base, kind=CodeKind.GTIN, symbology=symbology, gtin=gtin)
    if len(digits) == 18:
        symbology = _symbology(aim_code, "Code128")
        error = check_digit_problem(digits)
        if error is not None:
            return _invalid(base, f"SSCC: {error}", symbology=symbology)
        return replace(base, kind=CodeKind.SSCC, symbology=symbology, sscc=digits)
    return None


def _marking(
    base: ScannedCode,
    gtin: str,
    serial: str,
    tail: str | None,
    symbology: str,
) -> ScannedCode:
    error = check_digit_problem(gtin)
    if error is not None:
        return _invalid(base, f"AI 01 GTIN: {error}", symbology=symbology)
    return replace(
        base,
        kind=CodeKind.MARKING,
        symbology=symbology,
        gtin=gtin,
        serial=serial,
        identity=f"01{gtin}21{serial}",
        crypto_tail=tail,
    )


def _from_elements(
    base: ScannedCode, elements: Sequence[GS1ElementString], aim_code: str | None
) -> ScannedCode:
    first: dict[str, GS1ElementString] = {}
    for element in elements:
        first.setdefault(element.ai.ai, element)

    errors: list[str] = []
    gtin: str | None = None
    sscc: str | None = None
    if "01" in first:
        value = first["01"].value
        problem = check_digit_problem(value) if is_digits(value) else "not 14 digits"
        if problem is None and first["01"].gtin is not None:
            gtin = value
        else:
            errors.append(f"AI 01 GTIN: {problem or first['01'].gtin_error}")
    if "00" in first:
        value = first["00"].value
        problem = check_digit_problem(value) if is_digits(value) else "not 18 digits"
        if problem is None and first["00"].sscc is not None:
            sscc = value
        else:
            errors.append(f"AI 00 SSCC: {problem or first['00'].sscc_error}")

    serial = first["21"].value if "21" in first else None
    tail = GS.join(e.ai.ai + e.value for e in elements if e.ai.ai in _MARKING_AIS) or None
    is_marking = gtin is not None and serial is not None and bool(tail or aim_code == "d2")
    if is_marking:
        kind, content_name = CodeKind.MARKING, "GS1 DataMatrix"
    elif sscc is not None:
        kind, content_name = CodeKind.SSCC, "GS1-128"
    else:
        kind, content_name = CodeKind.GS1, "GS1-128"
    symbology = _symbology(aim_code, content_name)
    if errors:
        return _invalid(base, *errors, symbology=symbology)

    expiry = first["17"].date if "17" in first else None
    return replace(
        base,
        kind=kind,
        symbology=symbology,
        gtin=gtin,
        serial=serial,
        batch=first["10"].value if "10" in first else None,
        expiry=expiry,
        sscc=sscc,
        identity=f"01{gtin}21{serial}" if is_marking else None,
        crypto_tail=tail if is_marking else None,
    )


def _gs1(base: ScannedCode, core: str, aim_code: str | None) -> ScannedCode | None:
    gs1_context = aim_code in _GS1_AIMS or GS in core
    if GS not in core:
        for layout in _MARKING_NO_GS:
            found = layout.fullmatch(core)
            if found:
                tail = GS.join(found.groups()[2:])
                symbology = _symbology(aim_code, "GS1 DataMatrix")
                return _marking(base, found[1], found[2], tail, symbology)

    elements: Sequence[GS1ElementString] | None = None
    error = "no GS1 application identifier"
    if core[:2].isdigit() or core.startswith("("):
        from biip.gs1_messages import GS1Message

        try:
            if core.startswith("("):
                elements = GS1Message.parse_hri(core).element_strings
            else:
                elements = GS1Message.parse(core).element_strings
        except Exception as exc:  # ParseError mostly; biip is not our code to trust
            error = str(exc)
    if elements and (gs1_context or {"00", "01", "02"} & {e.ai.ai for e in elements}):
        return _from_elements(base, elements, aim_code)

    if GS not in core:
        found = _TOBACCO.fullmatch(core)
        if found and check_digit_problem(found[1]) is None:
            symbology = _symbology(aim_code, "DataMatrix")
            return _marking(base, found[1], found[2], found[3], symbology)

    gtin_first = elements is None and len(core) > 16 and _GTIN_FIRST.match(core) is not None
    if gs1_context or (gtin_first and check_digit_problem(core[2:16]) is None):
        return _invalid(
            base,
            f"not a valid GS1 element string: {error}",
            symbology=_symbology(aim_code, "GS1-128"),
        )
    return None


def _parse(raw: str) -> ScannedCode:
    if len(raw) > MAX_CODE_LENGTH:
        text = _clean(raw[:MAX_CODE_LENGTH]).strip(" ")
        return ScannedCode(
            raw=raw,
            text=text,
            kind=CodeKind.INVALID,
            symbology="unknown",
            errors=(f"code too long: {len(raw)} characters, at most {MAX_CODE_LENGTH}",),
        )

    aim, payload = _split_aim(_clean(raw).strip(" "))
    aim_code = aim[1:] if aim else None
    payload = payload.strip(" ")
    base = ScannedCode(
        raw=raw,
        text=payload,
        kind=CodeKind.EMPTY,
        symbology=_symbology(aim_code, "unknown"),
        aim=aim,
    )
    core = payload.strip(GS)
    if not core:
        return base

    result = _namespace(base, core)
    if result is None and core.isascii():
        if is_digits(core) and aim_code not in _GS1_AIMS:
            result = _digits(base, core, aim_code)
        if result is None:
            result = _gs1(base, core, aim_code)
    if result is None:
        result = replace(base, kind=CodeKind.TEXT, symbology=_symbology(aim_code, "Code128"))
    return result


# --- public API --------------------------------------------------------------------


def parse_code(raw: str) -> ScannedCode:
    """Interpret one scanned line. Never raises; problems are in ``errors``."""
    raw = raw.rstrip("\r\n")
    try:
        return _parse(raw)
    except Exception as exc:  # last resort: a bad scan must not stop the station
        return ScannedCode(
            raw=raw,
            text=_clean(raw[:MAX_CODE_LENGTH]).strip(" "),
            kind=CodeKind.INVALID,
            symbology="unknown",
            errors=(f"internal error while parsing code: {type(exc).__name__}",),
        )
