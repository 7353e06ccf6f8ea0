"""Paper that travels in the box: the invoice, abroad the CN23 customs declaration, and
inserts (a gift note, a flyer: `domain/instructions.py`), each page its own DOC code.

Each page carries the Code128 `DOC:<KIND>:<ORDER>` that the station asks the
packer to scan, so the right document is proven to be in the right parcel. Once an
order is packed, the invoice lists under each line the serial numbers (or IMEIs) and the
lots with their expiry dates of the units that went out (`packed_units`): the customer's
warranty and recall reference. Printed at the claim, before any unit is scanned, it has
none yet; `packstation documents` prints it again with them.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from packstation.labels.canvas import A4, Canvas, PdfBook, RasterPage, draw_symbol, save_png
from packstation.labels.symbols import LABEL_DPI, code128, dots, fit_module, module_for

#: PNG pages are rasters for an office laser: 300 dpi, whole-pixel modules.
PNG_DPI = 300
MARGIN = 10.0  # mm
#: The DOC barcode: about 0.5 mm modules, narrower (whole dots, at least 2) only if needed.
MODULE_MM = 0.5
BAR_H = 12.0  # mm
TEXT_PT = 10.5
LINE = 5.4  # mm between table lines
#: Characters of one serials/lots row under an invoice line (the table is 79 wide).
UNITS_WIDTH = 75


@dataclass(frozen=True, slots=True)
class DocLine:
    sku: str
    name: str
    qty: int
    unit_weight_g: Decimal
    unit_price: Decimal | None
    hs_code: str
    #: The packed units' serial numbers, "S/N" or "IMEI" (empty before packing).
    serials: tuple[str, ...] = ()
    serial_label: str = "S/N"
    #: (lot, expiry, units) of the packed units that had a lot or an expiry date.
    lots: tuple[tuple[str, date | None, int], ...] = ()

    def unit_rows(self) -> list[str]:
        """What the invoice prints under the line: serials, then lots, wrapped."""
        items = [f"{self.serial_label} {serial}" for serial in self.serials]
        for lot, expiry, count in self.lots:
            text = " ".join(x for x in (f"lot {lot}" if lot else "", _exp(expiry)) if x)
            items.append(f"{text} x{count}" if count > 1 else text)
        rows: list[str] = []
        for item in items:
            if rows and len(rows[-1]) + 2 + len(item) <= UNITS_WIDTH:
                rows[-1] += f"; {item}"
            else:
                rows.append(item[:UNITS_WIDTH])
        return rows


def _exp(expiry: date | None) -> str:
    return f"exp {expiry:%Y-%m-%d}" if expiry is not None else ""


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
    #: (kind, text) of the order's inserts: a gift note, config flyers.
    inserts: tuple[tuple[str, str], ...] = ()

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


def _header(canvas: Canvas, title: str, kind: str, doc: DocumentData) -> float:
    """Title, the DOC barcode on its own band (whole-dot modules, never squeezed), addresses;
    returns where the body starts (mm from the top)."""
    canvas.text(MARGIN, 17.0, title, 19.0)
    canvas.text(MARGIN, 25.0, f"Order {doc.order_id}   {doc.issued:%Y-%m-%d}", 12.5)
    symbol = code128(doc_code(kind, doc.order_id))
    width = A4[0] - 2 * MARGIN
    module = fit_module(symbol, canvas.dpi, width, module_for(MODULE_MM, canvas.dpi))
    if module is None:
        raise ValueError(f"{symbol.data!r} is too long for a readable barcode on A4")
    x, y = dots(MARGIN, canvas.dpi), dots(30.0, canvas.dpi)
    draw_symbol(canvas, symbol, x, y, module, dots(BAR_H, canvas.dpi))
    canvas.text(MARGIN + 5.0, 30.0 + BAR_H + 3.5, symbol.data, 8.0)
    y_mm = 55.0
    if doc.ship_from:
        canvas.text(MARGIN, y_mm, "From: " + "; ".join(doc.ship_from), 11.5)
        y_mm += 6.8
    canvas.text(MARGIN, y_mm, "To: " + doc.buyer, 11.5)
    y_mm += 5.8
    for line in (*doc.address_lines, doc.country):
        canvas.text(MARGIN + 8.5, y_mm, line, 11.5)
        y_mm += 5.4
    return y_mm + 5.0


def invoice_page(canvas: Canvas, doc: DocumentData) -> None:
    y = _header(canvas, "INVOICE / СЧЁТ", "INVOICE", doc)
    header = f"{'SKU':<16}{'Item':<34}{'Qty':>5}{'Price':>12}{'Sum':>12}"
    canvas.text(MARGIN, y, header, TEXT_PT)
    y += LINE + 0.7
    for line in doc.lines:
        price = line.unit_price or Decimal(0)
        canvas.text(
            MARGIN,
            y,
            f"{line.sku[:15]:<16}{line.name[:33]:<34}{line.qty:>5}"
            f"{price:>12.2f}{price * line.qty:>12.2f}",
            TEXT_PT,
        )
        y += LINE
        for row in line.unit_rows():
            canvas.text(MARGIN + 4.0, y, row, TEXT_PT - 1.5)
            y += LINE - 0.8
    canvas.text(MARGIN, y + 4.0, f"Total: {doc.total_value:.2f} {doc.currency}", 13.5)


def cn23_page(canvas: Canvas, doc: DocumentData) -> None:
    y = _header(canvas, "CUSTOMS DECLARATION CN 23", "CN23", doc)
    canvas.text(MARGIN, y, "Category: sale of goods", 11.5)
    y += 7.5
    header = f"{'Description':<34}{'Qty':>5}{'Net kg':>9}{'HS code':>12}  Origin"
    canvas.text(MARGIN, y, header, TEXT_PT)
    y += LINE + 0.7
    for line in doc.lines:
        kg = line.unit_weight_g * line.qty / 1000
        canvas.text(
            MARGIN,
            y,
            f"{line.name[:33]:<34}{line.qty:>5}{kg:>9.3f}"
            f"{line.hs_code or '-':>12}  {doc.origin_country}",
            TEXT_PT,
        )
        y += LINE
    y += 3.5
    canvas.text(MARGIN, y, f"Total net weight: {doc.net_weight_g / 1000:.3f} kg", 12.5)
    canvas.text(MARGIN, y + 6.8, f"Total value: {doc.total_value:.2f} {doc.currency}", 12.5)
    canvas.text(
        MARGIN,
        y + 20.0,
        "I certify that the particulars given in this declaration are correct.",
        TEXT_PT,
    )
    canvas.text(MARGIN, y + 29.0, "Date and sender's signature: ______________________", TEXT_PT)


RENDERERS = {"INVOICE": invoice_page, "CN23": cn23_page}
#: Insert pages: the text's columns and rows at INSERT_PT (one A4 page).
INSERT_PT = 12.0
INSERT_WIDTH = 68
INSERT_ROWS = 30  # the last row ends above 280 mm even under the longest header
_INSERT_TITLES = {"GIFTNOTE": "GIFT NOTE / ПОДАРОК"}


def insert_page(canvas: Canvas, doc: DocumentData, kind: str, text: str) -> None:
    """An insert: its DOC barcode and addressee like any document, then its text wrapped
    (paragraphs kept; past one page cut with an ellipsis)."""
    y = _header(canvas, _INSERT_TITLES.get(kind, kind), kind, doc)
    rows: list[str] = []
    for paragraph in text.splitlines():
        rows += textwrap.wrap(paragraph, INSERT_WIDTH) or [""]
    if len(rows) > INSERT_ROWS:
        rows = [*rows[: INSERT_ROWS - 1], rows[INSERT_ROWS - 1][: INSERT_WIDTH - 1] + "…"]
    for row in rows:
        canvas.text(MARGIN, y, row, INSERT_PT)
        y += LINE + 0.8


def _render(kind: str, canvas: Canvas, doc: DocumentData) -> None:
    inserts = dict(doc.inserts)
    if kind in inserts:
        insert_page(canvas, doc, kind, inserts[kind])
    else:
        RENDERERS[kind](canvas, doc)


def _known(kinds: tuple[str, ...], doc: DocumentData) -> list[str]:
    inserts = {kind for kind, _ in doc.inserts}
    known = [k for k in kinds if k in RENDERERS or k in inserts]
    if not known:
        raise ValueError(f"no renderer for {', '.join(kinds) or 'nothing'}")
    return known


def documents_pdf(doc: DocumentData, kinds: tuple[str, ...]) -> bytes:
    """The documents as one vector PDF, for a document printer (the station prints them at
    claim); the barcode's bars sit on the 203 dpi grid and print crisp on a laser too."""
    book = PdfBook(datetime.combine(doc.issued, time(), tzinfo=UTC), A4, LABEL_DPI)
    for kind in _known(kinds, doc):
        _render(kind, book.page(), doc)
    return book.output()


def write_documents(doc: DocumentData, kinds: tuple[str, ...], path: Path) -> list[str]:
    """A PDF (or one 300 dpi PNG per page: name-KIND.png) of the documents this station can
    render."""
    known = _known(kinds, doc)
    if path.suffix.lower() == ".png":
        for kind in known:
            page = RasterPage.blank(A4, PNG_DPI)
            _render(kind, page, doc)
            save_png([page], path.with_name(f"{path.stem}-{kind}.png"))
    else:
        path.write_bytes(documents_pdf(doc, kinds))
    return known
