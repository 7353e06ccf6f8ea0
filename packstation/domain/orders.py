"""Orders as the intake reads them: plain data, independent of storage and UI."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from packstation.domain.instructions import Instruction


class OrderStatus(enum.StrEnum):
    NEW = "new"
    NEEDS_CORRECTION = "needs_correction"
    READY = "ready"
    PACKING = "packing"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERED = "delivered"
    RETURNED = "returned"
    CANCELLED = "cancelled"


#: An imported order may replace the stored one only while nobody has started on it.
EDITABLE_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.READY, OrderStatus.NEEDS_CORRECTION})


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason an order cannot be packed as received: which field, what is wrong."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(slots=True)
class Customer:
    name: str = ""
    phone: str = ""
    email: str = ""
    locale: str = "ru"


@dataclass(slots=True)
class Address:
    country: str = ""
    region: str = ""
    city: str = ""
    postcode: str = ""
    line1: str = ""
    line2: str = ""


@dataclass(slots=True)
class LineData:
    sku: str = ""
    name: str = ""
    barcodes: list[str] = field(default_factory=list)
    qty: int = 0
    #: None when the file did not say: a validation problem, since the weight check needs it.
    unit_weight_g: Decimal | None = None
    fragile: bool = False
    liquid: bool = False
    marked: bool = False
    hs_code: str = ""
    unit_price: Decimal | None = None
    #: Length, width and height in whole millimetres (optional: for the box suggestion).
    dims_mm: tuple[int, int, int] | None = None
    #: "serial" or "imei": each unit's serial number is asked for at packing ("": not).
    serial: str = ""
    #: Pack instructions for this line's SKU (order files; `domain/instructions.py`).
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(slots=True)
class OrderData:
    id: str
    tote: str = ""
    priority: int = 0
    ship_by: datetime | None = None
    #: The day the order must reach the customer (optional; units must not expire before).
    deliver_by: date | None = None
    customer: Customer = field(default_factory=Customer)
    address: Address = field(default_factory=Address)
    carrier: str = ""
    declared_value: Decimal | None = None
    currency: str = ""
    lines: list[LineData] = field(default_factory=list)
    #: Pack instructions for the whole order, and the gift note printed as an insert.
    instructions: list[Instruction] = field(default_factory=list)
    gift_note: str = ""
    #: Where in the file the order came from ("orders[2]" or "line 5"), for messages.
    source: str = ""


def moved_to_future(orders: Iterable[OrderData], now: datetime) -> list[OrderData]:
    """Sample orders moved by whole days so the earliest ship-by is the first one after `now`.

    The sample files carry fixed dates; a demo made a week later would show every
    order late. Whole days keep each order's time of day and the spacing between
    orders (which one is due first, which is at risk).
    """
    orders = list(orders)
    earliest = min((o.ship_by for o in orders if o.ship_by is not None), default=None)
    if earliest is None:
        return orders
    days = (now - earliest) // timedelta(days=1) + 1
    shift = timedelta(days=days)
    return [
        o
        if o.ship_by is None
        else replace(
            o,
            ship_by=o.ship_by + shift,
            deliver_by=o.deliver_by + shift if o.deliver_by is not None else None,
        )
        for o in orders
    ]
