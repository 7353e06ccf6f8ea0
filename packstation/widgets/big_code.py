"""A barcode drawn with block characters, large enough to be scanned off the screen.

Training shows what to scan next this way (`widgets/training.py`): the trainee points
the station's scanner at the screen. The modules come from `labels/symbols.py` (the
same encoders as the printed labels); here each terminal cell shows two of them:

- a DataMatrix (any code; a GS1 one for marking codes) as half blocks, one module a
  column and two a row (`▀`, `▄`, `█`): square modules on a cell twice as tall as wide;
- a Code128, when it fits one module a column, as full-height bars a few rows tall.

Dark modules are black on white, whatever the theme: a scanner needs dark on light.
Under `--ascii` the blocks become `#` (the console driver), so scan the printed sheets.
"""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text

from packstation.domain.codes import CodeKind, parse_code
from packstation.labels.symbols import Symbol, SymbolError, code128, datamatrix, gs1_datamatrix

__all__ = ["CODE_STYLE", "block_lines", "code_text", "symbol_for"]

#: Black on white in any theme (and the nearest colours on a 16-colour console).
CODE_STYLE = "#000000 on #ffffff"
#: Rows of a drawn Code128 (its bars are all the same height).
BAR_ROWS = 3
#: Light modules kept around a drawn symbol (the screen around it is dark).
QUIET = 1

_HALF = {("1", "1"): "█", ("1", "0"): "▀", ("0", "1"): "▄", ("0", "0"): " "}


def symbol_for(text: str, max_width: int) -> Symbol:
    """The symbol to draw `text` as in `max_width` cells: Code128 when it fits one module a
    cell, else a DataMatrix (GS1 for a marking code, so the scanner sends its GS)."""
    if parse_code(text).kind is CodeKind.MARKING:
        return gs1_datamatrix(text)
    try:
        linear = code128(text)
    except SymbolError:
        linear = None
    if linear is not None and linear.width <= max_width:
        return linear
    return datamatrix(text)


def block_lines(symbol: Symbol, quiet: int = QUIET) -> list[str]:
    """The symbol as lines of block characters (the quiet zone cut to `quiet` modules)."""
    if symbol.linear:
        row = _trimmed(symbol.rows, quiet * 10)[0]  # Code128 needs its 10 modules
        return ["".join("█" if m == "1" else " " for m in row)] * BAR_ROWS
    rows = _trimmed(symbol.rows, quiet)
    if len(rows) % 2:
        rows = (*rows, "0" * len(rows[0]))
    return [
        "".join(_HALF[(top, bottom)] for top, bottom in zip(rows[i], rows[i + 1], strict=True))
        for i in range(0, len(rows), 2)
    ]


def _trimmed(rows: tuple[str, ...], quiet: int) -> tuple[str, ...]:
    """Rows with at most `quiet` light modules (or rows, for a matrix) on each side."""
    lefts = [len(r) - len(r.lstrip("0")) for r in rows if "1" in r]
    rights = [len(r) - len(r.rstrip("0")) for r in rows if "1" in r]
    cut_left, cut_right = max(min(lefts) - quiet, 0), max(min(rights) - quiet, 0)
    dark = [i for i, r in enumerate(rows) if "1" in r]
    first, last = max(dark[0] - quiet, 0), min(dark[-1] + quiet, len(rows) - 1)
    kept = rows[first : last + 1] if len(rows) > 1 else rows
    return tuple(r[cut_left : len(r) - cut_right] for r in kept)


@lru_cache(maxsize=64)
def code_text(text: str, max_width: int) -> Text | None:
    """`text` drawn to scan, or None if it cannot be drawn in `max_width` cells."""
    try:
        lines = block_lines(symbol_for(text, max_width))
    except SymbolError:
        return None
    if not lines or len(lines[0]) > max_width:
        return None
    return Text("\n".join(lines), style=CODE_STYLE, no_wrap=True, end="")
