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

The values and limits live in `return_rules`, the session, its outcome and the close
plan in `return_session`; this module re-exports them with the views of `return_views`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from packstation.domain.codes import CodeKind, ScannedCode, parse_code
from packstation.domain.return_rules import (
    CONDITIONS,
    DEFAULT_CURRENCY,
    MARKING_MISMATCH,
    MAX_LABEL,
    MAX_REASON,
    REASONS,
    RETURN_ROLES,
    RETURNABLE_STATUSES,
    Condition,
    Decision,
    ReturnStatus,
    may_open_returns,
    money,
    parse_amount,
)
from packstation.domain.return_session import (
    ClosePlan,
    CloseSummary,
    Item,
    Outcome,
    PlannedLine,
    ReturnSession,
    ReturnStep,
    close_plan,
)
from packstation.domain.return_views import (
    LookupRefusal,
    RefusalKind,
    ReturnLineView,
    ReturnView,
    return_line_view,
)
from packstation.domain.units import Mismatch, item_serial, match_returned, serial_line
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

#: F / P / N, and the letters the same keys type in the Russian layout (А / З / Т).
DECISION_KEYS: dict[str, Decision] = {
    "F": Decision.FULL,
    "P": Decision.PARTIAL,
    "N": Decision.NONE,
    "А": Decision.FULL,
    "З": Decision.PARTIAL,
    "Т": Decision.NONE,
}


# --------------------------------------------------------------------------- the session


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
