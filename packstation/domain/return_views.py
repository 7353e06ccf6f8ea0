"""What is returned, as the returns logic sees it: the order's lines with what left and what
came back before (`ReturnView`, built by `models/returns_repo`), and why a lookup found
nothing to receive (`LookupRefusal`). Values only; `domain/returns.py` re-exports them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from packstation.domain.check_digits import gtin14
from packstation.domain.codes import CodeKind, ScannedCode
from packstation.domain.units import ShippedUnit

__all__ = ["LookupRefusal", "RefusalKind", "ReturnLineView", "ReturnView", "return_line_view"]


@dataclass(frozen=True, slots=True)
class ReturnLineView:
    line_id: int
    sku: str
    name: str
    #: Units that left the warehouse: ordered minus short-shipped.
    shipped: int
    #: Units of this line in returns closed before.
    returned_before: int
    unit_price: Decimal | None
    barcodes: tuple[str, ...] = ()
    gtins: tuple[str, ...] = ()

    def matches(self, code: ScannedCode) -> bool:
        if code.kind is CodeKind.INVALID:
            return False
        if code.text in self.barcodes or (code.gtin is not None and code.gtin in self.gtins):
            return True
        return code.kind is CodeKind.TEXT and code.text == self.sku


def return_line_view(
    line_id: int,
    sku: str,
    name: str,
    shipped: int,
    returned_before: int,
    unit_price: Decimal | None,
    barcodes: Iterable[str] = (),
) -> ReturnLineView:
    codes = tuple(barcodes)
    gtins = tuple(dict.fromkeys(g for g in map(gtin14, codes) if g is not None))
    return ReturnLineView(line_id, sku, name, shipped, returned_before, unit_price, codes, gtins)


@dataclass(frozen=True, slots=True)
class ReturnView:
    """An order as the returns screen needs it, with the announced return if there is one."""

    order_id: str
    order_status: str
    currency: str
    lines: tuple[ReturnLineView, ...]
    customer_name: str = ""
    #: The announced return being received; None for a return nobody announced.
    return_id: int | None = None
    rma: str | None = None
    label_code: str | None = None
    #: What the customer said (announced returns).
    reason: str = ""
    announced_items: tuple[tuple[str, int], ...] = ()
    #: Marking-code identities packed into this order (empty when none were recorded).
    markings: frozenset[str] = frozenset()
    #: Units of the order with a serial or lot that left and have not come back yet.
    units: tuple[ShippedUnit, ...] = ()
    #: When the label was scanned (the screen's clock): stored as the return's received_at.
    received_at: datetime | None = None

    def line(self, line_id: int) -> ReturnLineView | None:
        return next((ln for ln in self.lines if ln.line_id == line_id), None)

    def scan_keys(self) -> tuple[str, ...]:
        return tuple(k for k in (self.order_id, self.rma, self.label_code) if k)


class RefusalKind(enum.StrEnum):
    NOT_FOUND = "not_found"
    NOT_RETURNABLE = "not_returnable"
    ALREADY_CLOSED = "already_closed"
    NOTHING_LEFT = "nothing_left"


@dataclass(frozen=True, slots=True)
class LookupRefusal:
    kind: RefusalKind
    key: str
    order_id: str = ""
    status: str = ""
