"""Paper that travels in the box: the invoice and, abroad, the CN23 customs declaration.

Each page carries the Code128 `DOC:<KIND>:<ORDER>` that the station asks the
packer to scan, so the right document is proven to be in the right parcel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageDraw

from packstation.labels.images import code128_image, font

PAGE = (1240, 1754)  # A4 at 150 dpi


@dataclass(frozen=True, slots=True)
class DocLine:
    sku: str
    name: str
    qty: int
    unit_weight_g: Decimal
    unit_price: Decimal | None
    hs_code: str


@dataclass(frozen=True, slots=True)
class DocumentData:
    order_id: str
    issued: date
    buyer: str
    address_lines: tuple[str, ...]
    country: str
    lines: tuple[DocLine, ...]
    ship_from: tuple[str, ...] = ()
    origin_country: str = "RU"
    declared_value: Decimal | None = None
    currency: str = "RUB"

    @property
    def total_value(self) -> Decimal:
        if self.declared_value is not None:
            return self.declared_value
        return sum(((line.unit_price or Decimal(0)) * line.qty for line in self.lines), Decimal(0))

    @property
    def net_weight_g(self) -> Decimal:
        return sum((line.unit_weight_g * line.qty for line in self.lines), Decimal(0))


def doc_code(kind: str, order_id: str) -> str:
    return f"DOC:{kind}:{order_id}"


def _header(
    draw: ImageDraw.ImageDraw, page: Image.Image, title: str, kind: str, doc: DocumentData
) -> int:
    draw.text((60, 40), title, fill=0, font=font(40))
    draw.text((60, 100), f"Order {doc.order_id}   {doc.issued:%Y-%m-%d}", fill=0, font=font(26))
    bars = code128_image(doc_code(kind, doc.order_id), module_width=0.3, height_mm=12.0, dpi=150)
    page.paste(bars, (PAGE[0] - bars.width - 60, 40))
    y = 170
    if doc.ship_from:
        draw.text((60, y), "From: " + "; ".join(doc.ship_from), fill=0, font=font(24))
        y += 40
    draw.text((60, y), "To: " + doc.buyer, fill=0, font=font(24))
    y += 34
    for line in (*doc.address_lines, doc.country):
        draw.text((110, y), line, fill=0, font=font(24))
        y += 32
    return y + 30


def invoice_page(doc: DocumentData) -> Image.Image:
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    y = _header(draw, page, "INVOICE / СЧЁТ", "INVOICE", doc)
    draw.text(
        (60, y), f"{'SKU':<16}{'Item':<34}{'Qty':>5}{'Price':>12}{'Sum':>12}", fill=0, font=font(22)
    )
    y += 36
    for line in doc.lines:
        price = line.unit_price or Decimal(0)
        draw.text(
            (60, y),
            f"{line.sku[:15]:<16}{line.name[:33]:<34}{line.qty:>5}"
            f"{price:>12.2f}{price * line.qty:>12.2f}",
            fill=0,
            font=font(22),
        )
        y += 32
    draw.text((60, y + 20), f"Total: {doc.total_value:.2f} {doc.currency}", fill=0, font=font(28))
    return page


def cn23_page(doc: DocumentData) -> Image.Image:
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    y = _header(draw, page, "CUSTOMS DECLARATION CN 23", "CN23", doc)
    draw.text((60, y), "Category: sale of goods", fill=0, font=font(24))
    y += 44
    draw.text(
        (60, y),
        f"{'Description':<34}{'Qty':>5}{'Net kg':>9}{'HS code':>12}  Origin",
        fill=0,
        font=font(22),
    )
    y += 36
    for line in doc.lines:
        kg = line.unit_weight_g * line.qty / 1000
        draw.text(
            (60, y),
            f"{line.name[:33]:<34}{line.qty:>5}{kg:>9.3f}"
            f"{line.hs_code or '-':>12}  {doc.origin_country}",
            fill=0,
            font=font(22),
        )
        y += 32
    y += 20
    draw.text((60, y), f"Total net weight: {doc.net_weight_g / 1000:.3f} kg", fill=0, font=font(26))
    draw.text(
        (60, y + 40), f"Total value: {doc.total_value:.2f} {doc.currency}", fill=0, font=font(26)
    )
    draw.text(
        (60, y + 120),
        "I certify that the particulars given in this declaration are correct.",
        fill=0,
        font=font(22),
    )
    draw.text(
        (60, y + 170), "Date and sender's signature: ______________________", fill=0, font=font(22)
    )
    return page


RENDERERS = {"INVOICE": invoice_page, "CN23": cn23_page}


def documents_pdf(doc: DocumentData, kinds: tuple[str, ...]) -> bytes:
    """The documents as one PDF, for a document printer (the station prints them at claim)."""
    known = [k for k in kinds if k in RENDERERS]
    if not known:
        raise ValueError(f"no renderer for {', '.join(kinds) or 'nothing'}")
    pages = [RENDERERS[kind](doc) for kind in known]
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=150.0, save_all=True, append_images=pages[1:])
    return out.getvalue()


def write_documents(doc: DocumentData, kinds: tuple[str, ...], path: Path) -> list[str]:
    """A PDF (or one PNG per page: name-KIND.png) of the documents this station can render."""
    known = [k for k in kinds if k in RENDERERS]
    if not known:
        raise ValueError(f"no renderer for {', '.join(kinds) or 'nothing'}")
    pages = [RENDERERS[kind](doc) for kind in known]
    if path.suffix.lower() == ".png":
        for kind, page in zip(known, pages, strict=True):
            page.save(path.with_name(f"{path.stem}-{kind}.png"), "PNG")
    else:
        pages[0].save(path, "PDF", resolution=150.0, save_all=True, append_images=pages[1:])
    return known
