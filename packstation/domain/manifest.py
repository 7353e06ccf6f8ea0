"""A carrier handoff batch as plain data, and the check of what the driver scanned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ManifestLine:
    parcel_id: str
    order_id: str
    tariff: str
    weight_g: Decimal
    recipient: str
    city: str
    postcode: str
    country: str


@dataclass(frozen=True, slots=True)
class ManifestView:
    id: str
    carrier: str
    ship_date: date
    created_at: datetime
    lines: tuple[ManifestLine, ...]

    @property
    def weight_g(self) -> Decimal:
        return sum((line.weight_g for line in self.lines), Decimal(0))


@dataclass(frozen=True, slots=True)
class HandoffCheck:
    scanned_ok: tuple[str, ...]
    not_in_manifest: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.not_in_manifest and not self.missing


def check_handoff(manifest: ManifestView, scanned: list[str]) -> HandoffCheck:
    """Parcels the driver scanned against the manifest: extras and gaps are both reported."""
    expected = {line.parcel_id for line in manifest.lines}
    seen = list(dict.fromkeys(code.strip() for code in scanned if code.strip()))
    return HandoffCheck(
        scanned_ok=tuple(c for c in seen if c in expected),
        not_in_manifest=tuple(c for c in seen if c not in expected),
        missing=tuple(sorted(expected - set(seen))),
    )
