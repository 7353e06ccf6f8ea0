from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from packstation.domain.rules import PackRules
from packstation.labels.content import LabelData
from packstation.labels.images import code128_image, render_png
from packstation.labels.sheets import SheetError, SheetItem, write_sheet
from packstation.labels.zpl import escape_field, render_zpl
from tests.labels.code128_decode import decode_image


def label(parcel_id: str = "PCL-ORD-1001-1", recipient: str = "Анна Петрова") -> LabelData:
    return LabelData(
        parcel_id=parcel_id,
        order_id="ORD-1001",
        carrier="OZON-COURIER",
        tariff="EXPRESS",
        recipient=recipient,
        address_lines=("ул. Тверская, д. 7, кв. 12", "125009 Москва"),
        country="RU",
        weight_g=Decimal(1055),
        packed_at=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        station_id="PS-01",
        items=4,
    )


def test_zpl_barcode_carries_the_parcel_id() -> None:
    zpl = render_zpl(label())
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    bc = re.search(r"\^BCN,150,Y,N,N\^FH_\^FD(.*?)\^FS", zpl)
    assert bc is not None and bc.group(1) == "PCL-ORD-1001-1"
    assert "^CI28" in zpl  # UTF-8 for Cyrillic addresses
    assert "^MMT" not in zpl


def test_zpl_field_data_cannot_inject_commands() -> None:
    zpl = render_zpl(label(recipient="Evil ^XZ^MMT~JR name_x"))
    assert "^MMT" not in zpl and "~JR" not in zpl
    assert "Evil _5EXZ_5EMMT_7EJR name_5Fx" in zpl
    assert escape_field("a\nb") == "a_0Ab"


def test_png_label_barcode_decodes_to_the_parcel_id() -> None:
    png = render_png(label())
    image = Image.open(io.BytesIO(png))
    assert image.size == (812, 1218)
    assert decode_image(image, 800) == "PCL-ORD-1001-1"


@pytest.mark.parametrize("data", ["CMD:NEXT", "4601234567893", "DOC:CN23:ORD-1003", "BOX:S"])
def test_code128_images_decode(data: str) -> None:
    image = code128_image(data, text=False)
    assert decode_image(image, image.height // 2) == data


def test_sheets_in_each_format(tmp_path: Path) -> None:
    items = [SheetItem(f"item {i}", f"CMD:X{i}") for i in range(15)]
    assert write_sheet(items, tmp_path / "s.pdf", "t") == 2
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    assert write_sheet(items, tmp_path / "s.png", "t") == 2
    svg = tmp_path / "s.svg"
    write_sheet(items, svg, "t <&>")
    text = svg.read_text(encoding="utf-8")
    assert text.count("<svg") == 16 and "t &lt;&amp;&gt;" in text
    with pytest.raises(SheetError, match="unknown sheet format"):
        write_sheet(items, tmp_path / "s.doc", "t")
    with pytest.raises(SheetError, match="nothing"):
        write_sheet([], tmp_path / "e.pdf", "t")


def test_label_shows_sender_marks_and_parcel_count() -> None:
    from dataclasses import replace

    data = replace(label(), ship_from=("FC Khimki", "Leningradskaya 1"), marks=("FRAGILE",))
    lines = data.text_lines()
    assert lines[1] == "From: FC Khimki" and "Parcel 1 of 1" in lines[-1]
    zpl = render_zpl(data)
    assert "^FR^FH_^FD[FRAGILE]^FS" in zpl
    image = Image.open(io.BytesIO(render_png(data)))
    assert decode_image(image, 800) == "PCL-ORD-1001-1"


def test_multi_parcel_label_says_parcel_n_of_m() -> None:
    from dataclasses import replace

    data = replace(label("PCL-ORD-1001-2"), parcel_no=2, parcel_count=2, items=2)
    assert data.text_lines()[-1].startswith("Parcel 2 of 2 ")
    assert "Order ORD-1001   2 pcs" in data.text_lines()[-2]
    assert "^FDParcel 2 of 2 " in render_zpl(data)
    image = Image.open(io.BytesIO(render_png(data)))
    assert decode_image(image, 800) == "PCL-ORD-1001-2"


def test_documents_carry_their_doc_barcodes(tmp_path: Path) -> None:
    from packstation.labels.documents import (
        DocLine,
        DocumentData,
        cn23_page,
        doc_code,
        invoice_page,
        write_documents,
    )

    doc = DocumentData(
        order_id="ORD-1003",
        issued=datetime(2026, 11, 26, tzinfo=UTC).date(),
        buyer="Aigerim Nurlanova",
        address_lines=("пр. Абая, 10", "050000 Алматы"),
        country="KZ",
        lines=(DocLine("HDPH-BT-01", "Bluetooth headphones", 1, Decimal(240), None, "851830"),),
        declared_value=Decimal("5490.00"),
    )
    for page, kind in ((invoice_page(doc), "INVOICE"), (cn23_page(doc), "CN23")):
        code = doc_code(kind, "ORD-1003")
        bars = code128_image(code, module_width=0.3, height_mm=12.0, dpi=150)
        left = page.width - bars.width - 62  # pasted 60 px from the right edge
        assert decode_image(page.crop((left, 40, page.width, 40 + bars.height)), 30) == code
    assert write_documents(doc, ("INVOICE", "CN23"), tmp_path / "d.pdf") == ["INVOICE", "CN23"]
    assert (tmp_path / "d.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match="no renderer"):
        write_documents(doc, ("RETURN-SLIP",), tmp_path / "x.pdf")


def test_tariff_cards_are_the_lead_override_codes(rules: PackRules, tmp_path: Path) -> None:
    from packstation.cli.barcodes_cmd import tariff_items
    from packstation.domain.codes import CodeKind, parse_code

    items = tariff_items(rules)
    assert [i.data for i in items] == [
        f"TARIFF:{c.code}:{t.code}" for c in rules.carriers for t in c.tariffs
    ]
    assert all(parse_code(i.data).kind is CodeKind.TARIFF for i in items)
    assert write_sheet(items, tmp_path / "tariffs.pdf", "tariffs") == 1
