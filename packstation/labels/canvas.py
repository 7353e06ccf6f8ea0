"""One drawing surface, three backends: Pillow raster (PNG), fpdf2 vector (PDF), SVG.

Why: scanners read what the printer makes of our bars. A raster page has a
stated resolution and every module is a whole number of its pixels; the vector
backends draw each bar as a filled rectangle on the 203 dpi grid of a label
printer, so a thermal printer places every edge on a dot, and a 300/600 dpi
laser rasterises crisp rectangles instead of resampling a 150 dpi bitmap.

Layouts (sheets, documents, manifests) place things in millimetres and draw
symbols in whole dots of ``canvas.dpi``; text is DejaVu Sans Mono (shipped by
python-barcode, with Cyrillic) in every backend, so the pages match.
Pillow and fpdf2 are imported only when a page is made.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from xml.sax.saxutils import escape

from packstation.labels.symbols import LABEL_DPI, MM_PER_INCH, Symbol, dots

if TYPE_CHECKING:
    from fpdf import FPDF
    from PIL import Image, ImageFont

A4 = (210.0, 297.0)  # mm
#: Advance of one DejaVu Sans Mono glyph, in em: monospace text is measured by counting.
MONO_ADVANCE = 0.602
PT_MM = MM_PER_INCH / 72


def font_path() -> Path:
    """DejaVu Sans Mono from python-barcode's package, found without importing it."""
    spec = importlib.util.find_spec("barcode")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("python-barcode is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "DejaVuSansMono.ttf"


def text_width_mm(text: str, size_pt: float) -> float:
    return len(text) * MONO_ADVANCE * size_pt * PT_MM


def fit_text(text: str, width_mm: float, size_pt: float) -> str:
    """`text` cut to what fits `width_mm` (monospace), with an ellipsis when cut."""
    room = int(width_mm / (MONO_ADVANCE * size_pt * PT_MM))
    return text if len(text) <= room else text[: max(room - 1, 0)] + "…"


def wrap_text(text: str, width_mm: float, size_pt: float) -> list[str]:
    """`text` cut into lines of what fits `width_mm` (monospace), for codes with no spaces."""
    room = max(1, int(width_mm / (MONO_ADVANCE * size_pt * PT_MM)))
    return [text[i : i + room] for i in range(0, len(text), room)] or [""]


def visible(text: str) -> str:
    """Control characters shown, not sent to a renderer: GS as <GS>, others dropped."""
    return "".join("<GS>" if ch == "\x1d" else ch for ch in text if ch >= " " or ch == "\x1d")


class Canvas(Protocol):
    """A page: dark rectangles in whole dots of `dpi`, text placed in millimetres."""

    @property
    def dpi(self) -> int: ...

    def fill(self, x: int, y: int, w: int, h: int) -> None:
        """A dark rectangle; all in dots, top-left origin."""

    def text(self, x_mm: float, y_mm: float, text: str, size_pt: float) -> None:
        """`text` with its baseline at `y_mm`."""


def draw_symbol(
    canvas: Canvas, symbol: Symbol, x: int, y: int, module: int, bar_height: int = 0
) -> tuple[int, int]:
    """Draw `symbol` at (x, y) dots, each module `module` dots; returns (width, height) in dots.

    A linear symbol's bars are `bar_height` dots tall; a matrix has square modules.
    Runs of dark modules are one rectangle each, so edges fall on whole dots only.
    """
    height = bar_height if symbol.linear else module
    for r, row in enumerate(symbol.rows):
        start = row.find("1")
        while start >= 0:
            end = row.find("0", start)
            end = len(row) if end < 0 else end
            canvas.fill(x + start * module, y + r * height, (end - start) * module, height)
            start = row.find("1", end)
    return symbol.width * module, symbol.height * height


class RasterPage:
    """A Pillow greyscale page of `dpi` pixels per inch (a PNG states it in its header)."""

    def __init__(self, image: Image.Image, dpi: int) -> None:
        from PIL import ImageDraw

        self.image = image
        self._dpi = dpi
        self.draw = ImageDraw.Draw(image)
        self._fonts: dict[int, ImageFont.FreeTypeFont] = {}

    @classmethod
    def blank(cls, size_mm: tuple[float, float], dpi: int) -> RasterPage:
        from PIL import Image

        return cls(Image.new("L", (dots(size_mm[0], dpi), dots(size_mm[1], dpi)), 255), dpi)

    @property
    def dpi(self) -> int:
        return self._dpi

    def fill(self, x: int, y: int, w: int, h: int) -> None:
        self.draw.rectangle((x, y, x + w - 1, y + h - 1), fill=0)

    def font(self, size_px: int) -> ImageFont.FreeTypeFont:
        from PIL import ImageFont

        if size_px not in self._fonts:
            self._fonts[size_px] = ImageFont.truetype(str(font_path()), size_px)
        return self._fonts[size_px]

    def text(self, x_mm: float, y_mm: float, text: str, size_pt: float) -> None:
        size = max(1, round(size_pt * self._dpi / 72))
        at = (dots(x_mm, self._dpi), dots(y_mm, self._dpi))
        self.draw.text(at, visible(text), fill=0, font=self.font(size), anchor="ls")


def save_png(pages: list[RasterPage], path: Path) -> None:
    """One PNG; several pages are stacked top to bottom. No resampling, dpi stated."""
    from PIL import Image

    first = pages[0]
    if len(pages) == 1:
        image = first.image
    else:
        image = Image.new("L", (first.image.width, sum(p.image.height for p in pages)), 255)
        top = 0
        for page in pages:
            image.paste(page.image, (0, top))
            top += page.image.height
    image.save(path, "PNG", dpi=(first.dpi, first.dpi))


class PdfBook:
    """A PDF of vector pages (fpdf2): bars are filled rectangles on the 203 dpi dot grid."""

    def __init__(
        self, created: datetime, size_mm: tuple[float, float] = A4, grid_dpi: int = LABEL_DPI
    ) -> None:
        from fpdf import FPDF

        self._pdf = FPDF(unit="mm", format=size_mm)
        self._pdf.set_creation_date(created)
        self._pdf.set_auto_page_break(False)
        self._pdf.set_margins(0, 0, 0)
        self._pdf.add_font("DejaVuSansMono", fname=str(font_path()))
        self._pdf.set_fill_color(0)
        self._pdf.set_text_color(0)
        self._grid = grid_dpi

    def page(self) -> PdfPage:
        self._pdf.add_page()
        return PdfPage(self._pdf, self._grid)

    def output(self) -> bytes:
        return bytes(self._pdf.output())


class PdfPage:
    def __init__(self, pdf: FPDF, dpi: int) -> None:
        self._pdf = pdf
        self._dpi = dpi
        self._mm = MM_PER_INCH / dpi

    @property
    def dpi(self) -> int:
        return self._dpi

    def fill(self, x: int, y: int, w: int, h: int) -> None:
        k = self._mm
        self._pdf.rect(x * k, y * k, w * k, h * k, style="F")

    def text(self, x_mm: float, y_mm: float, text: str, size_pt: float) -> None:
        self._pdf.set_font("DejaVuSansMono", size=size_pt)
        self._pdf.text(x_mm, y_mm, visible(text))


class SvgPage:
    """SVG elements in millimetres; bars on the 203 dpi grid like the PDF."""

    def __init__(self, dpi: int = LABEL_DPI) -> None:
        self._dpi = dpi
        self.parts: list[str] = []

    @property
    def dpi(self) -> int:
        return self._dpi

    def fill(self, x: int, y: int, w: int, h: int) -> None:
        k = MM_PER_INCH / self._dpi
        self.parts.append(
            f'<rect x="{x * k:.4f}" y="{y * k:.4f}" width="{w * k:.4f}" height="{h * k:.4f}"/>'
        )

    def text(self, x_mm: float, y_mm: float, text: str, size_pt: float) -> None:
        self.parts.append(
            f'<text x="{x_mm:.2f}" y="{y_mm:.2f}" font-size="{size_pt * PT_MM:.2f}">'
            f"{escape(visible(text))}</text>"
        )


def svg_document(pages: list[SvgPage], size_mm: tuple[float, float] = A4) -> bytes:
    """One SVG; pages stacked top to bottom, each its own group."""
    width, height = size_mm
    total = height * len(pages)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}mm" height="{total:g}mm" '
        f'viewBox="0 0 {width:g} {total:g}" shape-rendering="crispEdges">',
        f'<rect width="{width:g}" height="{total:g}" fill="#fff"/>',
        '<g fill="#000" font-family="DejaVu Sans Mono, monospace">',
    ]
    for n, page in enumerate(pages):
        out.append(f'<g transform="translate(0 {n * height:g})">')
        out.extend(page.parts)
        out.append("</g>")
    out += ["</g>", "</svg>"]
    return "\n".join(out).encode("utf-8")
