"""Orders as the intake reads them: plain data, independent of storage and UI."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


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


@dataclass(slots=True)
class OrderData:
    id: str
    tote: str = ""
    priority: int = 0
    ship_by: datetime | None = None
    customer: Customer = field(default_factory=Customer)
    address: Address = field(default_factory=Address)
    carrier: str = ""
    declared_value: Decimal | None = None
    currency: str = ""
    lines: list[LineData] = field(default_factory=list)
    #: Where in the file the order came from ("orders[2]" or "line 5"), for messages.
    source: str = ""
