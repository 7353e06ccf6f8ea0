"""The facts a `PackState` keeps (scans, box, weighing, parcels), apart so state.py stays short."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from msgspec import Struct

from packstation.domain.carriers import Choice
from packstation.domain.workflow.model import DefectKind, OverrideReason

__all__ = [
    "MARKETPLACE_TARIFF",
    "AcceptedScan",
    "BoxChoice",
    "CarrierOverride",
    "DefectEntry",
    "Parcel",
    "SealedBox",
    "SkippedCheck",
    "Verdict",
    "WeightCheck",
]


class AcceptedScan(Struct, frozen=True):
    line_id: int
    code: str
    gtin: str | None = None
    identity: str | None = None
    #: What the unit's GS1 code carried (AI 10, 17, 21), or the serial asked for after it.
    lot: str | None = None
    expiry: date | None = None
    serial: str | None = None
    #: "serial" or "imei" when the unit's line asks for one (`domain/units.SerialKind`).
    ask: str = ""


class BoxChoice(Struct, frozen=True):
    code: str
    name: str
    tare_g: Decimal
    #: The box the packer scanned first for this parcel (a later scan may change it).
    first: str = ""


class Verdict(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OVERRIDDEN = "overridden"


class WeightCheck(Struct, frozen=True):
    actual_g: Decimal
    expected_g: Decimal
    tolerance_g: Decimal
    box_code: str
    verdict: Verdict
    lead_id: int | None = None
    reason: OverrideReason | None = None

    @property
    def difference_g(self) -> Decimal:
        return self.actual_g - self.expected_g


class DefectEntry(Struct, frozen=True):
    line_id: int
    defect: DefectKind
    qty: int
    resolution: str


#: The tariff of a marketplace order's parcels: the marketplace's own, not ours to choose.
MARKETPLACE_TARIFF = "marketplace"


class Parcel(Struct, frozen=True):
    parcel_id: str
    carrier: str
    tariff: str
    cost: Decimal
    days: int
    weight_g: Decimal
    #: Parcel ``seq`` of ``count`` (multi-box orders); one box is parcel 1 of 1.
    seq: int = 1
    count: int = 1
    confirmed: bool = False
    #: Why the rules chose this tariff (None on labels stored before choices were kept).
    choice: Choice | None = None
    #: Set when a lead chose the tariff: their name, the reason and its note.
    override_by: str = ""
    override_reason: str = ""
    override_note: str = ""
    #: A marketplace order's label barcode, once the marketplace gave it ("" until then,
    #: and for our own labels: their barcode is ``parcel_id``).
    barcode: str = ""
    #: The marketplace label's other barcodes naming this parcel (Ozon's upper and lower).
    extra_codes: tuple[str, ...] = ()

    @property
    def codes(self) -> tuple[str, ...]:
        """What a scan-back of this parcel's label may read (nothing, for a marketplace
        parcel whose label has not come: our id is printed nowhere)."""
        if self.barcode:
            return (self.barcode, *self.extra_codes)
        return () if self.tariff == MARKETPLACE_TARIFF else (self.parcel_id,)

    @property
    def shown(self) -> str:
        """What the packer reads as this parcel: the barcode on its label (a marketplace's,
        once it came), else our id."""
        return self.barcode or self.parcel_id


class SealedBox(Struct, frozen=True):
    """A box closed with CMD:NEWBOX and weighed: ``scans[:upto]`` are in it and earlier boxes."""

    box: BoxChoice
    weight: WeightCheck
    upto: int

    @property
    def items_g(self) -> Decimal:
        return self.weight.expected_g - self.box.tare_g


class CarrierOverride(Struct, frozen=True):
    """A lead's tariff for the rest of the order (``override.carrier``)."""

    carrier: str
    tariff: str
    lead_id: int
    lead_name: str
    reason: OverrideReason
    note: str = ""


class SkippedCheck(Struct, frozen=True):
    """A packaging check a lead let the packer skip (``override.check``): it counts as done."""

    index: int
    lead_name: str
    reason: OverrideReason
