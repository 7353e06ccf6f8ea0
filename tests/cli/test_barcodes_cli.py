"""`packstation barcodes ...` and `packstation documents ...`: what they write decodes, with
zxing-cpp at 203 and 300 dpi, to exactly the codes a station expects, and nothing else."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.cli import main
from packstation.cli.barcodes_cmd import (
    badge_items,
    box_items,
    command_items,
    order_items,
    sample_marking_code,
    tariff_items,
)
from packstation.config import StationConfig
from packstation.domain.codes import CodeKind, parse_code
from packstation.domain.rules import PackRules
from packstation.labels.sheets import PNG_DPI, SheetItem, _layout
from packstation.labels.symbols import LABEL_DPI, dots
from packstation.models import Order
from packstation.models.db import Database
from tests.labels.zxing_decode import DPIS, Read, expected, png_pages, read, read_pdf


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def _rules() -> PackRules:
    return PackRules.from_config(StationConfig().raw)  # what the CLI uses without --config


def _pages(items: list[SheetItem], dpi: int) -> list[set[Read]]:
    return [{expected(p.item) for p in page} for page in _layout(items, dpi)]


def _ready_orders_codes(db: Database) -> set[Read]:
    """What the orders sheet must carry, read from the database, not from the sheet's code."""
    rules = _rules()
    codes: set[Read] = set()
    with db.sessions() as s:
        for order in s.scalars(select(Order).where(Order.status == "ready")):
            codes.add(("]C0", order.id))
            if order.tote:
                codes.add(("]C0", order.tote))
            codes |= {
                ("]C0", f"DOC:{k}:{order.id}") for k in rules.documents.required_for(order.country)
            }
            for line in order.lines:
                codes |= {("]C0", code.code) for code in line.barcodes}
                gtins = [code.gtin for code in line.barcodes if code.gtin]
                if line.marked:
                    codes |= {
                        ("]d2", sample_marking_code(gtins[0], order.id, line.position, unit))
                        for unit in range(1, line.qty + 1)
                    }
    return codes


def test_orders_sheet_carries_marking_codes_as_gs1_datamatrix(
    capsys: pytest.CaptureFixture[str], station_db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "orders.pdf"
    assert main(["barcodes", "orders", "-o", str(out), "--db", _url(station_db)]) == 0
    capsys.readouterr()
    codes = _ready_orders_codes(station_db)
    markings = [content for sid, content in codes if sid == "]d2"]
    assert len(markings) == 2  # ORD-1002: two pairs of marked sneakers
    for content in markings:
        parsed = parse_code("]d2" + content)
        assert parsed.kind is CodeKind.MARKING and parsed.ok
        assert parsed.gtin == "04605550001116" and content.count("\x1d") == 2
    args = argparse.Namespace(db=_url(station_db), status="ready", config=None)
    items = order_items(args, _rules())
    for dpi in DPIS:
        pages = read_pdf(out, dpi)
        assert set().union(*pages) == codes, f"{dpi} dpi"
        assert pages == _pages(items, LABEL_DPI), f"{dpi} dpi"
    png = tmp_path / "orders.png"
    assert main(["barcodes", "orders", "-o", str(png), "--db", _url(station_db)]) == 0
    dpi, images = png_pages(png, dots(297.0, PNG_DPI))
    assert dpi == PNG_DPI
    assert [read(image) for image in images] == _pages(items, PNG_DPI)


@pytest.mark.parametrize("sheet", ["commands", "badges", "tariffs", "boxes"])
def test_each_sheet_decodes_at_203_and_300_dpi(
    capsys: pytest.CaptureFixture[str], station_db: Database, tmp_path: Path, sheet: str
) -> None:
    out = tmp_path / f"{sheet}.pdf"
    assert main(["barcodes", sheet, "-o", str(out), "--db", _url(station_db)]) == 0
    capsys.readouterr()
    args = argparse.Namespace(db=_url(station_db), config=None)
    rules = _rules()
    items = {
        "commands": command_items,
        "badges": lambda: badge_items(args),
        "tariffs": lambda: tariff_items(rules),
        "boxes": lambda: box_items(rules),
    }[sheet]()
    assert items
    for dpi in DPIS:
        assert read_pdf(out, dpi) == _pages(items, LABEL_DPI), f"{dpi} dpi"


def test_documents_command_barcodes_decode(
    capsys: pytest.CaptureFixture[str], station_db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "docs.pdf"
    assert main(["documents", "ORD-1003", "-o", str(out), "--db", _url(station_db)]) == 0
    assert "INVOICE, CN23 for ORD-1003" in capsys.readouterr().out
    for dpi in DPIS:
        assert read_pdf(out, dpi) == [
            {("]C0", "DOC:INVOICE:ORD-1003")},
            {("]C0", "DOC:CN23:ORD-1003")},
        ]
    png = tmp_path / "docs.png"
    assert main(["documents", "ORD-1001", "-o", str(png), "--db", _url(station_db)]) == 0
    dpi, (page,) = png_pages(tmp_path / "docs-INVOICE.png")
    assert dpi == PNG_DPI and read(page) == {("]C0", "DOC:INVOICE:ORD-1001")}
