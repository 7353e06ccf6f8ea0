"""What a parcel label says, independent of how it is drawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class LabelData:
    parcel_id: str
    order_id: str
    carrier: str
    tariff: str
    recipient: str
    address_lines: tuple[str, ...]
    country: str
    weight_g: Decimal | None
    packed_at: datetime
    station_id: str = ""
    items: int = 0

    def text_lines(self) -> list[str]:
        """Human-readable block printed above the barcode (same on ZPL and PNG)."""
        weight = f"{self.weight_g / 1000:.3f} kg" if self.weight_g is not None else "-"
        return [
            f"{self.carrier} / {self.tariff}",
            "",
            self.recipient,
            *self.address_lines,
            self.country,
            "",
            f"Order {self.order_id}   {self.items} pcs   {weight}",
            f"{self.packed_at:%Y-%m-%d %H:%M}  {self.station_id}",
        ]
