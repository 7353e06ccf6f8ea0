"""The returns screen's state, its answer to each input, and the plan closing a return writes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from packstation.domain.return_rules import MARKING_MISMATCH, Condition, Decision
from packstation.domain.return_views import ReturnLineView, ReturnView
from packstation.domain.units import Mismatch, ShippedUnit
from packstation.i18n import Msg

__all__ = [
    "ClosePlan",
    "CloseSummary",
    "Item",
    "Outcome",
    "PlannedLine",
    "ReturnSession",
    "ReturnStep",
    "close_plan",
]

#: Reasons of a unit that is not the one shipped (its serial then stays shipped).
_MISMATCHES = frozenset({MARKING_MISMATCH, *(m.value for m in Mismatch)})


# --------------------------------------------------------------------------- the session


class ReturnStep(enum.StrEnum):
    IDLE = "idle"
    ITEMS = "items"
    CONDITION = "condition"
    DECISION = "decision"
    AMOUNT = "amount"
    REASON = "reason"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Item:
    """One returned unit as it is inspected."""

    line_id: int
    code: str
    identity: str | None = None
    condition: Condition | None = None
    decision: Decision | None = None
    #: Refund for this unit; for partial set by the AMOUNT step (0 until then).
    amount: Decimal = Decimal(0)
    reason: str = ""
    #: The unit's serial and lot as scanned (its GS1 code, or its serial label).
    serial: str | None = None
    lot: str | None = None

    @property
    def step(self) -> ReturnStep:
        if self.condition is None:
            return ReturnStep.CONDITION
        if self.decision is None:
            return ReturnStep.DECISION
        if self.decision is Decision.PARTIAL and self.amount <= 0:
            return ReturnStep.AMOUNT
        if self.decision is not Decision.FULL and not self.reason:
            return ReturnStep.REASON
        return ReturnStep.ITEMS


@dataclass(frozen=True, slots=True)
class CloseSummary:
    order_id: str
    return_id: int
    units: int
    refund: Decimal
    currency: str
    notifications: int = 0


@dataclass(frozen=True, slots=True)
class ReturnSession:
    view: ReturnView | None = None
    items: tuple[Item, ...] = ()
    #: The return closed last, shown until the next one is opened.
    last: CloseSummary | None = None

    @property
    def step(self) -> ReturnStep:
        if self.view is None:
            return ReturnStep.DONE if self.last is not None else ReturnStep.IDLE
        if self.items:
            return self.items[-1].step
        return ReturnStep.ITEMS

    def count(self, line_id: int) -> int:
        return sum(1 for item in self.items if item.line_id == line_id)

    def left(self, line: ReturnLineView) -> int:
        """Units of the line that may still come back in this return."""
        return max(line.shipped - line.returned_before - self.count(line.line_id), 0)

    @property
    def refund(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal(0))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the screen shows for one line of input; `lookup`/`close` ask for the database."""

    ok: bool | None
    message: Msg
    hint: Msg
    code: str | None = None
    #: Open a return by this key (label, RMA or order id), then call `opened`.
    lookup: str | None = None
    #: Commit `close_plan(session)`, then call `closed`.
    close: bool = False

    @property
    def bell(self) -> bool:
        return self.ok is False


# --------------------------------------------------------------------------- the close plan


@dataclass(frozen=True, slots=True)
class PlannedLine:
    line_id: int
    qty: int
    condition: Condition
    decision: Decision
    amount: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class ClosePlan:
    """What closing the return writes: its lines (units merged) and the refund total."""

    order_id: str
    return_id: int | None
    lines: tuple[PlannedLine, ...]
    refund: Decimal
    currency: str
    received_at: datetime | None = None
    identities: tuple[str, ...] = field(default=())
    #: Units that came back with a serial or lot, and the serials matched to units shipped.
    returned_units: tuple[ShippedUnit, ...] = field(default=())
    serials_back: tuple[str, ...] = field(default=())

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.lines)

    def units_of(self, line_id: int) -> int:
        return sum(line.qty for line in self.lines if line.line_id == line_id)


def close_plan(session: ReturnSession) -> ClosePlan:
    """Units with the same line, condition, decision, reason and unit amount become one line."""
    view = session.view
    if view is None or not session.items or session.step is not ReturnStep.ITEMS:
        raise ValueError("the return is not ready to close")
    groups: dict[tuple[int, Condition, Decision, str, Decimal], int] = {}
    for item in session.items:
        assert item.condition is not None and item.decision is not None
        key = (item.line_id, item.condition, item.decision, item.reason, item.amount)
        groups[key] = groups.get(key, 0) + 1
    lines = tuple(
        PlannedLine(line_id, qty, condition, decision, amount * qty, reason)
        for (line_id, condition, decision, reason, amount), qty in groups.items()
    )
    return ClosePlan(
        order_id=view.order_id,
        return_id=view.return_id,
        lines=lines,
        refund=sum((line.amount for line in lines), Decimal(0)),
        currency=view.currency,
        received_at=view.received_at,
        identities=tuple(i.identity for i in session.items if i.identity),
        returned_units=tuple(
            ShippedUnit(i.line_id, i.serial, i.lot) for i in session.items if i.serial or i.lot
        ),
        serials_back=tuple(
            i.serial for i in session.items if i.serial and i.reason not in _MISMATCHES
        ),
    )
