"""What the pack workflow knows about orders and people: plain snapshots, no storage.

An ``OrderView`` is copied into the ``order.claimed`` record, so a station can
rebuild its state from its own records alone, and the audit shows exactly what
the packer was asked to pack, even if the order is edited later.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from msgspec import Struct, field

from packstation.domain.check_digits import gtin14
from packstation.domain.instructions import Instruction

__all__ = [
    "CheckItem",
    "ClaimRefusal",
    "DefectKind",
    "OverrideReason",
    "LineView",
    "Operator",
    "OrderView",
    "RefusalReason",
    "line_view",
]

LEAD_ROLES = frozenset({"lead", "admin"})
#: A new packer: packs practice orders at a training station (`packstation run --training`)
#: and is refused at a real one until a lead marks them ready (the role becomes packer).
TRAINEE_ROLE = "trainee"


class Operator(Struct, frozen=True):
    id: int
    badge: str
    name: str
    role: str = "packer"

    @property
    def is_lead(self) -> bool:
        """Leads and admins may approve overrides and release scanned orders."""
        return self.role in LEAD_ROLES


class LineView(Struct, frozen=True):
    line_id: int
    sku: str
    name: str
    qty: int
    unit_weight_g: Decimal
    fragile: bool = False
    liquid: bool = False
    marked: bool = False
    #: Codes exactly as printed (EAN, UPC, Code128 SKU ...).
    barcodes: tuple[str, ...] = ()
    #: 14-digit GTINs of those codes, so GS1 and marking scans match by GTIN.
    gtins: tuple[str, ...] = ()
    #: Length, width, height in mm; empty when the order file did not give them.
    dims_mm: tuple[int, ...] = ()
    #: "serial" or "imei": each unit's serial number is asked for after it (`domain/units`).
    serial: str = ""


def line_view(
    line_id: int,
    sku: str,
    name: str,
    qty: int,
    unit_weight_g: Decimal | int | str,
    *,
    barcodes: Iterable[str] = (),
    fragile: bool = False,
    liquid: bool = False,
    marked: bool = False,
    dims_mm: tuple[int, ...] = (),
    serial: str = "",
) -> LineView:
    """A ``LineView`` with ``gtins`` derived from the barcodes the same way scans are."""
    codes = tuple(barcodes)
    gtins = tuple(dict.fromkeys(g for g in map(gtin14, codes) if g is not None))
    return LineView(
        line_id=line_id,
        sku=sku,
        name=name,
        qty=qty,
        unit_weight_g=Decimal(unit_weight_g),
        fragile=fragile,
        liquid=liquid,
        marked=marked,
        barcodes=codes,
        gtins=gtins,
        dims_mm=dims_mm,
        serial=serial,
    )


class OrderView(Struct, frozen=True):
    id: str
    lines: tuple[LineView, ...]
    tote: str = ""
    ship_by: datetime | None = None
    country: str = ""
    city: str = ""
    #: Carrier the order asked for; empty lets the station choose.
    carrier: str = ""
    priority: int = 0
    #: Extra checklist profiles beyond those derived from the lines (e.g. "gift").
    profiles: tuple[str, ...] = field(default=())
    #: The `[[channels]]` account of a marketplace order: its label, carrier and marking
    #: codes are the marketplace's. Empty for an order from a file.
    channel: str = ""
    #: The day the order must reach the customer (order files); None: ship-by plus the
    #: configured transit days. Units must not expire before it (`domain/units.py`).
    deliver_by: date | None = None
    #: The order file's own instructions (order and lines: `domain/instructions.py`).
    instructions: tuple[Instruction, ...] = ()
    #: The order's own insert kinds (``GIFTNOTE`` when it has a gift note).
    inserts: tuple[str, ...] = ()
    #: The customer's identities (e-mail, name) that config instructions or inserts name.
    customer: tuple[str, ...] = ()

    def line(self, line_id: int) -> LineView | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)


class RefusalReason(enum.StrEnum):
    HELD_ELSEWHERE = "held_elsewhere"
    NOT_PACKABLE = "not_packable"


class ClaimRefusal(Struct, frozen=True):
    """Why ``find_order`` will not hand this order to this station."""

    order_id: str
    reason: RefusalReason
    #: Station holding it (HELD_ELSEWHERE).
    station: str = ""
    #: Current order status (NOT_PACKABLE), e.g. "packed" or "needs_correction".
    status: str = ""


class DefectKind(enum.StrEnum):
    MISSING = "missing"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    EXPIRED = "expired"
    OTHER = "other"

    @property
    def takes_unit_out(self) -> bool:
        """The unit is in hand but must not ship, so an already counted one is uncounted."""
        return self is not DefectKind.MISSING


class OverrideReason(enum.StrEnum):
    """Why a lead overrides: a weight outside tolerance, the carrier the rules chose, a
    packaging check the packer cannot do, or the cancel of a started order.

    OTHER (any purpose) needs a note. The order is the numbering the packer types in the
    reason step (``station/input.py``), so new reasons go at the end.
    """

    PACKAGING = "packaging"
    CATALOG_WEIGHT = "catalog_weight"
    SCALE = "scale"
    OTHER = "other"
    #: Carrier overrides: the customer (or marketplace) asked for this carrier or tariff,
    CUSTOMER_REQUEST = "customer_request"
    #: keeping the promised date matters more than price or the reliability floor,
    PROMISE = "promise"
    #: the chosen carrier cannot take it today (missed pickup, outage, depot closed).
    CARRIER_PROBLEM = "carrier_problem"
    #: Skipped checks: the material is not at this bench (no bubble wrap, no sealed bags),
    MATERIALS_MISSING = "materials_missing"
    #: the check does not apply to this parcel.
    NOT_APPLICABLE = "not_applicable"
    #: Cancels of a started order: the customer cancelled it,
    CUSTOMER_CANCELLED = "customer_cancelled"
    #: the stock is short or unusable (the order goes back to the queue for picking),
    STOCK_PROBLEM = "stock_problem"
    #: the packer took the wrong order (tote mix-up).
    WRONG_ORDER = "wrong_order"
    #: A box the items do not fit by size: the catalogue's item sizes are wrong,
    CATALOG_SIZE = "catalog_size"
    #: the items fit anyway (soft, folded, nested or laid diagonally).
    FITS_ANYWAY = "fits_anyway"

    @property
    def for_weight(self) -> bool:
        return self in _WEIGHT_REASONS or self is OverrideReason.OTHER

    @property
    def for_carrier(self) -> bool:
        """Offered for a carrier override; OTHER is offered for every purpose."""
        return self in _CARRIER_REASONS or self is OverrideReason.OTHER

    @property
    def for_check(self) -> bool:
        """Offered for skipping a packaging check."""
        return self in _CHECK_REASONS or self is OverrideReason.OTHER

    @property
    def for_cancel(self) -> bool:
        """Offered for cancelling a started order."""
        return self in _CANCEL_REASONS or self is OverrideReason.OTHER

    @property
    def for_box(self) -> bool:
        """Offered for a box the items do not fit by size."""
        return self in _BOX_REASONS or self is OverrideReason.OTHER


_WEIGHT_REASONS = frozenset(
    {OverrideReason.PACKAGING, OverrideReason.CATALOG_WEIGHT, OverrideReason.SCALE}
)
_CARRIER_REASONS = frozenset(
    {OverrideReason.CUSTOMER_REQUEST, OverrideReason.PROMISE, OverrideReason.CARRIER_PROBLEM}
)
_CHECK_REASONS = frozenset({OverrideReason.MATERIALS_MISSING, OverrideReason.NOT_APPLICABLE})
_CANCEL_REASONS = frozenset(
    {OverrideReason.CUSTOMER_CANCELLED, OverrideReason.STOCK_PROBLEM, OverrideReason.WRONG_ORDER}
)
_BOX_REASONS = frozenset({OverrideReason.CATALOG_SIZE, OverrideReason.FITS_ANYWAY})


class CheckItem(Struct, frozen=True):
    """One packaging check, fixed when the order is claimed so config edits cannot shift it."""

    profile: str
    text: str
