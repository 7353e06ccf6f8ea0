"""A marketplace's label on our printers: PDF and PNG as they are for a CUPS queue or a
folder, drawn into one ZPL graphic for a raw printer at its dpi; the barcode in what
reaches the printer decodes with zxing-cpp to exactly the marketplace's data."""

from __future__ import annotations

import io
import re

import pytest
from fpdf import FPDF
from PIL import Image

from packstation.channels.base import Document
from packstation.labels.canvas import PdfPage, RasterPage, draw_symbol
from packstation.labels.marketplace import LabelConvertError, for_printer
from packstation.labels.symbols import code128, dots
from tests.labels.zxing_decode import code128 as read_as
from tests.labels.zxing_decode import read

BARCODE = "12345678-0001-1"


def ozon_like_pdf() -> bytes:
    """A 75x120 mm label with the posting number's Code128 in whole 203 dpi dots."""
    pdf = FPDF(unit="mm", format=(75, 120))
    pdf.add_page()
    draw_symbol(PdfPage(pdf, 203), code128(BARCODE), dots(5, 203), dots(20, 203), 2, 120)
    return bytes(pdf.output())


def wb_like_png() -> bytes:
    page = RasterPage.blank((58, 40), 203)
    draw_symbol(page, code128("WB-987654"), 16, 40, 2, 160)
    out = io.BytesIO()
    page.image.save(out, format="PNG")
    return out.getvalue()


def zpl_image(zpl: bytes) -> Image.Image:
    """What a ZPL printer prints of one ^GFA field: the dots themselves."""
    match = re.search(rb"\^PW(\d+)\^LL(\d+)\^FO0,0\^GFA,(\d+),\d+,(\d+),([0-9A-F]+)\^FS", zpl)
    assert match is not None, zpl[:80]
    width, height, total, row_bytes = (int(match.group(i)) for i in range(1, 5))
    data = bytes.fromhex(match.group(5).decode())
    assert len(data) == total == row_bytes * height
    ink = Image.frombytes("1", (width, height), data)
    return ink.point(lambda v: 0 if v else 255).convert("L")  # 1 = black dot


@pytest.mark.parametrize("dpi", [203, 300])
def test_a_pdf_label_on_a_raw_printer_is_one_graphic_that_scans(dpi: int) -> None:
    data, ext = for_printer(Document("pdf", ozon_like_pdf(), BARCODE), "tcp://10.0.0.5", dpi)
    assert ext == "zpl" and data.startswith(b"^XA") and data.rstrip().endswith(b"^XZ")
    image = zpl_image(data)
    width, height = image.size  # the page at the printer's dpi (pdfium rounds up or down)
    assert abs(width - 75 / 25.4 * dpi) <= 1 and abs(height - 120 / 25.4 * dpi) <= 1
    assert read(image) == {read_as(BARCODE)}


def test_a_png_sticker_on_a_raw_printer_scans() -> None:
    data, ext = for_printer(Document("png", wb_like_png(), "WB-987654"), "tcp://printer", 203)
    assert ext == "zpl"
    assert read(zpl_image(data)) == {read_as("WB-987654")}


@pytest.mark.parametrize("target", ["lp://labels", "dir:///tmp/x"])
def test_a_queue_or_a_folder_gets_the_marketplace_file_as_it_is(target: str) -> None:
    pdf = ozon_like_pdf()
    assert for_printer(Document("pdf", pdf), target) == (pdf, "pdf")
    zpl = b"^XA^FO10,10^BCN,80^FDWB-1^FS^XZ"
    assert for_printer(Document("zpl", zpl), "tcp://p") == (zpl, "zpl")


def test_a_broken_label_is_a_clear_error() -> None:
    with pytest.raises(LabelConvertError, match="not a readable PDF"):
        for_printer(Document("pdf", b"<html>502 Bad Gateway</html>"), "tcp://p")
    with pytest.raises(LabelConvertError, match="not a readable PNG"):
        for_printer(Document("png", b"\x89PNG garbage"), "tcp://p")
