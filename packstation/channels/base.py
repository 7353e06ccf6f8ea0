"""What every marketplace channel gives the station, whatever its API looks like.

A channel module (`ozon.py`, `wildberries.py`) turns its marketplace's JSON into
these plain values and back; everything above it (sync, the station, manifests)
sees only them, so a third marketplace is one more module, not a change elsewhere.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class ChannelError(Exception):
    """A marketplace call that failed for good (after retries), with what to tell people."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False):
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class NotReady(ChannelError):
    """The marketplace has not made it yet (a label some seconds after ship): ask again."""

    def __init__(self, message: str):
        super().__init__(message, retryable=True)


class PostingState(enum.StrEnum):
    """Where a posting is at the marketplace, as far as packing cares."""

    #: Ours to pack (Ozon awaiting_packaging; WB new / confirm).
    TO_PACK = "to_pack"
    #: Packed and handed to the marketplace's flow (Ozon awaiting_deliver; WB complete).
    SHIPPED = "shipped"
    #: Cancelled by the buyer or the marketplace: must not leave the warehouse.
    CANCELLED = "cancelled"
    #: Anything else (delivering, delivered, arbitration): not the station's business.
    OTHER = "other"


class MarkKind(enum.StrEnum):
    """Per-unit data a marketplace may require before a parcel ships (WB `requiredMeta`)."""

    SGTIN = "sgtin"  # Chestny ZNAK marking code
    UIN = "uin"  # jewellery identifier
    IMEI = "imei"
    GTIN = "gtin"
    EXPIRATION = "expiration"


@dataclass(frozen=True, slots=True)
class Account:
    """Who the credentials belong to, as the marketplace says (`channels check`)."""

    name: str
    ident: str


@dataclass(frozen=True, slots=True)
class PostingItem:
    #: The seller's article (Ozon offer_id, WB article): our SKU.
    sku: str
    name: str
    qty: int
    #: The marketplace's product id (Ozon sku, WB nmId), for product info and codes.
    product_ref: str
    barcodes: tuple[str, ...] = ()
    unit_weight_g: Decimal | None = None
    unit_price: Decimal | None = None
    currency: str = ""
    dims_mm: tuple[int, int, int] | None = None
    #: What must be captured per unit before the label (empty: nothing).
    required: frozenset[MarkKind] = frozenset()
    optional: frozenset[MarkKind] = frozenset()


@dataclass(frozen=True, slots=True)
class Posting:
    """One marketplace order as it stands at the marketplace."""

    #: Ozon posting_number, WB order id (as text): unique per marketplace.
    ref: str
    state: PostingState
    items: tuple[PostingItem, ...] = ()
    ship_by: datetime | None = None
    warehouse_id: str = ""
    #: The marketplace's delivery method ("Ozon Логистика курьеру"): the carrier shown.
    delivery: str = ""
    city: str = ""
    #: WB groups orders into supplies; Ozon leaves it empty.
    group_ref: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class UnitMarks:
    """What the packer scanned for one unit of one line (a marking code, an IMEI...)."""

    product_ref: str
    marks: dict[MarkKind, str]


@dataclass(frozen=True, slots=True)
class MarkVerdict:
    """The marketplace's answer to one unit's marks: accepted, or why not."""

    product_ref: str
    value: str
    accepted: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    """A label, act or sticker as the marketplace gave it: print it as it is."""

    kind: str  # "pdf", "png" or "zpl"
    data: bytes
    #: What the printed barcode says, for the scan-back check ("" when not known).
    barcode: str = ""
    #: Other barcodes printed on it that name the same parcel, taken at the scan-back too
    #: (Ozon's upper and lower barcode: its label may not carry the posting number).
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One HTTP call to a marketplace, for the audit and the lead's screen; never a secret."""

    channel: str
    method: str
    endpoint: str
    status: int | None
    duration_ms: float
    error: str = ""
    attempt: int = 1


class Marketplace(Protocol):
    """The small interface a marketplace module implements (one instance per account)."""

    kind: str
    name: str
    #: Whether `label` takes each package's ref from `ship` (Ozon: a posting number per
    #: package) or the posting's own (WB: a sticker per order; `ship` gives the supply).
    label_per_package: bool

    def account(self) -> Account:
        """Whether the credentials work, and whose they are."""
        ...

    def postings_to_pack(self) -> Iterator[Posting]:
        """Every posting awaiting packaging in the channel's warehouses, page by page."""
        ...

    def states(self, refs: Sequence[str]) -> dict[str, PostingState]:
        """Where each of these postings is now (cancellations, changes)."""
        ...

    def submit_marks(self, posting: Posting, units: Sequence[UnitMarks]) -> list[MarkVerdict]:
        """Send every unit's marks before the label; one verdict per value sent.

        Ozon answers a set with a task: this polls its status until final. A unit
        rejected comes back `accepted=False` with the marketplace's reason."""
        ...

    def ship(self, posting: Posting, boxes: Sequence[Sequence[tuple[str, int]]]) -> list[str]:
        """Hand the packed posting over: Ozon ships it in these packages (each a list of
        (product_ref, qty)), WB adds it to the open supply. Returns the package (Ozon) or
        supply (WB) refs. After a lost reply it asks the marketplace before sending again."""
        ...

    def label(self, ref: str) -> Document:
        """The marketplace's label for a shipped posting; `NotReady` while it is being made."""
        ...

    def close_handoff(self, refs: Sequence[str]) -> list[Document]:
        """Close the day's shipment the marketplace's way (Ozon act, WB supply deliver) and
        return what to print (act PDF, container labels, supply QR)."""
        ...

    def message_buyer(self, ref: str, text: str) -> None:
        """Write to the buyer of this posting through the marketplace's chat."""
        ...

    def close(self) -> None: ...
