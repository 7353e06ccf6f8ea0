"""Returns and refunds: what a scan on the returns screen means, and the refund rules.

Pure logic (no storage, no UI). The returns screen keeps a `ReturnSession` and
feeds it every line of text (a scan, or keys typed and Enter) through
`handle_text`, which returns the next session and an `Outcome` to show. Two
things need the database and are asked for through the outcome: opening a
return (`Outcome.lookup`, answered with `opened`) and closing it
(`Outcome.close`, a `ClosePlan` from `close_plan`, answered with `closed`).

The steps, derived from the session (never stored)::

    IDLE  -- return label / RMA / order id -->  ITEMS
    ITEMS -- item code -->  CONDITION (1..5)  -->  DECISION (F / P / N)
             F: refund = unit price                        --> ITEMS
             P: AMOUNT (> 0, <= unit price) --> REASON     --> ITEMS
             N: REASON                                     --> ITEMS
    ITEMS -- CMD:OK -->  (closed by the database)  -->  DONE  -- next label --> ITEMS

An item is refused when it is not in the order, or when more units would come
back than were shipped (ordered minus short-shipped) less those already
returned. A marking code that was never packed into this order is accepted
as `not_ours` (no refund), so the inspection records what came back; so is a
serial, or a lot, that this order did not ship (`domain/units.match_returned`). A
line whose every unit left with a serial takes a unit only by its serial (its
GS1 code, or the serial label scanned by itself).
Refunds are per unit: full is the line's unit price, partial an amount up to
it with a reason, none needs a reason. A line without a unit price can only
get `none` (the amount must come from the order).

`CMD:UNDO` drops the last item, `CMD:CANCEL` drops the whole return (nothing
was written yet). The announced-returns file (`packstation returns import`) is read
by `returns_file`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from packstation.domain.codes import CodeKind, ScannedCode, parse_code
from packstation.domain.return_views import (
    LookupRefusal,
    RefusalKind,
    ReturnLineView,
    ReturnView,
    return_line_view,
)
from packstation.domain.units import (
    Mismatch,
    ShippedUnit,
    item_serial,
    match_returned,
    serial_line,
)
from packstation.i18n import Msg

__all__ = [
    "CONDITIONS",
    "DEFAULT_CURRENCY",
    "REASONS",
    "RETURNABLE_STATUSES",
    "RETURN_ROLES",
    "ClosePlan",
    "CloseSummary",
    "Condition",
    "Decision",
    "Item",
    "LookupRefusal",
    "Outcome",
    "PlannedLine",
    "RefusalKind",
    "ReturnLineView",
    "ReturnSession",
    "ReturnStatus",
    "ReturnStep",
    "ReturnView",
    "close_plan",
    "closed",
    "handle_text",
    "hint_for",
    "may_open_returns",
    "money",
    "opened",
    "parse_amount",
    "return_line_view",
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


#: F / P / N, and the letters the same keys type in the Russian layout (А / З / Т).
DECISION_KEYS: dict[str, Decision] = {
    "F": Decision.FULL,
    "P": Decision.PARTIAL,
    "N": Decision.NONE,
    "А": Decision.FULL,
    "З": Decision.PARTIAL,
    "Т": Decision.NONE,
}
#: Stock reasons for partial and no refunds, picked by number; any other text is the reason.
REASONS: tuple[str, ...] = ("used", "damaged", "missing_parts", "not_ours", "late")
#: Reason stored for a unit whose marking code this order never shipped.
MARKING_MISMATCH = "marking_mismatch"
#: Reasons of a unit that is not the one shipped (its serial then stays shipped).
_MISMATCHES = frozenset({MARKING_MISMATCH, *(m.value for m in Mismatch)})


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


def _m(key: str, /, **params: object) -> Msg:
    return Msg(key, params)


def hint_for(session: ReturnSession) -> Msg:
    step = session.step
    if step is ReturnStep.CONDITION:
        return _m("returns.hint.condition")
    if step is ReturnStep.DECISION:
        return _m("returns.hint.decision")
    if step is ReturnStep.AMOUNT:
        item = session.items[-1]
        line = session.view.line(item.line_id) if session.view else None
        price = money(line.unit_price) if line and line.unit_price is not None else "?"
        currency = session.view.currency if session.view else ""
        return _m("returns.hint.amount", max=price, currency=currency)
    if step is ReturnStep.REASON:
        return _m("returns.hint.reason")
    if step is ReturnStep.ITEMS:
        return _m("returns.hint.items" if session.items else "returns.hint.first_item")
    return _m("returns.hint.open")


def _good(session: ReturnSession, key: str, code: str | None = None, /, **p: object) -> Outcome:
    return Outcome(True, _m(key, **p), hint_for(session), code)


def _bad(session: ReturnSession, key: str, code: str | None = None, /, **p: object) -> Outcome:
    return Outcome(False, _m(key, **p), hint_for(session), code)


def _info(session: ReturnSession, key: str, /, **p: object) -> Outcome:
    return Outcome(None, _m(key, **p), hint_for(session))


_CHECK_DIGIT = re.compile(r"expected (\d+), got (\d+)")


def _invalid(session: ReturnSession, code: ScannedCode) -> Outcome:
    found = next(filter(None, (_CHECK_DIGIT.search(e) for e in code.errors)), None)
    if found is not None:
        return _bad(session, "returns.bad_check_digit", code.text, expected=found[1], got=found[2])
    detail = code.errors[0] if code.errors else ""
    return _bad(session, "returns.invalid", code.text, detail=detail)


def handle_text(session: ReturnSession, text: str) -> tuple[ReturnSession, Outcome]:
    """One scan (or typed line) on the returns screen."""
    code = parse_code(text)
    if code.kind is CodeKind.EMPTY:
        return session, _info(session, "returns.ready")
    if code.kind is CodeKind.COMMAND:
        return _command(session, code.command or "")
    step = session.step
    if step in (ReturnStep.IDLE, ReturnStep.DONE):
        if len(code.text) > MAX_LABEL:  # no label, RMA or order id is that long
            return session, _bad(session, "returns.not_found", code.text)
        return session, Outcome(
            None, _m("returns.looking_up", key=code.text), hint_for(session), lookup=code.text
        )
    if step is ReturnStep.ITEMS:
        return _item(session, code)
    if step is ReturnStep.CONDITION:
        return _condition(session, text.strip())
    if step is ReturnStep.DECISION:
        return _decision(session, text.strip())
    if step is ReturnStep.AMOUNT:
        return _amount(session, text.strip())
    return _reason(session, text.strip())


def _command(session: ReturnSession, name: str) -> tuple[ReturnSession, Outcome]:
    if session.view is None:
        if name in ("OK", "CANCEL") and session.last is not None:
            fresh = ReturnSession()
            return fresh, _info(fresh, "returns.ready")
        if name in ("OK", "CANCEL", "UNDO"):
            return session, _info(session, "returns.nothing_open")
        return session, _bad(session, "returns.unknown_command", f"CMD:{name}")
    if name == "CANCEL":
        fresh = ReturnSession()
        return fresh, _info(fresh, "returns.cancelled", order=session.view.order_id)
    if name == "UNDO":
        if not session.items:
            return session, _info(session, "returns.nothing_to_undo")
        item = session.items[-1]
        after = replace(session, items=session.items[:-1])
        line = session.view.line(item.line_id)
        return after, _good(after, "returns.undone", sku=line.sku if line else "?")
    if name == "OK":
        if not session.items:
            return session, _bad(session, "returns.no_items")
        if session.step is not ReturnStep.ITEMS:
            return session, _bad(session, "returns.finish_item")
        return session, Outcome(
            None,
            _m("returns.closing", order=session.view.order_id),
            hint_for(session),
            close=True,
        )
    return session, _bad(session, "returns.unknown_command", f"CMD:{name}")


def _item(session: ReturnSession, code: ScannedCode) -> tuple[ReturnSession, Outcome]:
    view = session.view
    assert view is not None
    if code.kind is CodeKind.INVALID:
        return session, _invalid(session, code)
    lines = [line for line in view.lines if line.matches(code)]
    serial = item_serial(code)
    if not lines and code.kind is CodeKind.TEXT:  # a serial label scanned by itself
        found = serial_line(view.units, code.text)
        lines = [line for line in view.lines if line.line_id == found]
        serial = code.text if lines else None
    if not lines:
        if code.text in view.scan_keys():
            return session, _info(session, "returns.already_open", order=view.order_id)
        return session, _bad(session, "returns.not_in_order", code.text, order=view.order_id)
    open_lines = [line for line in lines if session.left(line) > 0]
    if not open_lines:
        line = lines[0]
        key = "returns.over_returned" if line.returned_before else "returns.over_shipped"
        return session, _bad(
            session,
            key,
            code.text,
            sku=line.sku,
            name=line.name,
            shipped=line.shipped,
            returned=line.returned_before + session.count(line.line_id),
        )
    line = open_lines[0]
    item = Item(line.line_id, code.text, code.identity, serial=serial, lot=code.batch)
    if serial is not None and any(i.serial == serial for i in session.items):
        return session, _bad(session, "returns.serial_repeat", code.text)
    out = line.shipped - line.returned_before
    mismatch = match_returned(view.units, line.line_id, out, serial, code.batch)
    if mismatch is Mismatch.NO_SERIAL:
        return session, _bad(session, "returns.serial_needed", code.text, sku=line.sku)
    if code.identity is not None:
        if any(i.identity == code.identity for i in session.items):
            return session, _bad(session, "returns.marking_repeat", code.text)
        if view.markings and code.identity not in view.markings:
            item = replace(
                item,
                condition=Condition.NOT_OURS,
                decision=Decision.NONE,
                reason=MARKING_MISMATCH,
            )
            after = replace(session, items=(*session.items, item))
            return after, _bad(after, "returns.marking_foreign", code.text, sku=line.sku)
    if mismatch is not None:  # not the unit this order shipped: recorded, never refunded
        item = replace(item, condition=Condition.NOT_OURS, decision=Decision.NONE)
        after = replace(session, items=(*session.items, replace(item, reason=mismatch.value)))
        key = "returns.lot_foreign" if mismatch is Mismatch.LOT else "returns.serial_foreign"
        return after, _bad(after, key, code.text, sku=line.sku, lot=code.batch or "")
    after = replace(session, items=(*session.items, item))
    n = line.returned_before + after.count(line.line_id)
    return after, _good(
        after, "returns.item_ok", code.text, sku=line.sku, name=line.name, n=n, shipped=line.shipped
    )


def _number(text: str, limit: int) -> int | None:
    if text.isascii() and text.isdigit() and 1 <= int(text) <= limit:
        return int(text)
    return None


def _with_last(session: ReturnSession, item: Item) -> ReturnSession:
    return replace(session, items=(*session.items[:-1], item))


def _condition(session: ReturnSession, text: str) -> tuple[ReturnSession, Outcome]:
    n = _number(text, len(CONDITIONS))
    if n is None:
        return session, _bad(session, "returns.pick_condition", text)
    condition = CONDITIONS[n - 1]
    item = replace(session.items[-1], condition=condition)
    if condition is Condition.NOT_OURS:  # never refunded: nothing more to decide
        item = replace(item, decision=Decision.NONE, reason=Condition.NOT_OURS.value)
    after = _with_last(session, item)
    return after, _good(after, "returns.condition_set", condition=_m(f"returns.cond.{condition}"))


def _decision(session: ReturnSession, text: str) -> tuple[ReturnSession, Outcome]:
    decision = DECISION_KEYS.get(text.upper())
    if decision is None:
        return session, _bad(session, "returns.pick_decision", text)
    assert session.view is not None
    item = session.items[-1]
    line = session.view.line(item.line_id)
    price = line.unit_price if line else None
    if decision is not Decision.NONE and (price is None or price <= 0):
        return session, _bad(session, "returns.no_price", sku=line.sku if line else "?")
    amount = price if decision is Decision.FULL and price is not None else Decimal(0)
    after = _with_last(session, replace(item, decision=decision, amount=amount))
    key = f"returns.decision_{decision}"
    return after, _good(after, key, amount=money(amount), currency=session.view.currency)


def _amount(session: ReturnSession, text: str) -> tuple[ReturnSession, Outcome]:
    assert session.view is not None
    item = session.items[-1]
    line = session.view.line(item.line_id)
    price = line.unit_price if line and line.unit_price is not None else Decimal(0)
    amount = parse_amount(text)
    currency = session.view.currency
    if amount is None or amount <= 0:
        return session, _bad(session, "returns.amount_invalid", text)
    if amount > price:
        return session, _bad(
            session, "returns.amount_too_big", text, max=money(price), currency=currency
        )
    after = _with_last(session, replace(item, amount=amount))
    return after, _good(after, "returns.amount_set", amount=money(amount), currency=currency)


def _reason(session: ReturnSession, text: str) -> tuple[ReturnSession, Outcome]:
    n = _number(text, len(REASONS))
    reason = REASONS[n - 1] if n is not None else " ".join(text.split())
    if not reason:
        return session, _bad(session, "returns.reason_missing")
    if len(reason) > MAX_REASON:
        return session, _bad(session, "returns.reason_too_long", limit=MAX_REASON)
    after = _with_last(session, replace(session.items[-1], reason=reason))
    return after, _good(after, "returns.reason_set")


# --------------------------------------------------------------------------- open and close


def opened(
    session: ReturnSession, key: str, found: ReturnView | LookupRefusal
) -> tuple[ReturnSession, Outcome]:
    """The database's answer to `Outcome.lookup`."""
    if isinstance(found, ReturnView):
        fresh = ReturnSession(view=found)
        left = sum(fresh.left(line) for line in found.lines)
        return fresh, _good(fresh, "returns.opened", key, order=found.order_id, units=left)
    if found.kind is RefusalKind.NOT_FOUND:
        code = parse_code(key)
        if code.kind is CodeKind.INVALID:
            return session, _invalid(session, code)
        if code.kind in (CodeKind.GTIN, CodeKind.GS1, CodeKind.MARKING, CodeKind.SSCC):
            return session, _bad(session, "returns.item_first", key)
        return session, _bad(session, "returns.not_found", key)
    if found.kind is RefusalKind.NOT_RETURNABLE:
        status = _m(f"status.{found.status}")
        return session, _bad(
            session, "returns.not_returnable", key, order=found.order_id, status=status
        )
    if found.kind is RefusalKind.ALREADY_CLOSED:
        return session, _bad(session, "returns.already_closed", key, order=found.order_id)
    return session, _bad(session, "returns.nothing_left", key, order=found.order_id)


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


def closed(session: ReturnSession, summary: CloseSummary | str) -> tuple[ReturnSession, Outcome]:
    """The database's answer to `Outcome.close`: the summary, or why it was refused."""
    if isinstance(summary, str):
        return session, _bad(session, "returns.close_refused", detail=summary)
    done = ReturnSession(last=summary)
    if summary.refund > 0:
        return done, _good(
            done,
            "returns.closed_refund",
            order=summary.order_id,
            units=summary.units,
            amount=money(summary.refund),
            currency=summary.currency,
        )
    return done, _good(
        done, "returns.closed_no_refund", order=summary.order_id, units=summary.units
    )
