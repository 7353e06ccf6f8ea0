"""Printable sheets of barcodes (commands, orders, boxes) so a real scanner can drive a station.

PNG and PDF are rasterised with Pillow (PDF: one page per A4 sheet at 150 dpi);
SVG nests python-barcode's own SVG drawings, so it prints sharp at any size.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import barcode
from barcode.writer import SVGWriter
from PIL import Image, ImageDraw

from packstation.labels.images import code128_image, font

PAGE = (1240, 1754)  # A4 at 150 dpi
COLUMNS = 2
CELL_H = 250
MARGIN = 60


@dataclass(frozen=True, slots=True)
class SheetItem:
    caption: str
    data: str


class SheetError(ValueError):
    pass


def _pages(items: list[SheetItem], title: str) -> list[Image.Image]:
    per_page = COLUMNS * ((PAGE[1] - 2 * MARGIN - 80) // CELL_H)
    pages = []
    cell_w = (PAGE[0] - 2 * MARGIN) // COLUMNS
    for start in range(0, max(len(items), 1), per_page):
        page = Image.new("L", PAGE, 255)
        draw = ImageDraw.Draw(page)
        draw.text((MARGIN, 30), title, fill=0, font=font(36))
        for i, item in enumerate(items[start : start + per_page]):
            x = MARGIN + (i % COLUMNS) * cell_w
            y = MARGIN + 80 + (i // COLUMNS) * CELL_H
            draw.text((x, y), item.caption[:40], fill=0, font=font(24))
            bars = code128_image(item.data, module_width=0.3, height_mm=15.0, dpi=150)
            if bars.width > cell_w - 20:
                bars = bars.resize((cell_w - 20, bars.height))
            page.paste(bars, (x, y + 34))
        pages.append(page)
    return pages


def _svg(items: list[SheetItem], title: str) -> bytes:
    cell_w, cell_h = 105, 45  # mm
    rows = (len(items) + COLUMNS - 1) // COLUMNS
    height = 20 + rows * cell_h
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="{height}mm" '
        f'viewBox="0 0 210 {height}">',
        f'<text x="10" y="12" font-family="monospace" font-size="6">{escape(title)}</text>',
    ]
    for i, item in enumerate(items):
        x = (i % COLUMNS) * cell_w
        y = 20 + (i // COLUMNS) * cell_h
        parts.append(
            f'<text x="{x + 10}" y="{y + 4}" font-family="monospace" font-size="4">'
            f"{escape(item.caption[:40])}</text>"
        )
        buf = io.BytesIO()
        barcode.get("code128", item.data, writer=SVGWriter()).write(
            buf, {"module_height": 15.0, "font_size": 6, "compress": False}
        )
        inner = buf.getvalue().decode("utf-8")
        inner = re.sub(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", "", inner)
        inner = inner.replace("<svg ", f'<svg x="{x + 5}" y="{y + 6}" ', 1)
        parts.append(inner)
    parts.append("</svg>")
    return "\n".join(parts).encode("utf-8")


def write_sheet(items: list[SheetItem], path: Path, title: str) -> int:
    """Write the sheet in the format the suffix names; returns the number of pages."""
    if not items:
        raise SheetError("nothing to print")
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_bytes(_svg(items, title))
        return 1
    pages = _pages(items, title)
    if suffix == ".pdf":
        pages[0].save(path, "PDF", resolution=150.0, save_all=True, append_images=pages[1:])
        return len(pages)
    if suffix == ".png":
        if len(pages) == 1:
            pages[0].save(path, "PNG")
        else:
            tall = Image.new("L", (PAGE[0], PAGE[1] * len(pages)), 255)
            for n, page in enumerate(pages):
                tall.paste(page, (0, n * PAGE[1]))
            tall.save(path, "PNG")
        return len(pages)
    raise SheetError(f"unknown sheet format {suffix or '(none)'}: use .pdf, .png or .svg")
