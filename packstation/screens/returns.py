"""The returns screen: receive a customer's return, inspect each unit, decide the refund.

Pushed by `StationApp` (F11) for a lead, an admin or the returns desk. The
app keeps reading the scanner and the keyboard wedge and hands every line to
`ReturnsScreen.submit_text` while this screen is on top; the rules are
`packstation.domain.returns`. Opening a return (label, RMA or order id) and
closing it go to the database in thread workers; lines arriving meanwhile wait
in order, so a fast scanner never races the lookup.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import set_cell_size
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen

from packstation.domain.returns import (
    ClosePlan,
    CloseSummary,
    Item,
    LookupRefusal,
    Outcome,
    ReturnSession,
    ReturnView,
    close_plan,
    closed,
    handle_text,
    hint_for,
    money,
    opened,
)
from packstation.domain.text import printable
from packstation.i18n import TABLE, Msg, t
from packstation.widgets.result_panel import ResultPanel
from packstation.widgets.text_line import TextLine

if TYPE_CHECKING:
    from packstation.domain.workflow import Operator
    from packstation.models.db import Database

__all__ = ["CloseDone", "LookupDone", "ReturnsScreen"]

log = logging.getLogger(__name__)

SKU_W, NUM_W, PRICE_W = 13, 7, 10


class LookupDone(Message):
    def __init__(self, key: str, found: ReturnView | LookupRefusal | None, error: str) -> None:
        super().__init__()
        self.key = key
        self.found = found
        self.error = error


class CloseDone(Message):
    def __init__(self, summary: CloseSummary | str | None, error: str) -> None:
        super().__init__()
        self.summary = summary
        self.error = error


def _cell(text: str, width: int) -> str:
    return set_cell_size(printable(text, limit=width + 1), width)


class ReturnsScreen(Screen[None]):
    CSS_PATH = "returns.tcss"

    def __init__(
        self,
        *,
        operator: Operator,
        station_id: str,
        locale: str,
        database: Callable[[], Database | None],
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self.operator = operator
        self.station_id = station_id
        self.locale = locale
        self._database = database
        self._clock = clock
        self.session = ReturnSession()
        self.outcome: Outcome | None = None
        #: Lines answered so far (tests wait on it).
        self.results_seen = 0
        self.busy = False
        self._waiting: deque[str] = deque()
        self._typing = ""

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.locale)

    def compose(self) -> ComposeResult:
        yield TextLine(id="returns-title")
        yield TextLine(id="returns-order")
        yield ResultPanel(id="result")
        yield TextLine(id="returns-lines")
        yield TextLine(id="returns-items")
        yield TextLine(id="returns-total")
        yield TextLine(id="returns-typing")
        yield TextLine(id="keys")

    def on_mount(self) -> None:
        self.render_all()

    # --- input ------------------------------------------------------------------------

    def submit_text(self, text: str) -> None:
        """One scan or typed line (from `StationApp`)."""
        self._typing = ""
        if self.busy:
            self._waiting.append(text)
            self._render_typing()
            return
        self._handle(text)

    def show_typing(self, text: str) -> None:
        self._typing = text
        self._render_typing()

    def _handle(self, text: str) -> None:
        self.session, outcome = handle_text(self.session, text)
        if outcome.lookup is not None:
            self._start(outcome)
            self._lookup(outcome.lookup)
        elif outcome.close:
            self._start(outcome)
            self._close(close_plan(self.session))
        else:
            self._show(outcome)

    def _start(self, outcome: Outcome) -> None:
        self.busy = True
        self.outcome = outcome
        self.render_all()

    def _show(self, outcome: Outcome) -> None:
        self.outcome = outcome
        self.results_seen += 1
        if outcome.bell:
            self.app.bell()
        self.render_all()

    def _done(self, outcome: Outcome) -> None:
        self.busy = False
        self._show(outcome)
        while self._waiting and not self.busy:
            self._handle(self._waiting.popleft())

    def action_leave(self) -> None:
        view = self.session.view
        if view is not None or self.busy:
            order = view.order_id if view is not None else ""
            self._show(Outcome(False, Msg("returns.leave_first", {"order": order}), self._hint()))
            return
        self.dismiss(None)

    def _hint(self) -> Msg:
        return hint_for(self.session)

    # --- database (thread workers) ----------------------------------------------------

    def _db(self) -> Database:
        db = self._database()
        if db is None:
            raise RuntimeError("the database is not open yet")
        return db

    @work(thread=True, group="returns")
    def _lookup(self, key: str) -> None:
        from packstation.errors import describe_db_error
        from packstation.models.returns_repo import find_return

        try:
            with self._db().sessions() as session:
                found = find_return(session, key, self._clock())
            self.post_message(LookupDone(key, found, ""))
        except Exception as exc:
            log.exception("returns: lookup of %r failed", key)
            self.post_message(LookupDone(key, None, _error_text(exc, describe_db_error)))

    @work(thread=True, group="returns")
    def _close(self, plan: ClosePlan) -> None:
        from packstation.errors import describe_db_error
        from packstation.models.returns_close import ReturnRefused, close_return

        try:
            with self._db().unit_of_work() as session:
                summary = close_return(
                    session,
                    plan,
                    operator_id=self.operator.id,
                    station_id=self.station_id,
                    now=self._clock(),
                )
            self.post_message(CloseDone(summary, ""))
        except ReturnRefused as exc:
            self.post_message(CloseDone(str(exc), ""))
        except Exception as exc:
            log.exception("returns: closing %s failed", plan.order_id)
            self.post_message(CloseDone(None, _error_text(exc, describe_db_error)))

    def on_lookup_done(self, message: LookupDone) -> None:
        if message.found is None:
            self._done(self._db_error(message.error))
            return
        self.session, outcome = opened(self.session, message.key, message.found)
        self._done(outcome)

    def on_close_done(self, message: CloseDone) -> None:
        if message.summary is None:
            self._done(self._db_error(message.error))
            return
        self.session, outcome = closed(self.session, message.summary)
        self._done(outcome)

    def _db_error(self, detail: str) -> Outcome:
        return Outcome(False, Msg("returns.db_error", {"detail": detail}), self._hint())

    # --- rendering ----------------------------------------------------------------------

    def render_all(self) -> None:
        self._render_header()
        self._render_result()
        self._render_lines()
        self._render_total()
        self._render_typing()
        self.query_one("#keys", TextLine).show_text(Text(self.tr("returns.keys"), style="dim"))

    def _render_header(self) -> None:
        op = self.operator
        title = self.tr("returns.title", station=self.station_id, name=op.name, role=op.role)
        self.query_one("#returns-title", TextLine).show_text(Text(title, style="bold"))
        view = self.session.view
        text = Text()
        if view is not None:
            text.append(self.tr("returns.order", order=view.order_id, customer=view.customer_name))
            text.append("   ")
            if view.rma:
                reason = view.reason or "-"
                text.append(self.tr("returns.announced", rma=view.rma, reason=reason))
            else:
                text.append(self.tr("returns.walk_in"), style="dim")
        self.query_one("#returns-order", TextLine).show_text(text)

    def _render_result(self) -> None:
        panel = self.query_one(ResultPanel)
        outcome = self.outcome
        if outcome is None:
            panel.show(None, self.tr("returns.ready"), None, t(self._hint(), self.locale))
            return
        panel.show(
            outcome.ok,
            t(outcome.message, self.locale),
            outcome.code,
            t(outcome.hint, self.locale),
        )

    def _item_text(self, item: Item) -> tuple[str, str, str]:
        """Condition, decision (with the amount) and reason of one unit, in words."""
        condition = self.tr(f"returns.cond.{item.condition}") if item.condition else "…"
        decision = ""
        if item.decision is not None:
            decision = self.tr(f"returns.dec.{item.decision}")
            if item.amount:
                decision += f" {money(item.amount)}"
        reason = ""
        if item.reason:
            key = f"returns.reason.{item.reason}"
            reason = self.tr(key) if key in TABLE else item.reason
        return condition, decision, reason

    def _render_lines(self) -> None:
        lines_widget = self.query_one("#returns-lines", TextLine)
        items_widget = self.query_one("#returns-items", TextLine)
        view = self.session.view
        if view is None:
            lines_widget.show_text(Text())
            items_widget.show_text(Text(), layout=True)
            return
        tr = self.tr
        width = lines_widget.size.width or 78
        name_w = max(width - 2 - SKU_W - 2 * NUM_W - PRICE_W - 4, 8)
        text = Text()
        header = (
            f"{_cell(tr('returns.col.sku'), SKU_W)} {_cell(tr('returns.col.item'), name_w)}"
            f" {tr('returns.col.shipped'):>{NUM_W}} {tr('returns.col.back'):>{NUM_W}}"
            f" {tr('returns.col.price'):>{PRICE_W}}"
        )
        text.append(header, style="bold underline")
        last = self.session.items[-1].line_id if self.session.items else None
        lines = view.lines
        room = max(lines_widget.size.height - 1, 1) if lines_widget.size.height else 20
        if len(lines) > room:  # a window that keeps the line of the last unit in view
            at = next((i for i, ln in enumerate(lines) if ln.line_id == last), 0)
            start = min(max(at - room // 2, 0), len(lines) - room)
            lines = lines[start : start + room]
        for line in lines:
            back = line.returned_before + self.session.count(line.line_id)
            price = money(line.unit_price) if line.unit_price is not None else "-"
            row = (
                f"{_cell(line.sku, SKU_W)} {_cell(line.name, name_w)} {line.shipped:>{NUM_W}}"
                f" {back:>{NUM_W}} {price:>{PRICE_W}}"
            )
            style = "bold" if line.line_id == last else ("green" if back >= line.shipped else "")
            text.append("\n" + row, style=style)
        lines_widget.show_text(text)
        # The units of this return, newest first, so the one being inspected is always shown.
        items = Text()
        cond_w, dec_w = 16, 18
        reason_w = max(width - 2 - 4 - SKU_W - cond_w - dec_w - 3, 6)
        for n in range(len(self.session.items), 0, -1):
            item = self.session.items[n - 1]
            of = view.line(item.line_id)
            condition, decision, reason = self._item_text(item)
            row = (
                f"{n:>3}. {_cell(of.sku if of else '?', SKU_W)} {_cell(condition, cond_w)}"
                f" {_cell(decision, dec_w)} {_cell(reason, reason_w)}"
            )
            items.append(
                ("\n" if items else "") + row, style="bold" if n == len(self.session.items) else ""
            )
        items_widget.show_text(items, layout=True)

    def _render_total(self) -> None:
        view = self.session.view
        text = Text()
        if view is not None:
            text.append(
                self.tr(
                    "returns.total",
                    units=len(self.session.items),
                    amount=money(self.session.refund),
                    currency=view.currency,
                ),
                style="bold",
            )
        self.query_one("#returns-total", TextLine).show_text(text)

    def _render_typing(self) -> None:
        text = Text()
        if self._typing:
            text.append("> " + printable(self._typing, limit=60), style="bold")
        elif self._waiting:
            text.append("… " + str(len(self._waiting)), style="dim")
        self.query_one("#returns-typing", TextLine).show_text(text)


def _error_text(exc: Exception, describe: Callable[[BaseException], str]) -> str:
    if type(exc).__module__.startswith("sqlalchemy"):
        return describe(exc)
    return str(exc) or type(exc).__name__
