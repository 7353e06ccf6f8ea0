"""The queue screen driven with Pilot on a seeded SQLite floor at a pinned clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.text import Text
from sqlalchemy import select, update
from textual.pilot import Pilot

from packstation.models import Event, Order
from packstation.models.db import Database
from packstation.screens.queue_app import QueueApp, QueueScreen, QueueSetup
from packstation.widgets.queue_table import KeyedTable
from packstation.widgets.text_line import TextLine
from tests.models.test_queue_repo import LEAD, LEAD_PIN, NOW, SHIFT
from tests.screens.conftest import wait_until

OPEN = ["ORD-1004", "ORD-1005", "ORD-1002", "ORD-1001"]


def screen_of(pilot: Pilot[None]) -> QueueScreen:
    app = pilot.app
    assert isinstance(app, QueueApp)
    return app.queue_screen


async def next_render(pilot: Pilot[None], count: int = 1) -> None:
    screen = screen_of(pilot)
    target = screen.renders + count
    await wait_until(pilot, lambda: screen.renders >= target)
    await pilot.pause()


def cell(table: KeyedTable, key: str, column: str) -> str:
    value = table.get_cell(key, column)
    return value.plain if isinstance(value, Text) else str(value)


def line(screen: QueueScreen, name: str) -> str:
    shown = screen.query_one(f"#{name}", TextLine).render()
    return shown.plain if isinstance(shown, Text) else str(shown)


async def test_rows_stations_and_stats_appear(make_queue: Callable[..., QueueApp]) -> None:
    app = make_queue()
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        assert screen.orders.keys == OPEN
        assert screen.stations.keys == ["PS-01", "PS-02", "PS-03"]
        assert cell(screen.orders, "ORD-1002", "station") == "PS-01"
        assert cell(screen.orders, "ORD-1002", "packer") == "Анна К."
        assert cell(screen.orders, "ORD-1002", "in_status") == "0:12"
        assert cell(screen.orders, "ORD-1004", "ship_by") == "11:00 ✗ late"
        assert "⚠ 1h00m" in cell(screen.orders, "ORD-1005", "ship_by")
        late_cell = screen.orders.get_cell("ORD-1004", "order")
        assert isinstance(late_cell, Text) and "red" in str(late_cell.style)
        assert "offline 2m" in cell(screen.stations, "PS-03", "heartbeat")
        floor = line(screen, "floor")
        assert "last hour 1 orders / 2 lines" in floor
        assert "late 1" in floor and "at risk 1" in floor and "defects 3" in floor
        assert "1–4 of 4" in line(screen, "filters")


async def test_a_change_is_applied_by_diff_not_rebuilt(
    make_queue: Callable[..., QueueApp], queue_db: Database
) -> None:
    app = make_queue()
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        table = screen.orders
        await pilot.pause()
        built = table.lines_built
        # As wide as OZON-COURIER: no column changes width, so no other row is drawn again.
        with queue_db.unit_of_work() as s:
            s.execute(update(Order).where(Order.id == "ORD-1001").values(carrier="OZON-EXPRESS"))
        await wait_until(pilot, lambda: cell(table, "ORD-1001", "carrier") == "OZON-EXPRESS")
        await pilot.pause()
        assert (table.last_sync.added, table.last_sync.removed) == (0, 0)
        assert table.lines_built == built + 1  # the one row that changed, drawn again
        # A reorder keeps the rows and moves them; the cursor stays on its order.
        await pilot.press("down")
        assert table.cursor_key() == "ORD-1005"
        with queue_db.unit_of_work() as s:
            s.execute(update(Order).where(Order.id == "ORD-1001").values(priority=9))
        await wait_until(pilot, lambda: table.keys[1] == "ORD-1001")
        assert table.keys == ["ORD-1004", "ORD-1001", "ORD-1005", "ORD-1002"]
        assert table.cursor_key() == "ORD-1005"
        assert (table.last_sync.added, table.last_sync.removed) == (0, 0)
        # A quiet floor is not read again: the change probe finds nothing, nothing changes.
        reads, looks = screen.feed.page_reads, screen.feed.quiet_looks
        await wait_until(pilot, lambda: screen.feed.quiet_looks >= looks + 2)
        assert screen.feed.page_reads == reads
        assert table.last_sync.updated == 0 and not table.last_sync.reordered


async def test_search_and_filters(make_queue: Callable[..., QueueApp]) -> None:
    app = make_queue(refresh_s=5)
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        await pilot.press("slash", *"ORD-2", "enter")
        await wait_until(pilot, lambda: screen.orders.keys == ["ORD-2001"])
        assert cell(screen.orders, "ORD-2001", "status") == "packed"
        await pilot.press("slash")
        search = screen.query_one("#search")
        assert search.has_focus
        await pilot.press(*["backspace"] * 10, *"station:PS-01", "enter")
        await wait_until(pilot, lambda: screen.orders.keys == ["ORD-1002"])
        await pilot.press("slash", *["backspace"] * 20, "enter")
        await wait_until(pilot, lambda: screen.orders.keys == OPEN)
        await pilot.press("f", "f")  # new (none), then needs correction
        await wait_until(pilot, lambda: screen.orders.keys == ["ORD-1004"])
        assert "needs corr" in line(screen, "filters")
        await pilot.press("f", "f", "f", "f")  # ready, packing, packed, back to open
        await wait_until(pilot, lambda: screen.orders.keys == OPEN)
        await pilot.press("l")
        await wait_until(pilot, lambda: screen.orders.keys == ["ORD-1004"])
        assert "late only" in line(screen, "filters")


async def test_a_filter_key_reads_only_its_page(make_queue: Callable[..., QueueApp]) -> None:
    """A key's rows come from one page read, posted as soon as it returns: the stations and
    the floor stats are not read again for it."""
    app = make_queue(refresh_s=5)
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        refreshes, reads = screen.feed.refreshes, screen.feed.page_reads
        await pilot.press("l")
        await wait_until(pilot, lambda: screen.orders.keys == ["ORD-1004"])
        await pilot.pause()
        assert "1–1 of 1" in line(screen, "filters")
        assert screen.feed.page_reads == reads + 1
        assert screen.feed.refreshes == refreshes


def pinned_queue(db: Database, clock: Callable[[], datetime], **setup: Any) -> QueueApp:
    return QueueApp(
        QueueSetup(db=db, locale="en", clock=clock, tz=UTC, shift_start=lambda now: SHIFT, **setup)
    )


async def test_pages_and_the_cursor_at_the_top_of_each(queue_db: Database) -> None:
    app = pinned_queue(queue_db, lambda: NOW, refresh_s=5, page_size=2)
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        assert screen.orders.keys == OPEN[:2]
        assert "1–2 of 4" in line(screen, "filters")
        await pilot.press("down")
        assert screen.orders.cursor_key() == "ORD-1005"
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: screen.orders.keys == OPEN[2:])
        await pilot.pause()
        assert "3–4 of 4" in line(screen, "filters")
        assert screen.orders.cursor_key() == "ORD-1002"  # a new page starts at its top
        await pilot.press("right_square_bracket")  # no page after the last
        await pilot.pause(0.2)
        assert screen.page_offset == 2
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: screen.orders.keys == OPEN[:2])


async def test_time_alone_is_drawn_without_reading(queue_db: Database) -> None:
    """A station whose heartbeat stops goes offline on screen as the clock runs, and the
    minutes in status count up, with nothing read from the database."""
    clock = [NOW]
    app = pinned_queue(queue_db, lambda: clock[0], refresh_s=0.2)
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        assert cell(screen.stations, "PS-02", "heartbeat") == "10s ago"
        assert cell(screen.orders, "ORD-1002", "in_status") == "0:12"
        reads, refreshes = screen.feed.page_reads, screen.feed.refreshes
        clock[0] = NOW + timedelta(minutes=5)
        await wait_until(pilot, lambda: "offline" in cell(screen.stations, "PS-02", "heartbeat"))
        assert cell(screen.stations, "PS-02", "heartbeat") == "⚠ offline 5m"
        assert cell(screen.orders, "ORD-1002", "in_status") == "0:17"
        assert "Floor 12:05" in line(screen, "floor")
        assert (screen.feed.page_reads, screen.feed.refreshes) == (reads, refreshes)


def test_the_table_draws_only_the_rows_on_screen() -> None:
    """500 rows in a table 10 lines high: the rows drawn are the ones shown, and a cursor
    move draws the two rows it changes."""
    from textual.app import App, ComposeResult

    class Tall(App[None]):
        def compose(self) -> ComposeResult:
            yield KeyedTable([("k", "Key"), ("v", "Value")], id="t")

    async def run() -> None:
        app = Tall()
        async with app.run_test(size=(40, 10)) as pilot:
            table = app.query_one(KeyedTable)
            table.sync([(f"K{i:03d}", ((f"K{i:03d}", ""), (str(i), ""))) for i in range(500)])
            await pilot.pause()
            assert table.row_count == 500
            assert 0 < table.lines_built <= 10
            built = table.lines_built
            await pilot.press("down")
            await pilot.pause()
            assert table.cursor_key() == "K001"
            assert table.lines_built == built + 2  # the old cursor row and the new one
            await pilot.press("end")
            await pilot.pause()
            assert table.cursor_key() == "K499"
            assert table.lines_built <= built + 2 + 10

    import asyncio

    asyncio.run(run())


async def test_release_through_the_modal(
    make_queue: Callable[..., QueueApp], queue_db: Database
) -> None:
    app = make_queue()
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        await pilot.press("down", "down")
        assert screen.orders.cursor_key() == "ORD-1002"
        # A wrong PIN first: refused, audited, nothing changes.
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is not screen
        await pilot.press(*LEAD, "enter", *"9999", "enter", *"stuck", "enter")
        await wait_until(pilot, lambda: screen.actions_done == 1)
        await pilot.pause()
        assert "REFUSED: wrong PIN" in line(screen, "message")
        assert cell(screen.orders, "ORD-1002", "status") == "packing"
        # The right PIN releases it.
        await pilot.press("r")
        await pilot.pause()
        pin_box = app.screen.query_one("#pin")
        await pilot.press(*LEAD, "enter", *LEAD_PIN)
        assert LEAD_PIN not in str(pin_box.render())  # masked
        await pilot.press("enter", *"packer went home", "enter")
        await wait_until(pilot, lambda: screen.actions_done == 2)
        assert "ORD-1002 released from PS-01" in line(screen, "message")
        await wait_until(pilot, lambda: cell(screen.orders, "ORD-1002", "status") == "ready")
        assert cell(screen.orders, "ORD-1002", "station") == ""
    with queue_db.sessions() as s:
        kinds = s.scalars(
            select(Event.kind).where(Event.kind.like("lead.%")).order_by(Event.id)
        ).all()
    assert kinds == ["lead.denied", "lead.release"]


async def test_reassign_through_the_modal(
    make_queue: Callable[..., QueueApp], queue_db: Database
) -> None:
    """ORD-1002 is packing at PS-01; the lead moves it to PS-02 (which the floor knows)."""
    app = make_queue()
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        await pilot.press("down", "down")
        assert screen.orders.cursor_key() == "ORD-1002"
        await pilot.press("a")
        await pilot.pause()
        assert app.screen.query_one("#station") is not None
        await pilot.press(*LEAD, "enter", *LEAD_PIN, "enter", *"PS-02", "enter")
        await pilot.press(*"fragile goods go to PS-02", "enter")
        await wait_until(pilot, lambda: screen.actions_done == 1)
        assert "ORD-1002 is kept for station PS-02" in line(screen, "message")
        await wait_until(pilot, lambda: cell(screen.orders, "ORD-1002", "station") == "→PS-02")
        assert cell(screen.orders, "ORD-1002", "status") == "ready"
    with queue_db.sessions() as s:
        order = s.get(Order, "ORD-1002")
        assert order is not None and (order.station_id, order.reserved_for) == (None, "PS-02")
        kinds = s.scalars(select(Event.kind).where(Event.kind.like("lead.%"))).all()
    assert kinds == ["lead.reassign"]


async def test_modal_asks_for_missing_fields_and_esc_cancels(
    make_queue: Callable[..., QueueApp],
) -> None:
    app = make_queue(refresh_s=5)
    async with app.run_test(size=(80, 24)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        await pilot.press("h")
        await pilot.pause()
        modal = app.screen
        await pilot.press("enter", "enter", "enter")
        error = modal.query_one("#lead-error").render()
        assert "Fill in" in str(error)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.actions_done == 0


async def test_russian_labels(make_queue: Callable[..., QueueApp]) -> None:
    app = make_queue(locale="ru", refresh_s=5)
    async with app.run_test(size=(120, 30)) as pilot:
        await next_render(pilot)
        screen = screen_of(pilot)
        assert cell(screen.orders, "ORD-1002", "status") == "упаковка"
        assert "опаздывают 1" in line(screen, "floor")
        assert [c.label.plain for c in screen.orders.ordered_columns][0] == "Заказ"


async def _first_render(pilot: Pilot[None]) -> None:
    await next_render(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 30)], ids=["80x24", "120x30"])
def test_queue_snapshot(
    snap_compare: Callable[..., bool], make_queue: Callable[..., QueueApp], size: Any
) -> None:
    assert snap_compare(make_queue(refresh_s=60), terminal_size=size, run_before=_first_render)


def test_the_feed_says_when_the_database_is_away_and_retries_at_its_pace() -> None:
    """Every read that fails is reported (the screen keeps its last data and says why), and
    the floor thread tries again once a refresh interval, not in a loop."""
    import threading
    import time

    from packstation.models.queue_page import QueueFilters
    from packstation.screens.queue_feed import FeedError, QueueFeed

    got: list[object] = []
    lock = threading.Lock()

    def note(data: object) -> None:
        with lock:
            got.append(data)

    feed = QueueFeed(
        "postgresql+psycopg://nobody@127.0.0.1:1/none",
        on_data=note,
        on_action=note,
        clock=lambda: NOW,
        shift_start=lambda now: SHIFT,
        refresh_s=0.2,
    )
    feed.set_view(QueueFilters())
    feed.start()
    try:
        time.sleep(1.5)
    finally:
        feed.stop()
    assert not feed.started or not any(
        t.is_alive() for t in threading.enumerate() if t.name in ("queue-page", "queue-feed")
    )
    with lock:
        errors = [d for d in got if isinstance(d, FeedError)]
    assert errors and len(errors) == len(got)
    assert len(errors) <= 1 + 1.5 / 0.2 + 2  # the page's, then one per interval at most
