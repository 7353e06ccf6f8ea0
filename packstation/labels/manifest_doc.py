"""A handoff manifest as CSV (for the carrier's system) and PDF (for the driver to sign).

The PDF is vector (fpdf2): the manifest id's Code128 is drawn as bars of whole
dots on the 203 dpi grid, so it scans from a laser print and from a label printer.
"""

from __future__ import annotations

import io
from pathlib import Path

from packstation.domain import spreadsheet
from packstation.domain.manifest import ManifestView
from packstation.labels.canvas import A4, Canvas, PdfBook, draw_symbol
from packstation.labels.symbols import code128, dots, fit_module, module_for

ROWS_PER_PAGE = 40
MARGIN = 10.0  # mm
MODULE_MM = 0.5


def manifest_csv(manifest: ManifestView) -> str:
    buf = io.StringIO()
    writer = spreadsheet.writer(buf)  # formulas defused, CR/LF quoted (OWASP)
    writer.writerow(
        [
            "manifest_id",
            "carrier",
            "ship_date",
            "parcel_id",
            "order_id",
            "tariff",
            "weight_g",
            "recipient",
            "postcode",
            "city",
            "country",
        ]
    )
    for line in manifest.lines:
        writer.writerow(
            [
                manifest.id,
                manifest.carrier,
                manifest.ship_date.isoformat(),
                line.parcel_id,
                line.order_id,
                line.tariff,
                f"{line.weight_g:.0f}",
                line.recipient,
                line.postcode,
                line.city,
                line.country,
            ]
        )
    return buf.getvalue()


def _page(canvas: Canvas, manifest: ManifestView, rows: list[str], number: int, pages: int) -> None:
    canvas.text(MARGIN, 17.0, f"Manifest {manifest.id}", 19.0)
    canvas.text(
        MARGIN,
        25.0,
        f"{manifest.carrier}   ship date {manifest.ship_date:%Y-%m-%d}   "
        f"{len(manifest.lines)} parcels   {manifest.weight_g / 1000:.3f} kg   "
        f"page {number}/{pages}",
        11.5,
    )
    symbol = code128(manifest.id)
    width = A4[0] - 2 * MARGIN
    module = fit_module(symbol, canvas.dpi, width, module_for(MODULE_MM, canvas.dpi))
    if module is None:
        raise ValueError(f"manifest id {manifest.id!r} is too long for a readable barcode")
    draw_symbol(
        canvas,
        symbol,
        dots(MARGIN, canvas.dpi),
        dots(30.0, canvas.dpi),
        module,
        dots(12.0, canvas.dpi),
    )
    canvas.text(MARGIN + 5.0, 45.5, manifest.id, 8.0)
    y = 53.0
    for row in rows:
        canvas.text(MARGIN, y, row, 9.5)
        y += 5.08
    if number == pages:
        canvas.text(
            MARGIN,
            y + 6.8,
            "Handed over by: ______________   Driver: ______________   Time: ________",
            11.5,
        )


def manifest_pdf(manifest: ManifestView, path: Path) -> int:
    """The driver's copy; its creation date is the manifest's. Returns the page count."""
    rows = [
        f"{i + 1:>3}. {line.parcel_id:<22} {line.order_id:<12} {line.tariff:<10} "
        f"{line.weight_g / 1000:>7.3f} kg  {line.postcode} {line.city}"[:90]
        for i, line in enumerate(manifest.lines)
    ]
    chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
    book = PdfBook(manifest.created_at)
    for n, chunk in enumerate(chunks):
        _page(book.page(), manifest, chunk, n + 1, len(chunks))
    path.write_bytes(book.output())
    return len(chunks)
