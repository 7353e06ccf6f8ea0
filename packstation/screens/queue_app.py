"""The team lead's queue screen: floor stats, stations, the live order queue, lead actions.

`QueueScreen` is the reusable part (the station app can push it for a lead; what it
is given: `queue_setup.py`); `QueueApp` runs it alone (`packstation queue`). The
screen never touches the database: a `QueueFeed` reads the page the lead asks for at once (a filter
key waits for that one read, its rows are posted as soon as it returns), reads
the stations and floor stats only when something changed, runs the lead
actions, and posts the results back as messages. What the clock alone changes
(ages, offline stations, minutes in status) is drawn again every `refresh_s`
from the data at hand. Both tables draw only their visible rows and are keyed
and updated by diff (`KeyedTable.sync`): an update repaints only the rows that
changed.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input

from packstation.i18n import Msg, t
from packstation.screens import queue_format as fmt
from packstation.screens.queue_evidence import EvidenceScreen
from packstation.screens.queue_feed import (
    ActionName,
    FeedData,
    FeedError,
    FloorData,
    LeadRequest,
    PageData,
    QueueFeed,
)
from packstation.screens.queue_modal import LeadActionScreen
from packstation.screens.queue_setup import QueueSetup, is_stale, shift_start_at
from packstation.widgets.queue_table import KeyedTable
from packstation.widgets.text_line import TextLine

__all__ = ["QueueApp", "QueueScreen", "QueueSetup", "shift_start_at"]

if TYPE_CHECKING:
    from packstation.evidence.disk import DiskUse
    from packstation.models.lead_actions import ActionResult
    from packstation.models.queue_page import QueueFilters, QueuePage


#: Seconds after start when the queue app settles its memory even without data.
SETTLE_AFTER_S = 5.0

#: Status filters `f` cycles through (empty: every open order).
STATUS_CYCLE: tuple[tuple[str, ...], ...] = (
    (),
    ("new",),
    ("needs_correction",),
    ("ready",),
    ("packing",),
    ("packed",),
)


class QueueData(Message):
    """A page, the floor, or a failure, from the feed's threads."""

    def __init__(self, data: FeedData) -> None:
        super().__init__()
        self.data = data


class EvidenceDisk(Message):
    """The evidence folder's disk use, read by a thread worker."""

    def __init__(self, use: DiskUse) -> None:
        super().__init__()
        self.use = use


class LeadActionDone(Message):
    def __init__(self, result: ActionResult) -> None:
        super().__init__()
        self.result = result


