"""What a parcel label says, independent of how it is drawn (ZPL and PNG show the same)."""

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
    #: Sender block from the station config ([shipper] name and address lines).
    ship_from: tuple[str, ...] = ()
    #: Handling marks derived from the lines: FRAGILE, LIQUID.
    marks: tuple[str, ...] = ()
    #: "Parcel n of m" of a multi-box order: ``label.printed``'s ``seq`` and
    #: ``parcel_count`` (and ``items`` its ``units``, the units in this box).
    parcel_no: int = 1
    parcel_count: int = 1

    def text_lines(self) -> list[str]:
        """Human-readable block printed above the barcode (same on ZPL and PNG)."""
        weight = f"{self.weight_g / 1000:.3f} kg" if self.weight_g is not None else "-"
        sender = [f"From: {self.ship_from[0]}", *self.ship_from[1:3]] if self.ship_from else []
        return [
            f"{self.carrier} / {self.tariff}",
            *sender,
            "",
            "To: " + self.recipient,
            *self.address_lines,
            self.country,
            "",
            f"Order {self.order_id}   {self.items} pcs   {weight}",
            f"Parcel {self.parcel_no} of {self.parcel_count}   "
            f"{self.packed_at:%Y-%m-%d %H:%M}  {self.station_id}",
        ]

    @property
    def marks_line(self) -> str:
        return "  ".join(f"[{mark}]" for mark in self.marks)
