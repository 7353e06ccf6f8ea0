"""Printable sheets of barcodes (commands, orders, boxes, badges, tariffs) so a real scanner
can drive a station.

Every format shares one layout in millimetres: PDF and SVG draw vector bars on
the 203 dpi grid of a label printer, PNG is a 300 dpi raster (an office laser
prints it 1:1 or 2:1). Modules are whole dots (about 0.5 mm); a symbol too wide
for its cell gets the whole row, then a narrower whole-dot module (never under
2 dots), and is never resampled. Marking codes print as GS1 DataMatrix, as on
real goods, so a 2D scanner sends FNC1 as GS just as it will on the floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from packstation.labels.canvas import (
    A4,
    Canvas,
    PdfBook,
    RasterPage,
    SvgPage,
    draw_symbol,
    fit_text,
    save_png,
    svg_document,
    wrap_text,
)
from packstation.labels.symbols import (
    CODE128_QUIET,
    LABEL_DPI,
    Symbol,
    SymbolError,
    code128,
    dots,
    fit_module,
    gs1_datamatrix,
    module_for,
    to_mm,
)

CODE128 = "code128"
GS1_DATAMATRIX = "gs1-datamatrix"
PNG_DPI = 300
MODULE_MM = 0.5
MARGIN = 10.0  # mm, left and right
TOP = 24.0  # mm, first row below the title
COLUMNS = 2
ROW_H = 32.0  # mm: caption, symbol, human-readable line
BAR_H = 15.0  # mm
CAPTION_PT = 9.0
HRI_PT = 7.0
GAP = 3.0  # mm kept free at the right of a cell
ROWS_PER_PAGE = int((A4[1] - TOP - MARGIN) // ROW_H)
COLUMN_W = (A4[0] - 2 * MARGIN) / COLUMNS


@dataclass(frozen=True, slots=True)
class SheetItem:
    caption: str
    data: str
    #: CODE128 or GS1_DATAMATRIX (a marking code: GS after each variable field).
    symbology: str = CODE128


class SheetError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class _Placed:
    item: SheetItem
    symbol: Symbol
    row: int
    column: int
    span: int  # columns
    module: int  # dots


def _symbol(item: SheetItem) -> Symbol:
    try:
        if item.symbology == GS1_DATAMATRIX:
            return gs1_datamatrix(item.data)
        return code128(item.data)
    except SymbolError as exc:
        raise SheetError(f"{item.caption}: {exc}") from exc


def _layout(items: list[SheetItem], dpi: int) -> list[list[_Placed]]:
    """Pages of placed items: one cell each, or the whole row when a cell is too narrow."""
    preferred = module_for(MODULE_MM, dpi)
    pages: list[list[_Placed]] = [[]]
    row, column = 0, 0
    for item in items:
        symbol = _symbol(item)
        module = fit_module(symbol, dpi, COLUMN_W - GAP, preferred)
        span = 1
        if module is None or module < preferred:
            span = COLUMNS
            module = fit_module(symbol, dpi, A4[0] - 2 * MARGIN, preferred)
            if module is None:
                raise SheetError(f"{item.caption}: {item.data!r} is too long to print readably")
        if column + span > COLUMNS:
            row, column = row + 1, 0
        if row >= ROWS_PER_PAGE:
            pages.append([])
            row, column = 0, 0
        pages[-1].append(_Placed(item, symbol, row, column, span, module))
        column += span
        if column >= COLUMNS:
            row, column = row + 1, 0
    return pages


def _hri_lines(item: SheetItem) -> list[str]:
    """What a person reads under (or beside) the symbol: the data, GS1 fields in brackets."""
    if item.symbology != GS1_DATAMATRIX:
        return [item.data]
    from biip.gs1_messages import GS1Message

    hri = GS1Message.parse(item.data).as_hri()
    return ["(" + part for part in hri.split("(") if part]


def _draw_page(canvas: Canvas, placed: list[_Placed], title: str) -> None:
    canvas.text(MARGIN, 16.0, fit_text(title, A4[0] - 2 * MARGIN, 14.0), 14.0)
    for p in placed:
        x = MARGIN + p.column * COLUMN_W
        y = TOP + p.row * ROW_H
        width = p.span * COLUMN_W
        canvas.text(x, y + 4.0, fit_text(p.item.caption, width - GAP, CAPTION_PT), CAPTION_PT)
        top = dots(y + 6.0, canvas.dpi)
        left = dots(x, canvas.dpi)
        if p.symbol.linear:
            draw_symbol(canvas, p.symbol, left, top, p.module, dots(BAR_H, canvas.dpi))
            hri = fit_text(p.item.data, width - GAP, HRI_PT)
            quiet = to_mm(CODE128_QUIET * p.module, canvas.dpi)
            canvas.text(x + quiet, y + 6.0 + BAR_H + 3.5, hri, HRI_PT)
        else:
            w, _ = draw_symbol(canvas, p.symbol, left, top, p.module)
            text_x = x + to_mm(w, canvas.dpi) + 2.0
            room = x + COLUMN_W - GAP - text_x
            lines = [part for line in _hri_lines(p.item) for part in wrap_text(line, room, HRI_PT)]
            for n, line in enumerate(lines[:6]):
                canvas.text(text_x, y + 9.0 + n * 3.2, line, HRI_PT)


def write_sheet(items: list[SheetItem], path: Path, title: str, *, now: datetime) -> int:
    """Write the sheet in the format the suffix names; returns the number of pages.

    `now` is the PDF's creation date.
    """
    if not items:
        raise SheetError("nothing to print")
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".png", ".svg"):
        raise SheetError(f"unknown sheet format {suffix or '(none)'}: use .pdf, .png or .svg")
    if suffix == ".png":
        pages = _layout(items, PNG_DPI)
        rasters = [RasterPage.blank(A4, PNG_DPI) for _ in pages]
        for raster, placed in zip(rasters, pages, strict=True):
            _draw_page(raster, placed, title)
        save_png(rasters, path)
        return len(pages)
    pages = _layout(items, LABEL_DPI)
    if suffix == ".svg":
        svgs = [SvgPage(LABEL_DPI) for _ in pages]
        for svg, placed in zip(svgs, pages, strict=True):
            _draw_page(svg, placed, title)
        path.write_bytes(svg_document(svgs))
        return len(pages)
    book = PdfBook(now)
    for placed in pages:
        _draw_page(book.page(), placed, title)
    path.write_bytes(book.output())
    return len(pages)
