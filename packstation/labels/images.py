"""The parcel label as a PNG at 203 dpi (4x6 inch, like the ZPL label), for any printer.

The barcode is python-barcode's Code128 pattern drawn in whole pixels: 3 dots a
module (ZPL's ``^BY3``), 2 when a long parcel id needs it to fit the label with
its quiet zones, and never resized, since resampled bars do not scan. The font
is the DejaVu Sans Mono that python-barcode ships, so Cyrillic addresses render
on a machine with no fonts installed.
"""

from __future__ import annotations

import io

from packstation.labels.canvas import RasterPage, draw_symbol
from packstation.labels.content import LabelData
from packstation.labels.symbols import SymbolError, code128, fit_module

LABEL_SIZE = (812, 1218)  # 4x6 inch at 203 dpi, like the ZPL label
LABEL_DPI = 203
MODULE_DOTS = 3  # like ZPL ^BY3
BAR_TOP = 740
BAR_HEIGHT = 150


def render_png(label: LabelData) -> bytes:
    """The label as PNG bytes; SymbolError (shown to the packer) if its barcode cannot fit."""
    from PIL import Image

    page = RasterPage(Image.new("L", LABEL_SIZE, 255), LABEL_DPI)
    draw = page.draw
    y = 40
    for i, line in enumerate(label.text_lines()):
        if line:
            draw.text((30, y), line, fill=0, font=page.font(40 if i == 0 else 30))
        y += 52 if i == 0 else 42
    if label.marks:
        draw.rectangle((30, 630, 782, 690), fill=0)
        draw.text((40, 640), label.marks_line, fill=255, font=page.font(40))
    draw.rectangle((20, 700, 792, 703), fill=0)
    symbol = code128(label.parcel_id)
    # The quiet zones are part of the symbol: it may use the label's full width.
    module = fit_module(symbol, LABEL_DPI, LABEL_SIZE[0] * 25.4 / LABEL_DPI, MODULE_DOTS)
    if module is None:
        raise SymbolError(f"parcel id {label.parcel_id!r} is too long for the label")
    left = (LABEL_SIZE[0] - symbol.width * module) // 2
    draw_symbol(page, symbol, left, BAR_TOP, module, BAR_HEIGHT)
    text_font = page.font(28)
    text_x = (LABEL_SIZE[0] - draw.textlength(label.parcel_id, font=text_font)) / 2
    draw.text((text_x, BAR_TOP + BAR_HEIGHT + 10), label.parcel_id, fill=0, font=text_font)
    buf = io.BytesIO()
    page.image.save(buf, "PNG", dpi=(LABEL_DPI, LABEL_DPI))
    return buf.getvalue()
