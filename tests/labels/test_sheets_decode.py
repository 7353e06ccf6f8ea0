"""Every sheet format decodes, with zxing-cpp, to exactly what it was asked to print."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import barcode
import pytest
from PIL import Image

from packstation.cli.barcodes_cmd import (
    box_items,
    command_items,
    sample_marking_code,
    tariff_items,
)
from packstation.domain.codes import CodeKind, parse_code
from packstation.domain.rules import PackRules
from packstation.labels.canvas import A4, RasterPage, draw_symbol
from packstation.labels.sheets import (
    CODE128,
    GS1_DATAMATRIX,
    PNG_DPI,
    SheetError,
    SheetItem,
    _layout,
    write_sheet,
)
from packstation.labels.symbols import (
    CODE128_QUIET,
    LABEL_DPI,
    SymbolError,
    code128,
    dots,
    gs1_datamatrix,
)
from tests.labels.zxing_decode import DPIS, Read, expected, png_pages, read, read_pdf, svg_bars

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
GTIN = "04605550001116"


def per_page(items: list[SheetItem], dpi: int) -> list[set[Read]]:
    """What each page should read as: the layout's pages, each item once."""
    pages = [{expected(p.item) for p in page} for page in _layout(items, dpi)]
    assert set().union(*pages) == {expected(i) for i in items}
    return pages


def marking_items(n: int) -> list[SheetItem]:
    return [
        SheetItem(f"marking {u}", sample_marking_code(GTIN, "ORD-1", 1, u), GS1_DATAMATRIX)
        for u in range(1, n + 1)
    ]


def check_every_format(items: list[SheetItem], tmp_path: Path) -> None:
    pdf, png, svg = tmp_path / "s.pdf", tmp_path / "s.png", tmp_path / "s.svg"
    pdf_pages = write_sheet(items, pdf, "sheet", now=NOW)
    vector = per_page(items, LABEL_DPI)
    assert pdf_pages == len(vector)
    for dpi in DPIS:
        assert read_pdf(pdf, dpi) == vector, f"PDF at {dpi} dpi"
    assert write_sheet(items, svg, "sheet", now=NOW) == len(vector)
    for dpi in DPIS:
        assert [read(p) for p in svg_bars(svg.read_bytes(), dpi, A4)] == vector, f"SVG {dpi}"
    raster = per_page(items, PNG_DPI)
    assert write_sheet(items, png, "sheet", now=NOW) == len(raster)
    dpi, pages = png_pages(png, dots(A4[1], PNG_DPI))
    assert dpi == PNG_DPI
    assert [read(page) for page in pages] == raster


def test_code128_is_python_barcodes_pattern_with_quiet_zones() -> None:
    symbol = code128("CMD:NEXT")
    quiet = "0" * CODE128_QUIET
    assert symbol.rows == (quiet + barcode.get("code128", "CMD:NEXT").build()[0] + quiet,)
    assert symbol.linear and symbol.height == 1
    with pytest.raises(SymbolError):
        code128("")


def test_gs1_datamatrix_reads_back_with_fnc1_as_gs() -> None:
    code = sample_marking_code(GTIN, "ORD-1002", 1, 2)
    assert code.count("\x1d") == 2
    symbol = gs1_datamatrix(code)
    assert not symbol.linear and symbol.width == symbol.height  # square, like on goods
    page = RasterPage(Image.new("L", (400, 400), 255), LABEL_DPI)
    draw_symbol(page, symbol, 40, 40, 4)
    assert read(page.image) == {("]d2", code)}
    parsed = parse_code("]d2" + code)
    assert parsed.kind is CodeKind.MARKING and parsed.gtin == GTIN
    with pytest.raises(SymbolError, match="GS1 DataMatrix"):
        gs1_datamatrix("CMD:NEXT")


def test_sample_marking_codes_are_distinct_and_repeatable() -> None:
    codes = {sample_marking_code(GTIN, order, 1, u) for order in ("A", "B") for u in (1, 2, 3)}
    assert len(codes) == 6
    assert sample_marking_code(GTIN, "A", 1, 1) == sample_marking_code(GTIN, "A", 1, 1)
    for code in codes:
        parsed = parse_code(code)
        assert parsed.kind is CodeKind.MARKING and parsed.gtin == GTIN and parsed.ok
        assert parsed.crypto_tail is not None and parsed.crypto_tail.startswith("91TEST\x1d92")


def test_commands_sheet_decodes_in_every_format(tmp_path: Path) -> None:
    check_every_format(command_items(), tmp_path)


def test_boxes_and_tariffs_decode_in_every_format(rules: PackRules, tmp_path: Path) -> None:
    check_every_format(box_items(rules) + tariff_items(rules), tmp_path)


def test_mixed_sheet_with_marking_codes_decodes(tmp_path: Path) -> None:
    items = [
        SheetItem("order ORD-1002", "ORD-1002"),
        SheetItem("SNK-RUN-42 (ORD-1002)", "4605550001116"),
        *marking_items(5),
        SheetItem("Лида (lead)", "BADGE-LEAD-01"),
        SheetItem("INVOICE ORD-1002", "DOC:INVOICE:ORD-1002"),
    ]
    check_every_format(items, tmp_path)


def test_many_items_flow_onto_more_pages(tmp_path: Path) -> None:
    items = [SheetItem(f"item {i}", f"CMD:X{i}") for i in range(40)]
    assert len(_layout(items, LABEL_DPI)) == 3
    check_every_format(items, tmp_path)


def test_long_data_gets_its_own_row_never_a_squeezed_cell() -> None:
    short, long = SheetItem("a", "CMD:NEXT"), SheetItem("b", "TARIFF:OZON-COURIER:EXPRESS")
    for dpi in (LABEL_DPI, PNG_DPI):
        (page,) = _layout([short, long, short], dpi)
        assert [(p.row, p.column, p.span) for p in page] == [(0, 0, 1), (1, 0, 2), (2, 0, 1)]
        assert {p.module for p in page} == {dots(0.5, dpi)}  # same whole-dot module
    longer = SheetItem("c", "TARIFF:" + "X" * 30)
    (page,) = _layout([longer], LABEL_DPI)
    assert page[0].span == 2 and page[0].module == 3  # narrower, still whole dots
    with pytest.raises(SheetError, match="too long"):
        _layout([SheetItem("d", "X" * 80)], LABEL_DPI)


def test_sheet_errors(tmp_path: Path) -> None:
    items = [SheetItem("x", "CMD:NEXT", CODE128)]
    with pytest.raises(SheetError, match="unknown sheet format"):
        write_sheet(items, tmp_path / "s.doc", "t", now=NOW)
    with pytest.raises(SheetError, match="nothing"):
        write_sheet([], tmp_path / "e.pdf", "t", now=NOW)
    with pytest.raises(SheetError, match="bad"):
        write_sheet([SheetItem("bad", "NOT GS1", GS1_DATAMATRIX)], tmp_path / "b.pdf", "t", now=NOW)
    svg = tmp_path / "t.svg"
    write_sheet(items, svg, "t <&>", now=NOW)
    assert "t &lt;&amp;&gt;" in svg.read_text(encoding="utf-8")
