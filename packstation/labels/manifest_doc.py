"""A handoff manifest as CSV (for the carrier's system) and PDF (for the driver to sign)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PIL import Image, ImageDraw

from packstation.domain.manifest import ManifestView
from packstation.labels.images import code128_image, font

PAGE = (1240, 1754)  # A4 at 150 dpi
ROWS_PER_PAGE = 40


def manifest_csv(manifest: ManifestView) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
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


def _page(manifest: ManifestView, rows: list[str], number: int, pages: int) -> Image.Image:
    page = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(page)
    draw.text((60, 40), f"Manifest {manifest.id}", fill=0, font=font(40))
    draw.text(
        (60, 100),
        f"{manifest.carrier}   ship date {manifest.ship_date:%Y-%m-%d}   "
        f"{len(manifest.lines)} parcels   {manifest.weight_g / 1000:.3f} kg   "
        f"page {number}/{pages}",
        fill=0,
        font=font(24),
    )
    bars = code128_image(manifest.id, module_width=0.3, height_mm=12.0, dpi=150)
    page.paste(bars, (60, 140))
    y = 160 + bars.height
    for row in rows:
        draw.text((60, y), row, fill=0, font=font(22))
        y += 30
    if number == pages:
        y += 40
        draw.text(
            (60, y),
            "Handed over by: ______________   Driver: ______________   Time: ________",
            fill=0,
            font=font(24),
        )
    return page


def manifest_pdf(manifest: ManifestView, path: Path) -> int:
    rows = [
        f"{i + 1:>3}. {line.parcel_id:<22} {line.order_id:<12} {line.tariff:<10} "
        f"{line.weight_g / 1000:>7.3f} kg  {line.postcode} {line.city}"[:90]
        for i, line in enumerate(manifest.lines)
    ]
    chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)] or [[]]
    pages = [_page(manifest, chunk, n + 1, len(chunks)) for n, chunk in enumerate(chunks)]
    pages[0].save(path, "PDF", resolution=150.0, save_all=True, append_images=pages[1:])
    return len(pages)