class QueueScreen(Screen[None]):
    class Shown(Message):
        """The first page and the floor are on screen."""

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
        Binding("v", "evidence", "video"),
        Binding("t", "trainees", "trainees"),
        Binding("right_square_bracket", "page(1)", "next page"),
        Binding("left_square_bracket", "page(-1)", "previous page"),
        Binding("escape", "close_search", show=False),
        Binding("q", "close", "quit"),
    ]

    def __init__(self, setup: QueueSetup) -> None:
        super().__init__()
        from packstation.models.queue_page import QueueFilters

        self.setup = setup
        self.locale = setup.locale
        self.filters: QueueFilters = QueueFilters()
        self.page_offset = 0
        #: The page shown (of `filters`/`page_offset` once it arrived) and the floor shown.
        self.page: PageData | None = None
        self.floor: FloorData | None = None
        self.order_columns: tuple[str, ...] = fmt.ORDER_COLUMNS
        self.station_columns: tuple[str, ...] = fmt.STATION_COLUMNS
        self.error: FeedError | None = None
        #: The evidence folder's disk use as last read (`[evidence]` configured).
        self.disk: DiskUse | None = None
        #: Updates rendered once both the page and the floor are on screen (tests wait on it).
        self.renders = 0
        self.actions_done = 0
        #: What the feed sent before the screen was mounted (see `start_feed`).
        self._early: list[Message] | None = []
        self._early_lock = threading.Lock()
        self.feed = QueueFeed(
            setup.db,
            on_data=lambda data: self._from_feed(QueueData(data)),
            on_action=lambda result: self._from_feed(LeadActionDone(result)),
            clock=setup.clock,
            shift_start=setup.shift_start,
            refresh_s=setup.refresh_s,
            page_size=setup.page_size,
            pin_limits=setup.pin_limits,
            training_scores=setup.training_scores,
        )

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.locale)

    # --- layout and lifetime ---------------------------------------------------------

    def compose(self) -> ComposeResult:
        loc = self.locale
        yield TextLine(Text(" " + self.tr("queue.loading"), style="dim"), id="floor")
        yield TextLine("", id="summary")
        self.station_columns = fmt.station_columns(self.app.size.width)
        columns = self.station_columns
        yield KeyedTable(
            list(zip(columns, fmt.column_labels(columns, loc), strict=True)),
            id="stations",
        )
        self.order_columns = fmt.order_columns(self.app.size.width)
        yield KeyedTable(
            list(zip(self.order_columns, fmt.column_labels(self.order_columns, loc), strict=True)),
            id="orders",
        )
        yield TextLine("", id="filters")
        if self.setup.evidence is not None:
            yield TextLine("", id="evidence")
        yield TextLine("", id="message")
        yield Input(placeholder=self.tr("queue.search_prompt"), id="search")
        yield TextLine(Text(" " + self.tr("queue.keys"), style="dim"), id="keys")

    def start_feed(self) -> None:
        """Start reading the first page; the CLI calls it before Textual starts, so the query
        runs while the screen is being built. What arrives before the screen is mounted
        waits for it."""
        if not self.feed.started:
            self.feed.set_view(self.filters, self.page_offset)
            self.feed.start()

    def _from_feed(self, message: Message) -> None:
        with self._early_lock:
            if self._early is not None:
                self._early.append(message)
                return
        self.post_message(message)

    def on_mount(self) -> None:
        self._render_filters()
        self.start_feed()
        with self._early_lock:
            early, self._early = self._early or [], None
            for message in early:
                self.post_message(message)
        # What the clock alone changes (ages, offline stations, minutes in status) is drawn
        # again from the data at hand; the database is read only when something changed.
        self.set_interval(self.setup.refresh_s, self._clock_tick)
        if self.setup.evidence is not None:
            self._read_disk()
            self.set_interval(self.setup.evidence_every_s, self._read_disk)

    def _read_disk(self) -> None:
        """The evidence folder is walked in a thread worker; the line follows as a message."""
        settings = self.setup.evidence
        if settings is None:
            return

        def walk() -> None:
            from packstation.evidence.disk import disk_use

            self.post_message(EvidenceDisk(disk_use(settings.dir, settings.max_bytes)))

        self.run_worker(walk, thread=True, group="evidence", exclusive=True)

    def on_evidence_disk(self, message: EvidenceDisk) -> None:
        self.disk = message.use
        self._render_disk()

    def _render_disk(self) -> None:
        if self.disk is not None and self.setup.evidence is not None:
            text = fmt.evidence_text(self.disk, self.setup.clock(), self.locale)
            self.query_one("#evidence", TextLine).show_text(text)

    def on_unmount(self) -> None:
        self.feed.stop()

    async def on_resize(self, event: events.Resize) -> None:
        """80 columns get the narrow orders table; a wider terminal or browser all columns."""
        width = event.size.width
        same = fmt.station_columns(width) == self.station_columns
        if same and fmt.order_columns(width) == self.order_columns:
            self._render_floor()  # the summary fits the new width
            return
        await self.recompose()
        self._render_disk()
        self._render_filters()
        self._render_page()
        self._render_floor()

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
        if isinstance(data, PageData):
            if data.filters != self.filters or data.page.offset != self.page_offset:
                return  # answered a view the lead already left; the next one is on its way
            before, self.page = self.page, data
            new_view = before is None or (before.filters, before.page.offset) != (
                data.filters,
                data.page.offset,
            )
            cursor = self.orders.cursor_key()
            self._render_page()
            if new_view and self.orders.cursor_key() != cursor:
                self.orders.move_cursor(row=0)  # another view starts at its top
            self._render_filters()
        else:
            if data.stats is None and self.floor is not None:
                data = replace(data, stats=self.floor.stats)
            self.floor = data
            self._render_floor()
        if self.error is not None:
            self.error = None
            self._show_message("", "")
        if self.page is not None and self.floor is not None:
            self.renders += 1
            if self.renders == 1:
                self.post_message(self.Shown())

    def _clock_tick(self) -> None:
        """Ages and times as of now, from the data at hand: only cells that changed repaint."""
        now = self.setup.clock()
        if self.floor is not None:
            self._render_floor(now)
        if self.page is not None:
            self._render_page(now)

    def _render_page(self, now: datetime | None = None) -> None:
        data = self.page
        if data is None:
            return
        now = now or data.now
        loc, tz, columns = self.locale, self.setup.tz, self.order_columns
        self.orders.sync(
            [(r.id, fmt.order_cells(r, now, loc, tz, columns)) for r in data.page.rows]
        )

    def _render_floor(self, now: datetime | None = None) -> None:
        data = self.floor
        if data is None:
            return
        loc = self.locale
        if now is None:
            now, stations = data.now, data.stations
        else:  # stale (offline) is a matter of time alone
            stations = tuple(
                s if s.stale == (stale := is_stale(s, now)) else replace(s, stale=stale)
                for s in data.stations
            )
        stats = data.stats
        if stats is not None:
            if stats.now != now:
                stats = replace(stats, now=now)
            self.query_one("#floor", TextLine).show_text(fmt.header_text(stats, loc, self.setup.tz))
            summary = fmt.summary_text(stats, loc, self.size.width)
            self.query_one("#summary", TextLine).show_text(summary)
        columns, training = self.station_columns, data.training
        self.stations.sync(
            [(s.id, fmt.station_cells(s, now, loc, columns, training)) for s in stations]
        )

    def _shown_page(self) -> QueuePage | None:
        """The page on screen if it is of the view asked for (else that one is on its way)."""
        data = self.page
        if data is None or (data.filters, data.page.offset) != (self.filters, self.page_offset):
            return None
        return data.page

    def _render_filters(self) -> None:
        self.query_one("#filters", TextLine).show_text(
            fmt.filter_text(self.filters, self._shown_page(), self.locale)
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
        try:
            index = STATUS_CYCLE.index(self.filters.statuses)
        except ValueError:
            index = -1
        statuses = STATUS_CYCLE[(index + 1) % len(STATUS_CYCLE)]
        self._set_view(replace(self.filters, statuses=statuses))

    def action_toggle_late(self) -> None:
        self._set_view(replace(self.filters, late_only=not self.filters.late_only))

    def action_page(self, step: int) -> None:
        page = self._shown_page()
        offset = self.page_offset + step * self.setup.page_size
        if offset < 0 or (step > 0 and (page is None or not page.has_more)):
            return
        self._set_view(self.filters, offset)

    # --- lead actions ------------------------------------------------------------------

    def action_lead(self, action: ActionName) -> None:
        order_id = self.orders.cursor_key()
        row = None
        if self.page is not None and order_id is not None:
            row = next((r for r in self.page.page.rows if r.id == order_id), None)
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

    def action_evidence(self) -> None:
        """The selected order's evidence in a modal (read by a thread worker)."""
        if (order_id := self.orders.cursor_key()) is None:
            return self._show_message(self.tr("queue.no_selection"), "bold red")
        setup = self.setup
        screen = EvidenceScreen.of(order_id, self.feed, setup.evidence, setup.web_url, self.locale)
        self.app.push_screen(screen)

    def action_trainees(self) -> None:
        """The trainees' lessons and scores, and a lead's "ready" (`screens/trainees.py`)."""
        from packstation.screens.trainees import TraineesScreen

        s = self.setup
        trainees = TraineesScreen(s.db, self.locale, s.clock, s.pin_limits, s.training_scores)
        self.app.push_screen(trainees)

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

    def __init__(self, setup: QueueSetup, *, settle_memory: bool = False) -> None:
        super().__init__()
        self.setup = setup
        self.queue_screen = QueueScreen(setup)
        #: The process is ours (`packstation queue`): once the first rows are up, what is
        #: alive then (SQLAlchemy, Textual) is moved out of the garbage collector's way.
        self.settle_memory = settle_memory
        self._settled = False

    def on_mount(self) -> None:
        self.push_screen(self.queue_screen)
        if self.settle_memory:
            self.set_timer(SETTLE_AFTER_S, self._settle)  # also when no rows ever come

    def on_queue_screen_shown(self, message: QueueScreen.Shown) -> None:
        if self.settle_memory:
            self.set_timer(0.3, self._settle)  # after the first frame is out

    def _settle(self) -> None:
        """A full collection once, then the objects alive now are frozen: later collections
        (and a key's) walk only what the screen allocates from here on. The CLI turned the
        collector off while it imported and started (`cli/queue_cmd.py`): on again."""
        if self._settled:
            return
        self._settled = True
        gc.collect()
        gc.freeze()
        gc.enable()
