from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from packstation.domain.rules import PackRules
from packstation.labels.content import LabelData
from packstation.labels.images import BAR_HEIGHT, BAR_TOP, render_png
from packstation.labels.symbols import CODE128_QUIET, SymbolError
from packstation.labels.symbols import code128 as code128_symbol
from packstation.labels.zpl import escape_field, render_zpl
from tests.labels.zxing_decode import DPIS, code128, png_pages, read, read_pdf

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


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
    bc = re.search(r"\^BY3,3,150\^BCN,150,Y,N,N,A\^FH_\^FD(.*?)\^FS", zpl)
    assert bc is not None and bc.group(1) == "PCL-ORD-1001-1"
    assert "^CI28" in zpl  # UTF-8 for Cyrillic addresses
    assert "^MMT" not in zpl


def test_zpl_field_data_cannot_inject_commands() -> None:
    zpl = render_zpl(label(recipient="Evil ^XZ^MMT~JR name_x"))
    assert "^MMT" not in zpl and "~JR" not in zpl
    assert "Evil _5EXZ_5EMMT_7EJR name_5Fx" in zpl
    assert escape_field("a\nb") == "a_0Ab"


def bar_band_modules(image: Image.Image) -> set[int]:
    """Widths (pixels) of the bars and spaces across the middle of the label's barcode band."""
    y = BAR_TOP + BAR_HEIGHT // 2
    row = [image.getpixel((x, y)) for x in range(image.width)]
    runs, start = [], 0
    for x in range(1, len(row) + 1):
        if x == len(row) or row[x] != row[start]:
            runs.append(x - start)
            start = x
    return set(runs[1:-1])  # the first and last runs are margins


def test_png_label_barcode_decodes_to_the_parcel_id() -> None:
    dpi, (image,) = png_pages(render_png(label()))
    assert image.size == (812, 1218) and dpi == 203
    assert read(image) == {code128("PCL-ORD-1001-1")}
    band = image.crop((0, BAR_TOP, image.width, BAR_TOP + BAR_HEIGHT))
    assert set(band.tobytes()) == {0, 255}  # drawn in whole pixels, never resampled
    assert min(bar_band_modules(image)) == 3  # ZPL's ^BY3


# 812 dots: at 3 dots a module 19 letters fit with quiet zones, at 2 dots 31 (Code128 B).
@pytest.mark.parametrize(("length", "module"), [(19, 3), (20, 2), (31, 2)])
def test_long_parcel_ids_get_narrower_whole_dot_modules(length: int, module: int) -> None:
    parcel_id = "PCL-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG"[: length - 4]
    dpi, (image,) = png_pages(render_png(label(parcel_id)))
    assert dpi == 203 and image.size == (812, 1218)
    assert read(image) == {code128(parcel_id)}
    assert min(bar_band_modules(image)) == module
    band = image.crop((0, BAR_TOP, image.width, BAR_TOP + BAR_HEIGHT))
    assert set(band.tobytes()) == {0, 255}


def test_a_parcel_id_too_long_for_the_label_is_a_print_error() -> None:
    with pytest.raises(SymbolError, match="too long"):
        render_png(label("PCL-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZABCD"[:28]))
    with pytest.raises(SymbolError, match="too long"):
        render_zpl(label("PCL-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZABCD"[:28]))


@pytest.mark.parametrize(("length", "module"), [(19, 3), (20, 2), (31, 2)])
def test_zpl_module_is_whole_dots_and_the_symbol_stays_on_the_label(
    length: int, module: int
) -> None:
    """The same widths as the PNG label: the printer draws ^BY dots per module."""
    parcel_id = "PCL-" + "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG"[: length - 4]
    zpl = render_zpl(label(parcel_id))
    found = re.search(r"\^FO(\d+),740\^BY(\d),3,150\^BCN", zpl)
    assert found is not None
    left, dots = int(found.group(1)), int(found.group(2))
    bars = code128_symbol(parcel_id).width - 2 * CODE128_QUIET
    assert dots == module
    assert left >= CODE128_QUIET * dots and left + (bars + CODE128_QUIET) * dots <= 812


def test_label_shows_sender_marks_and_parcel_count() -> None:
    data = replace(label(), ship_from=("FC Khimki", "Leningradskaya 1"), marks=("FRAGILE",))
    lines = data.text_lines()
    assert lines[1] == "From: FC Khimki" and "Parcel 1 of 1" in lines[-1]
    zpl = render_zpl(data)
    assert "^FR^FH_^FD[FRAGILE]^FS" in zpl
    assert read(png_pages(render_png(data))[1][0]) == {code128("PCL-ORD-1001-1")}


