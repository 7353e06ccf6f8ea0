"""Reading what we print with a decoder we did not write (zxing-cpp), as a scanner would.

PDFs are rendered by pypdfium2 at the resolutions they meet on the floor: a
203 dpi label printer and a 300 dpi office laser. PNGs are read at their own
resolution. Results are (AIM symbology identifier, content) pairs: Code128 must
read as ``]C0`` with its text, a marking code as ``]d2`` (GS1 DataMatrix) with
its element string, GS separators included, exactly as a serial scanner sends it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from packstation.labels.sheets import GS1_DATAMATRIX, SheetItem

DPIS = (203, 300)
Read = tuple[str, str]


def read(image: Image.Image) -> set[Read]:
    """Every symbol zxing-cpp finds, any format: anything unexpected shows up as an extra."""
    found = set()
    for result in zxingcpp.read_barcodes(image.convert("L"), text_mode=zxingcpp.TextMode.Plain):
        content = result.bytes.decode("latin-1")
        found.add((result.symbology_identifier, content))
    return found


def expected(item: SheetItem) -> Read:
    if item.symbology == GS1_DATAMATRIX:
        return ("]d2", item.data)
    return ("]C0", item.data)


def code128(data: str) -> Read:
    return ("]C0", data)


def pdf_pages(pdf: bytes | Path, dpi: int) -> list[Image.Image]:
    """The PDF's pages as greyscale images at `dpi` (what a printer of that resolution makes)."""
    source = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    document = pdfium.PdfDocument(source)
    try:
        return [
            page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document
        ]
    finally:
        document.close()


def read_pdf(pdf: bytes | Path, dpi: int) -> list[set[Read]]:
    return [read(page) for page in pdf_pages(pdf, dpi)]


def png_pages(path: Path | bytes, page_height: int | None = None) -> tuple[int, list[Image.Image]]:
    """(stated dpi, pages) of a PNG; a tall sheet is cut at `page_height` pixels, never scaled."""
    image = Image.open(io.BytesIO(path) if isinstance(path, bytes) else path)
    image.load()
    dpi = round(image.info["dpi"][0])
    height = page_height or image.height
    assert image.height % height == 0
    pages = [
        image.crop((0, top, image.width, top + height)) for top in range(0, image.height, height)
    ]
    return dpi, pages


_RECT = re.compile(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/>')


def svg_bars(svg: bytes, dpi: int, page_mm: tuple[float, float]) -> list[Image.Image]:
    """The SVG's bars, filled in at `dpi` (rectangles only: the bars are all there is to read).

    Bars are placed on a 203 dpi grid, so at 203 dpi every rectangle lands on whole
    pixels; page groups are cut apart by their translate().
    """
    text = svg.decode("utf-8")
    groups = text.split('<g transform="translate(0 ')[1:]
    scale = dpi / 25.4
    pages = []
    for group in groups:
        page = Image.new("L", (round(page_mm[0] * scale), round(page_mm[1] * scale)), 255)
        for x, y, w, h in (map(float, m) for m in _RECT.findall(group)):
            left, top = round(x * scale), round(y * scale)
            right, bottom = round((x + w) * scale), round((y + h) * scale)
            page.paste(0, (left, top, right, bottom))
        pages.append(page)
    return pages
