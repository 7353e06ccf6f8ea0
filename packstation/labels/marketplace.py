"""A marketplace's label, as the station's label printer takes it.

The marketplace gives a PDF (Ozon), a PNG or ZPL (Wildberries). A CUPS queue prints
any of them as they are; a raw 9100 printer speaks only ZPL, so a PDF or PNG is drawn
at the printer's own resolution (pypdfium2 renders the PDF) and sent as one ZPL
graphic field. The picture is thresholded, never dithered or resampled after that:
the marketplace's barcode bars land on whole dots and scan.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image

    from packstation.channels.base import Document

#: Darker than this (0-255) is a black dot.
THRESHOLD = 128


class LabelConvertError(Exception):
    pass


def for_printer(document: Document, target: str, dpi: int = 203) -> tuple[bytes, str]:
    """(bytes, file extension) to send to the printer at `target` (tcp://, lp://, dir://)."""
    scheme = target.partition("://")[0].lower()
    if scheme != "tcp" or document.kind == "zpl":
        return document.data, document.kind
    if document.kind == "pdf":
        return zpl_graphic(pdf_page(document.data, dpi)), "zpl"
    if document.kind == "png":
        return zpl_graphic(_open_png(document.data)), "zpl"
    raise LabelConvertError(f"cannot print a {document.kind!r} label on {target}")


def pdf_page(data: bytes, dpi: int) -> Image:
    """The first page of a PDF drawn at `dpi`, in grey."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise LabelConvertError(f"the marketplace's label is not a readable PDF: {exc}") from None
    try:
        if len(pdf) < 1:
            raise LabelConvertError("the marketplace's label PDF has no page")
        bitmap = pdf[0].render(scale=dpi / 72, grayscale=True)
        page: Image = bitmap.to_pil().convert("L")
        return page
    finally:
        pdf.close()


def _open_png(data: bytes) -> Image:
    from PIL import Image as PilImage
    from PIL import UnidentifiedImageError

    try:
        with PilImage.open(io.BytesIO(data)) as image:
            return image.convert("L")
    except (UnidentifiedImageError, OSError) as exc:
        raise LabelConvertError(f"the marketplace's label is not a readable PNG: {exc}") from None


def zpl_graphic(image: Image) -> bytes:
    """One `^GFA` field of the whole picture: a dot per pixel, 1 = black."""
    from PIL import Image as PilImage

    grey = image.convert("L")
    width, height = grey.size
    # Black (below the threshold) becomes 255, then a 1-bit image packs it as a 1 bit:
    # rows padded to whole bytes, as ^GFA wants them.
    ink = grey.point(lambda v: 255 if v < THRESHOLD else 0).convert(
        "1", dither=PilImage.Dither.NONE
    )
    packed = ink.tobytes()
    row_bytes = (width + 7) // 8
    total = len(packed)
    assert total == row_bytes * height
    body = packed.hex().upper()
    zpl = f"^XA^PW{width}^LL{height}^FO0,0^GFA,{total},{total},{row_bytes},{body}^FS^XZ\n"
    return zpl.encode("ascii")
