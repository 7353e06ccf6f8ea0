"""The team lead's queue screen: floor stats, stations, the live order queue, lead actions.

`QueueScreen` is the reusable part (the station app can push it for a lead);
`QueueApp` runs it alone (`packstation queue`). The screen never touches the
database: a `QueueFeed` thread refreshes every `refresh_s` seconds and runs
the lead actions, and posts the results back as messages. Both tables are
keyed and updated by diff (`KeyedTable.sync`), so a refresh repaints only the
cells that changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input

from packstation.clock import Clock, utcnow
from packstation.config import PinLimits
from packstation.i18n import Msg, t
from packstation.screens import queue_format as fmt
from packstation.screens.queue_feed import ActionName, FeedError, LeadRequest, QueueFeed
from packstation.screens.queue_modal import LeadActionScreen
from packstation.widgets.queue_table import KeyedTable
from packstation.widgets.text_line import TextLine

if TYPE_CHECKING:
    from packstation.models.db import Database
    from packstation.models.queue_repo import ActionResult, QueueFilters, QueueSnapshot


def shift_start_at(start: time, tz: tzinfo | None = None) -> Callable[[datetime], datetime]:
    """The shift began at the latest `start` (local wall time) not after now."""

    def shift_start(now: datetime) -> datetime:
        local = now.astimezone(tz)
        began = datetime.combine(local.date(), start, tzinfo=local.tzinfo)
        if began > local:
            began -= timedelta(days=1)
        return began.astimezone(UTC)

    return shift_start


#: Status filters `f` cycles through (empty: every open order).
STATUS_CYCLE: tuple[tuple[str, ...], ...] = (
    (),
    ("new",),
    ("needs_correction",),
    ("ready",),
    ("packing",),
    ("packed",),
)


@dataclass
class QueueSetup:
    """Everything the queue screen needs, built by the CLI or a test."""

    #: An open database, or its URL (then the feed thread opens it).
    db: Database | str
    locale: str = "ru"
    refresh_s: float = 2.0
    #: The floor's clock (tests and snapshots pin it).
    clock: Clock = utcnow
    #: Wall-clock zone for times on screen; None is the machine's local zone.
    tz: tzinfo | None = None
    shift_start: Callable[[datetime], datetime] = field(
        default_factory=lambda: shift_start_at(time(8, 0))
    )
    page_size: int = 200
    #: `[security]` of the config: wrong PINs before a lead badge locks, and for how long.
    pin_limits: PinLimits = field(default_factory=PinLimits)


class QueueData(Message):
    """A refresh (or its failure) from the feed thread."""

    def __init__(self, data: QueueSnapshot | FeedError) -> None:
        super().__init__()
        self.data = data


class LeadActionDone(Message):
    def __init__(self, result: ActionResult) -> None:
        super().__init__()
        self.result = result


class QueueScreen(Screen[None]):
    CSS_PATH = "queue.tcss"
    AUTO_FOCUS = "#orders"
    BINDINGS = [
        Binding("slash", "search", "search"),
        Binding("f", "cycle_filter", "filter"),
        Binding("l", "toggle_late", "late"),
        Binding("r", "lead('release')", "release"),
        Binding("p", "lead('priority')", "priority"),
        Binding("h", "lead('hold')", "hold"),
        Binding("a", "lead('reassign')", "reassign"),
        Binding("right_square_bracket", "page(1)", "next page"),
        Binding("left_square_bracket", "page(-1)", "previous page"),
        Binding("escape", "close_search", show=False),
        Binding("q", "close", "quit"),
    ]

    def __init__(self, setup: QueueSetup) -> None:
        super().__init__()
        from packstation.models.queue_repo import QueueFilters

        self.setup = setup
        self.locale = setup.locale
        self.filters: QueueFilters = QueueFilters()
        self.page_offset = 0
        self.snapshot: QueueSnapshot | None = None
        self.order_columns: tuple[str, ...] = fmt.ORDER_COLUMNS
        self.error: FeedError | None = None
        #: Snapshots rendered so far (tests wait on it).
        self.renders = 0
        self.actions_done = 0
        self.feed = QueueFeed(
            setup.db,
            on_snapshot=lambda data: self.post_message(QueueData(data)),
            on_action=lambda result: self.post_message(LeadActionDone(result)),
            clock=setup.clock,
            shift_start=setup.shift_start,
            refresh_s=setup.refresh_s,
            page_size=setup.page_size,
            pin_limits=setup.pin_limits,
        )

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.locale)

    # --- layout and lifetime ---------------------------------------------------------

    def compose(self) -> ComposeResult:
        loc = self.locale
        yield TextLine(Text(" " + self.tr("queue.loading"), style="dim"), id="floor")
        yield TextLine("", id="summary")
        yield KeyedTable(
            list(
                zip(fmt.STATION_COLUMNS, fmt.column_labels(fmt.STATION_COLUMNS, loc), strict=True)
            ),
            id="stations",
        )
        self.order_columns = fmt.order_columns(self.app.size.width)
        yield KeyedTable(
            list(zip(self.order_columns, fmt.column_labels(self.order_columns, loc), strict=True)),
            id="orders",
        )
        yield TextLine("", id="filters")
        yield TextLine("", id="message")
        yield Input(placeholder=self.tr("queue.search_prompt"), id="search")
        yield TextLine(Text(" " + self.tr("queue.keys"), style="dim"), id="keys")

    def on_mount(self) -> None:
        self._render_filters()
        self.feed.set_view(self.filters, self.page_offset)
        self.feed.start()

    def on_unmount(self) -> None:
        self.feed.stop()

    async def on_resize(self, event: events.Resize) -> None:
        """80 columns get the narrow orders table; a wider terminal or browser all columns."""
        if fmt.order_columns(event.size.width) == self.order_columns:
            if self.snapshot is not None:
                self._render_snapshot(self.snapshot)  # the summary fits the new width
            return
        await self.recompose()
        self._render_filters()
        if self.snapshot is not None:
            self._render_snapshot(self.snapshot)

    @property
    def orders(self) -> KeyedTable:
        return self.query_one("#orders", KeyedTable)

    @property
    def stations(self) -> KeyedTable:
        return self.query_one("#stations", KeyedTable)

    # --- data from the feed ----------------------------------------------------------

    def on_queue_data(self, message: QueueData) -> None:
        data = message.data
        if isinstance(data, FeedError):
            self.error = data
            self._show_message(
                self.tr(
                    "queue.db_down",
                    error=data.error,
                    time=f"{data.at.astimezone(self.setup.tz):%H:%M:%S}",
                ),
                "bold red",
            )
            return
        if data.filters != self.filters or data.page.offset != self.page_offset:
            return  # answered a view the lead already left; the next one is on its way
        if self.error is not None:
            self.error = None
            self._show_message("", "")
        self.snapshot = data
        self._render_snapshot(data)
        self.renders += 1

    def _render_snapshot(self, snap: QueueSnapshot) -> None:
        now, loc, tz = snap.stats.now, self.locale, self.setup.tz
        self.query_one("#floor", TextLine).show_text(fmt.header_text(snap.stats, loc, tz))
        summary = fmt.summary_text(snap.stats, loc, self.size.width)
        self.query_one("#summary", TextLine).show_text(summary)
        self.stations.sync([(s.id, fmt.station_cells(s, now, loc)) for s in snap.stations])
        columns = self.order_columns
        self.orders.sync(
            [(r.id, fmt.order_cells(r, now, loc, tz, columns)) for r in snap.page.rows]
        )
        self._render_filters()

    def _render_filters(self) -> None:
        snap = self.snapshot
        page = snap.page if snap is not None and snap.filters == self.filters else None
        self.query_one("#filters", TextLine).show_text(
            fmt.filter_text(self.filters, page, self.locale)
        )

    def _show_message(self, text: str, style: str) -> None:
        self.query_one("#message", TextLine).show_text(Text(f" {text}" if text else "", style))

    def _set_view(self, filters: QueueFilters, offset: int = 0) -> None:
        self.filters, self.page_offset = filters, offset
        self._render_filters()
        self.feed.set_view(filters, offset)

    # --- filters, search, paging ------------------------------------------------------

    def action_search(self) -> None:
        box = self.query_one("#search", Input)
        box.value = fmt.search_text(self.filters)
        box.display = True
        box.focus()

    def action_close_search(self) -> None:
        box = self.query_one("#search", Input)
        if box.display:
            box.display = False
            self.orders.focus()

    @on(Input.Submitted, "#search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        self._set_view(fmt.parse_search(event.value, self.filters))
        self.action_close_search()

    def action_cycle_filter(self) -> None:
        from dataclasses import replace

        try:
            index = STATUS_CYCLE.index(self.filters.statuses)
        except ValueError:
            index = -1
        statuses = STATUS_CYCLE[(index + 1) % len(STATUS_CYCLE)]
        self._set_view(replace(self.filters, statuses=statuses))

    def action_toggle_late(self) -> None:
        from dataclasses import replace

        self._set_view(replace(self.filters, late_only=not self.filters.late_only))

    def action_page(self, step: int) -> None:
        page = self.snapshot.page if self.snapshot is not None else None
        offset = self.page_offset + step * self.setup.page_size
        if offset < 0 or (step > 0 and (page is None or not page.has_more)):
            return
        self._set_view(self.filters, offset)

    # --- lead actions ------------------------------------------------------------------

    def action_lead(self, action: ActionName) -> None:
        order_id = self.orders.cursor_key()
        row = None
        if self.snapshot is not None and order_id is not None:
            row = next((r for r in self.snapshot.page.rows if r.id == order_id), None)
        if order_id is None or row is None:
            self._show_message(self.tr("queue.no_selection"), "bold red")
            return
        title = self.tr(
            f"queue.action.{action}",
            order=order_id,
            station=row.station_id or row.reserved_for or "-",
            priority=row.priority,
        )
        self.app.push_screen(
            LeadActionScreen(action, order_id, title, self.locale, row.priority),
            callback=self._lead_request,
        )

    def _lead_request(self, request: LeadRequest | None) -> None:
        if request is None:
            return
        self._show_message(self.tr("queue.working", order=request.order_id), "dim")
        self.feed.submit(request)

    def on_lead_action_done(self, message: LeadActionDone) -> None:
        result = message.result
        self.actions_done += 1
        self._show_message(
            t(result.message, self.locale), "bold green" if result.ok else "bold red"
        )
        if not result.ok:
            self.app.bell()

    def action_close(self) -> None:
        if isinstance(self.app, QueueApp):
            self.app.exit()
        else:
            self.dismiss()


class QueueApp(App[None]):
    """`packstation queue`: the queue screen on its own."""

    TITLE = "packstation queue"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, setup: QueueSetup) -> None:
        super().__init__()
        self.setup = setup
        self.queue_screen = QueueScreen(setup)

    def on_mount(self) -> None:
        self.push_screen(self.queue_screen)
