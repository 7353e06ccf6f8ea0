"""Raster (PNG) and vector (SVG) renderings with python-barcode's Code128.

The font is the DejaVu Sans Mono that python-barcode ships, so Cyrillic
addresses render on a machine with no fonts installed.
"""

from __future__ import annotations

import io
from pathlib import Path

import barcode
from barcode.writer import ImageWriter, SVGWriter
from PIL import Image, ImageDraw, ImageFont

from packstation.labels.content import LabelData

FONT_PATH = Path(barcode.__file__).parent / "fonts" / "DejaVuSansMono.ttf"
LABEL_SIZE = (812, 1218)  # 4x6 inch at 203 dpi, like the ZPL label


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def code128_image(
    data: str,
    *,
    module_width: float = 0.4,
    height_mm: float = 18.0,
    dpi: int = 203,
    text: bool = True,
) -> Image.Image:
    writer = ImageWriter()
    code = barcode.get("code128", data, writer=writer)
    options = {
        "module_width": module_width,
        "module_height": height_mm,
        "dpi": dpi,
        "font_path": str(FONT_PATH),
        "write_text": text,
        "font_size": 12,
        "quiet_zone": 4.0,
    }
    image: Image.Image = code.render(options)
    return image.convert("L")


def code128_svg(data: str) -> bytes:
    code = barcode.get("code128", data, writer=SVGWriter())
    buf = io.BytesIO()
    code.write(buf, {"module_height": 15.0, "font_size": 8, "compress": False})
    return buf.getvalue()


def render_png(label: LabelData) -> bytes:
    img = Image.new("L", LABEL_SIZE, 255)
    draw = ImageDraw.Draw(img)
    y = 40
    for i, line in enumerate(label.text_lines()):
        if line:
            draw.text((30, y), line, fill=0, font=font(40 if i == 0 else 30))
        y += 52 if i == 0 else 42
    if label.marks:
        draw.rectangle((30, 630, 782, 690), fill=0)
        draw.text((40, 640), label.marks_line, fill=255, font=font(40))
    draw.rectangle((20, 700, 792, 703), fill=0)
    bars = code128_image(label.parcel_id)
    if bars.width > LABEL_SIZE[0] - 40:
        bars = bars.resize((LABEL_SIZE[0] - 40, bars.height))
    img.paste(bars, ((LABEL_SIZE[0] - bars.width) // 2, 740))
    buf = io.BytesIO()
    img.save(buf, "PNG", dpi=(203, 203))
    return buf.getvalue()
