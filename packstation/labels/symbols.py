"""Barcode symbols as module grids, and the whole-dot module width that fits a space.

A printed bar is only as wide as the printer's dots allow: a module of 1.77
pixels, or one squeezed by resampling, prints as uneven bars that scanners (and
zxing-cpp) misread. So a symbol here is only its module pattern; the drawing
layer (``canvas.py``) turns each module into a whole number of dots of the
target resolution, and nothing is ever resized afterwards.

The patterns come from libraries we did not write: python-barcode builds
Code128, zxing-cpp builds GS1 DataMatrix. Both are imported only when a symbol
is built, so importing this module costs nothing at station start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MM_PER_INCH = 25.4
#: Thermal label printers: the dot grid vector bars snap to in PDFs and SVGs.
LABEL_DPI = 203
#: ISO/IEC 15417 asks for at least 10 light modules each side of a Code128 symbol.
CODE128_QUIET = 10
#: DataMatrix needs 1 light module around the symbol; 2 leaves room for print gain.
MATRIX_QUIET = 2
#: Below 2 dots a module loses a whole quarter of its width to one dot of print gain.
MIN_MODULE_DOTS = 2


class SymbolError(ValueError):
    """The data cannot be encoded, or cannot fit the space at a readable module width."""


@dataclass(frozen=True, slots=True)
class Symbol:
    """Light/dark modules ('0'/'1'), quiet zones included.

    A linear symbol has one row, drawn as bars of the height the layout asks for;
    a matrix symbol has square modules.
    """

    data: str
    rows: tuple[str, ...]
    linear: bool

    @property
    def width(self) -> int:
        """Width in modules."""
        return len(self.rows[0])

    @property
    def height(self) -> int:
        """Height in modules (1 for a linear symbol)."""
        return len(self.rows)


def dots(mm: float, dpi: int) -> int:
    """A length in whole dots of a `dpi` device (the nearest)."""
    return round(mm * dpi / MM_PER_INCH)


def to_mm(count: float, dpi: int) -> float:
    return count * MM_PER_INCH / dpi


def code128(data: str) -> Symbol:
    """python-barcode's Code128 module pattern for `data`, with 10-module quiet zones."""
    import barcode
    from barcode.errors import BarcodeError

    if not data:
        raise SymbolError("nothing to encode")
    try:
        pattern: str = barcode.get("code128", data).build()[0]
    except (BarcodeError, ValueError, KeyError) as exc:
        raise SymbolError(f"cannot encode {data!r} as Code128: {exc}") from exc
    quiet = "0" * CODE128_QUIET
    return Symbol(data, (quiet + pattern + quiet,), linear=True)


def gs1_datamatrix(element_string: str) -> Symbol:
    """A square GS1 DataMatrix (FNC1 first, FNC1 between variable fields) for `element_string`.

    `element_string` is what a scanner sends without its AIM prefix: the fields
    with GS (``\\x1d``) after each variable-length one, as in a Chestny ZNAK code.
    zxing-cpp encodes from the bracketed form, so the fields are split by biip
    and the symbol's content is checked to be the input, byte for byte.
    """
    import zxingcpp
    from biip.gs1_messages import GS1Message

    try:
        hri = GS1Message.parse(element_string).as_hri()
        made = zxingcpp.create_barcode(
            hri, zxingcpp.BarcodeFormat.DataMatrix, gs1=True, forceSquare=True
        )
    except Exception as exc:  # biip's ParseError, zxing-cpp's ValueError: both mean "not GS1"
        raise SymbolError(f"cannot encode {element_string!r} as GS1 DataMatrix: {exc}") from exc
    if made.bytes.decode("latin-1") != element_string.rstrip("\x1d"):
        raise SymbolError(f"GS1 DataMatrix of {element_string!r} would read {made.bytes!r}")
    return _matrix(element_string, made)


def datamatrix(text: str) -> Symbol:
    """A square plain DataMatrix of `text` (commands, document and parcel codes shown on a
    training screen), with the same quiet zone as the GS1 one."""
    import zxingcpp

    if not text:
        raise SymbolError("nothing to encode")
    try:
        made = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.DataMatrix, forceSquare=True)
    except Exception as exc:  # zxing-cpp's ValueError for what it cannot encode
        raise SymbolError(f"cannot encode {text!r} as DataMatrix: {exc}") from exc
    return _matrix(text, made)


def _matrix(data: str, made: Any) -> Symbol:
    """zxing-cpp's DataMatrix bitmap as module rows, with a MATRIX_QUIET quiet zone."""
    image = made.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape
    # One byte a module, 0 = dark; the stub omits the buffer protocol the object has.
    pixels = bytes(memoryview(image))
    if len(pixels) != width * height:
        raise SymbolError(f"unexpected DataMatrix bitmap layout for {data!r}")
    quiet = "0" * MATRIX_QUIET
    blank = "0" * (width + 2 * MATRIX_QUIET)
    rows = [
        quiet
        + "".join("1" if p < 128 else "0" for p in pixels[r * width : (r + 1) * width])
        + quiet
        for r in range(height)
    ]
    return Symbol(data, (blank,) * MATRIX_QUIET + tuple(rows) + (blank,) * MATRIX_QUIET, False)


def fit_module(symbol: Symbol, dpi: int, max_mm: float, preferred: int) -> int | None:
    """The widest module, in whole dots, from `preferred` down to 2, that fits `max_mm`."""
    for module in range(preferred, MIN_MODULE_DOTS - 1, -1):
        if symbol.width * module <= max_mm * dpi / MM_PER_INCH:
            return module
    return None


def module_for(mm: float, dpi: int) -> int:
    """The whole-dot module nearest to `mm` on a `dpi` device, at least 2 dots."""
    return max(MIN_MODULE_DOTS, dots(mm, dpi))