def test_multi_parcel_label_says_parcel_n_of_m() -> None:
    data = replace(label("PCL-ORD-1001-2"), parcel_no=2, parcel_count=2, items=2)
    assert data.text_lines()[-1].startswith("Parcel 2 of 2 ")
    assert "Order ORD-1001   2 pcs" in data.text_lines()[-2]
    assert "^FDParcel 2 of 2 " in render_zpl(data)
    assert read(png_pages(render_png(data))[1][0]) == {code128("PCL-ORD-1001-2")}


def test_documents_carry_their_doc_barcodes(tmp_path: Path) -> None:
    from packstation.labels.documents import (
        DocLine,
        DocumentData,
        doc_code,
        documents_pdf,
        write_documents,
    )

    doc = DocumentData(
        order_id="ORD-1003",
        issued=NOW.date(),
        buyer="Aigerim Nurlanova",
        address_lines=("пр. Абая, 10", "050000 Алматы"),
        country="KZ",
        lines=(DocLine("HDPH-BT-01", "Bluetooth headphones", 1, Decimal(240), None, "851830"),),
        declared_value=Decimal("5490.00"),
    )
    kinds = ("INVOICE", "CN23")
    pages = [{code128(doc_code(kind, "ORD-1003"))} for kind in kinds]
    pdf = documents_pdf(doc, kinds)
    assert pdf.startswith(b"%PDF")
    for dpi in DPIS:
        assert read_pdf(pdf, dpi) == pages, dpi
    assert write_documents(doc, kinds, tmp_path / "d.pdf") == list(kinds)
    assert read_pdf(tmp_path / "d.pdf", 203) == pages
    assert write_documents(doc, kinds, tmp_path / "d.png") == list(kinds)
    for kind, expected in zip(kinds, pages, strict=True):
        dpi, (page,) = png_pages(tmp_path / f"d-{kind}.png")
        assert dpi == 300 and page.size == (2480, 3508)
        assert read(page) == expected
    with pytest.raises(ValueError, match="no renderer"):
        write_documents(doc, ("RETURN-SLIP",), tmp_path / "x.pdf")
    long_id = replace(doc, order_id="ORD-" + "X" * 60)
    with pytest.raises(ValueError, match="too long"):
        documents_pdf(long_id, ("INVOICE",))


def test_tariff_cards_are_the_lead_override_codes(rules: PackRules, tmp_path: Path) -> None:
    from packstation.cli.barcodes_cmd import tariff_items
    from packstation.domain.codes import CodeKind, parse_code
    from packstation.labels.sheets import write_sheet

    items = tariff_items(rules)
    assert [i.data for i in items] == [
        f"TARIFF:{c.code}:{t.code}" for c in rules.carriers for t in c.tariffs
    ]
    assert all(parse_code(i.data).kind is CodeKind.TARIFF for i in items)
    assert write_sheet(items, tmp_path / "tariffs.pdf", "tariffs", now=NOW) == 1
    for dpi in DPIS:
        assert read_pdf(tmp_path / "tariffs.pdf", dpi) == [{code128(i.data) for i in items}]


def test_pdf_specials_and_markup_in_order_fields_print_literally() -> None:
    """A buyer's name with PDF string syntax, markup or control characters is only text."""
    import pypdfium2

    from packstation.labels.documents import DocLine, DocumentData, doc_code, documents_pdf

    hostile = r"Evil) Tj /Launch (x\) <b>[bold]</b> ^XZ ~JR"
    doc = DocumentData(
        order_id="ORD-1003",
        issued=NOW.date(),
        buyer=hostile,
        address_lines=("пр. Абая, 10 %%EOF", "050000 Алматы"),
        country="KZ",
        lines=(DocLine("HDPH-BT-01", "Head\x1bphones", 1, Decimal(240), None, "851830"),),
        declared_value=Decimal("5490.00"),
    )
    pdf = documents_pdf(doc, ("INVOICE",))
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert hostile in text and "%%EOF" in text and "\x1b" not in text
    # The same PDF structure (object keys, names) as for a plain buyer: nothing was added.
    plain = documents_pdf(replace(doc, buyer="Plain Name"), ("INVOICE",))

    def structure(data: bytes) -> set[bytes]:
        outside = re.sub(rb"stream\r?\n.*?endstream", b"", data, flags=re.S)
        return set(re.findall(rb"/[A-Za-z]+", outside))

    assert structure(pdf) == structure(plain)
    assert b"/Launch" not in pdf and b"/JavaScript" not in pdf
    # The barcode still carries only the document code.
    for dpi in DPIS:
        assert read_pdf(pdf, dpi) == [{code128(doc_code("INVOICE", "ORD-1003"))}]
