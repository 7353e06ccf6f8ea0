"""Values and limits of returns, shared by the returns screen, the returns file and the database."""

from __future__ import annotations

import enum
from decimal import Decimal, InvalidOperation

__all__ = [
    "CONDITIONS",
    "DEFAULT_CURRENCY",
    "MARKING_MISMATCH",
    "MAX_LABEL",
    "MAX_REASON",
    "MAX_RMA",
    "REASONS",
    "RETURNABLE_STATUSES",
    "RETURN_ROLES",
    "Condition",
    "Decision",
    "ReturnStatus",
    "may_open_returns",
    "money",
    "parse_amount",
]

#: Orders' `currency` is optional; refunds then use the marketplace's currency.
DEFAULT_CURRENCY = "RUB"
#: Order statuses a return may be received for (the goods have left the warehouse).
RETURNABLE_STATUSES = frozenset({"packed", "shipped", "delivery_failed", "delivered", "returned"})
#: Operator roles that may open the returns screen.
RETURN_ROLES = frozenset({"lead", "admin", "returns"})
MAX_REASON = 500
MAX_RMA = 64
MAX_LABEL = 100
CENT = Decimal("0.01")


class ReturnStatus(enum.StrEnum):
    #: Imported from the marketplace's file: expected, not here yet.
    ANNOUNCED = "announced"
    #: Inspected and decided at a station (received_at says when it was scanned in).
    CLOSED = "closed"


class Condition(enum.StrEnum):
    """What the returned unit looks like; the number is its key on the returns screen."""

    RESELLABLE = "resellable"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    MISSING_PARTS = "missing_parts"
    NOT_OURS = "not_ours"


CONDITIONS: tuple[Condition, ...] = tuple(Condition)


class Decision(enum.StrEnum):
    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


#: Stock reasons for partial and no refunds, picked by number; any other text is the reason.
REASONS: tuple[str, ...] = ("used", "damaged", "missing_parts", "not_ours", "late")
#: Reason stored for a unit whose marking code this order never shipped.
MARKING_MISMATCH = "marking_mismatch"


def may_open_returns(role: str | None) -> bool:
    return role in RETURN_ROLES


def money(amount: Decimal) -> str:
    """Amounts as stored and shown: two decimals, dot separator."""
    return f"{amount.quantize(CENT):.2f}"


def parse_amount(text: str) -> Decimal | None:
    """'450', '450.5', '1 250,00' -> Decimal with at most two decimals; None if not an amount."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not cleaned or not cleaned.isascii() or "_" in cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not value.is_finite() or value.adjusted() >= 12 or value != value.quantize(CENT):
        return None
    return value.quantize(CENT)
