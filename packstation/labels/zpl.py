"""ZPL II for 4x6 inch labels at 203 dpi (DEVICES.md).

Field data goes through ^FH hex escapes, so a ^ or ~ inside a customer's
address cannot start a printer command. ^MMT is never emitted: it flips a
peel-off printer to tear-off mode until it is restarted.
"""

from __future__ import annotations

from packstation.labels.content import LabelData
from packstation.labels.symbols import CODE128_QUIET, LABEL_DPI, SymbolError, code128, fit_module

WIDTH_DOTS = 812
HEIGHT_DOTS = 1218


def escape_field(text: str) -> str:
    """Hex-escape the characters ZPL would read as commands (used with ^FH_)."""
    out = []
    for ch in text:
        if ch in "^~_\\" or ord(ch) < 0x20:
            out.append("".join(f"_{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return "".join(out)


def _text(x: int, y: int, size: int, value: str) -> str:
    return f"^FO{x},{y}^A0N,{size},{size}^FH_^FD{escape_field(value)}^FS"


def _barcode(parcel_id: str) -> str:
    """Code128 with the interpretation line; the scanner reads back exactly the parcel id.

    The printer draws whole dots; the module is 3 dots (or 2 for a long id) so the
    symbol and its 10-module quiet zones fit the label, centred like the PNG label.
    ^BC's automatic mode (A) packs digits like python-barcode's pattern, whose width
    is what is measured here. SymbolError when even 2 dots do not fit.
    """
    symbol = code128(parcel_id)
    module = fit_module(symbol, LABEL_DPI, WIDTH_DOTS * 25.4 / LABEL_DPI, 3)
    if module is None:
        raise SymbolError(f"parcel id {parcel_id!r} is too long for the label")
    left = (WIDTH_DOTS - symbol.width * module) // 2 + CODE128_QUIET * module
    return f"^FO{left},740^BY{module},3,150^BCN,150,Y,N,N,A^FH_^FD{escape_field(parcel_id)}^FS"


def render_zpl(label: LabelData) -> str:
    parts = ["^XA", "^CI28", f"^PW{WIDTH_DOTS}", f"^LL{HEIGHT_DOTS}", "^LH0,0"]
    y = 40
    for i, line in enumerate(label.text_lines()):
        if line:
            parts.append(_text(30, y, 48 if i == 0 else 34, line))
        y += 52 if i == 0 else 42
    if label.marks:  # reversed (white on black) so a handler sees it from a distance
        parts.append("^FO30,630^GB752,60,60^FS")
        parts.append(f"^FO40,642^A0N,44,44^FR^FH_^FD{escape_field(label.marks_line)}^FS")
    parts.append("^FO20,700^GB772,4,4^FS")
    parts.append(_barcode(label.parcel_id))
    parts.append("^XZ")
    return "\n".join(parts) + "\n"
