"""Every screen fits 80x24 in English and Russian: no widget crops its text.

A terminal at a packing bench is often 80x24 (the Linux console, a small kiosk
screen). A line longer than its widget is cut ("... брака за"); a table wider
than the screen hides columns. The check is generic: after each step of a walk
through every screen, each visible text widget must need no more lines than it
has at its width, and each table (a DataTable or the queue's KeyedTable) must
need no horizontal scrolling.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Static

from packstation.devices.base import ScaleReading, ScaleState
from packstation.models.db import Database
from packstation.screens.messages import ScaleUpdate
from packstation.screens.queue_app import QueueApp, QueueScreen
from packstation.screens.queue_modal import LeadActionScreen
from packstation.screens.returns import ReturnsScreen
from packstation.screens.station_app import StationApp
from packstation.widgets.queue_table import KeyedTable
from packstation.widgets.text_rows import TextRows
from tests.screens.conftest import scan, wait_until
from tests.screens.test_returns_flow import rscan, ship
from tests.station.conftest import LEAD, LEAD_PIN, PACKER

SIZE = (80, 24)
LOCALES = ["en", "ru"]
ORD_1001_ITEMS = ("4601234567893", "4601234567893", "4607654321015", "046000001234")


def shown_text(widget: Static | TextRows) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


def cut_offs(app: App[None]) -> list[str]:
    """What on the current screen does not fit where it is drawn."""
    found = []
    for widget in app.screen.query("*"):
        if not _on_screen(widget):
            continue
        region = widget.content_region
        if isinstance(widget, DataTable | KeyedTable):
            if widget.virtual_size.width > widget.scrollable_content_region.width:
                labels = [c.label.plain for c in widget.ordered_columns]
                found.append(
                    f"table #{widget.id}: {widget.virtual_size.width} columns wide in "
                    f"{widget.scrollable_content_region.width}: {labels}"
                )
        elif isinstance(widget, Static | TextRows):  # TextRows: the result panel, the bars
            text = shown_text(widget)
            if widget.styles.text_wrap == "nowrap":
                wide = widget.get_content_width(region.size, app.size)
                if wide > region.width:
                    found.append(f"{_name(widget)}: {wide} cells in {region.width}: {text!r}")
            tall = widget.get_content_height(region.size, app.size, region.width)
            if tall > region.height:
                found.append(
                    f"{_name(widget)}: {tall} lines at width {region.width} in "
                    f"{region.height}: {text!r}"
                )
    return found


def _on_screen(widget: Widget) -> bool:
    return bool(widget.display and widget.visible and widget.region.area)


def _name(widget: Widget) -> str:
    return f"{type(widget).__name__}#{widget.id}" if widget.id else type(widget).__name__


class Walk:
    """Collects what was cut at each named step of a walk through the screens."""

    def __init__(self, app: App[None], locale: str) -> None:
        self.app, self.locale = app, locale
        self.problems: list[str] = []
        self.steps = 0

    def check(self, step: str) -> None:
        self.steps += 1
        self.problems += [f"[{self.locale}] {step}: {p}" for p in cut_offs(self.app)]


def test_the_checker_finds_a_cut_line() -> None:
    class Narrow(App[None]):
        CSS = "#one { height: 1; } #wide { height: 1; text-wrap: nowrap; } #ok { height: 1; }"

        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("word " * 20, id="one")
            yield Static("x" * 100, id="wide")
            yield Static("fits", id="ok")

    async def run() -> list[str]:
        app = Narrow()
        async with app.run_test(size=SIZE):
            return cut_offs(app)

    import asyncio

    problems = asyncio.run(run())
    assert [p.split(":")[0] for p in problems] == ["Static#one", "Static#wide", "Static#wide"]


def test_the_checker_finds_a_table_too_wide() -> None:
    class Wide(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield KeyedTable([("a", "A"), ("b", "B")], id="wide")

        def on_mount(self) -> None:
            self.query_one(KeyedTable).sync([("k", (("k" * 50, ""), ("x" * 50, "")))])

    async def run() -> list[str]:
        app = Wide()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            return cut_offs(app)

    import asyncio

    problems = asyncio.run(run())
    assert [p.split(":")[0] for p in problems] == ["table #wide"]


async def _weigh(pilot: Pilot[None], app: StationApp, grams: int) -> None:
    before = app.results_seen
    app.post_message(ScaleUpdate(ScaleReading(Decimal(grams), True, ScaleState.OK, "g")))
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()


@pytest.mark.parametrize("locale", LOCALES)
async def test_station_screens_fit(make_app: Callable[..., StationApp], locale: str) -> None:
    app = make_app(locale=locale)
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, locale)
        await wait_until(pilot, lambda: app.results_seen >= 1)
        walk.check("login")
        await scan(pilot, "NO-SUCH-BADGE")
        walk.check("unknown badge")
        await scan(pilot, PACKER)
        walk.check("order step")
        await scan(pilot, "ORD-1003")  # KZ: invoice and CN23, two lines
        walk.check("items")
        await scan(pilot, "4607001002000")
        walk.check("wrong item")
        await scan(pilot, "4601234567890")
        walk.check("bad check digit")
        await scan(pilot, "4609998887776")
        await scan(pilot, "4609998887776")
        walk.check("over-scan")
        await scan(pilot, "CMD:DEFECT")
        walk.check("defect: pick a line")
        await scan(pilot, "CMD:CANCEL")
        await scan(pilot, "4601112223330")
        await scan(pilot, "BOX:S")
        walk.check("weight")
        await _weigh(pilot, app, 900)
        walk.check("weight out of tolerance")
        await scan(pilot, "CMD:LEAD")
        walk.check("lead badge")
        await scan(pilot, LEAD)
        walk.check("lead PIN")
        await scan(pilot, LEAD_PIN)
        walk.check("override reason")
        await scan(pilot, "1")
        walk.check("checks")
        while app.state.next_check is not None:
            await scan(pilot, "CMD:OK")
        await scan(pilot, "DOC:INVOICE:ORD-1001")
        walk.check("another order's document")
        await scan(pilot, "DOC:INVOICE:ORD-1003")
        await scan(pilot, "DOC:CN23:ORD-1003")
        walk.check("label")
        assert app.state.parcel is not None
        await scan(pilot, app.state.parcel.parcel_id)
        walk.check("packed")
        await scan(pilot, "CMD:LOGOUT")
        walk.check("logged out")
    assert walk.steps >= 18
    assert walk.problems == [], "\n".join(walk.problems)


@pytest.mark.parametrize("locale", LOCALES)
async def test_lead_views_at_the_station_fit(
    make_app: Callable[..., StationApp], ui_db: Database, locale: str
) -> None:
    ship(ui_db, "ORD-1001")
    app = make_app(locale=locale)
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, locale)
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, LEAD)
        walk.check("lead logged in")
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await wait_until(pilot, lambda: queue.renders >= 1)
        await pilot.pause()
        walk.check("queue")
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, LeadActionScreen))
        walk.check("hold dialog")
        await pilot.press("escape")
        await pilot.press("f1")
        await wait_until(pilot, lambda: not isinstance(app.screen, QueueScreen))
        await pilot.press("f11")
        await wait_until(pilot, lambda: isinstance(app.screen, ReturnsScreen))
        walk.check("returns")
        await rscan(pilot, "ORD-1001")
        walk.check("return opened")
        await rscan(pilot, "4601234567893")
        walk.check("returned item")
    assert walk.problems == [], "\n".join(walk.problems)


@pytest.mark.parametrize("locale", LOCALES)
async def test_queue_app_fits(make_queue: Callable[..., QueueApp], locale: str) -> None:
    app = make_queue(locale=locale)
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, locale)
        screen = app.queue_screen
        await wait_until(pilot, lambda: screen.renders >= 1)
        await pilot.pause()
        walk.check("queue")
        for key in ("l", "f", "f", "/"):
            await pilot.press(key)
            await pilot.pause(0.3)
            walk.check(f"after {key}")
    assert walk.problems == [], "\n".join(walk.problems)
