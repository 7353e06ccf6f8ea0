"""`[station] big = true`: the result's headline in block letters, still 80x24 in EN and RU."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.text import Text

from packstation.screens.station_app import StationApp
from packstation.widgets.big_text import ROWS, big_lines
from packstation.widgets.result_panel import ResultPanel
from tests.screens.conftest import scan, wait_until
from tests.screens.test_fit_80x24 import _weigh, cut_offs

MUG, TEA, SPOON = "4601234567893", "4607654321015", "046000001234"
CABLE_OF_1005 = "4607001002000"


def panel_problems(app: StationApp, step: str) -> list[str]:
    """The result panel needs no more lines than it has (a long title wraps, as the
    normal panel's does; then it must still fit)."""
    panel = app.screen.query_one(ResultPanel)
    region = panel.content_region
    tall = panel.get_content_height(region.size, app.size, region.width)
    if tall > region.height:
        return [f"{step}: {tall} lines in {region.height}: {panel.content.plain!r}"]
    return []


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_big_headlines_fit_80x24(make_app: Callable[..., StationApp], locale: str) -> None:
    app = make_app(locale=locale)
    app.setup.big = True
    problems: list[str] = []

    def check(step: str, headline: str | None) -> None:
        panel = app.screen.query_one(ResultPanel)
        assert panel.has_class("-big")
        text: Text = panel.content
        if headline is not None:
            top = text.plain.split("\n")[:ROWS]
            assert top == big_lines(app.tr(f"ui.signal.{headline}")), step
        problems.extend(panel_problems(app, step))
        problems.extend(f"{step}: {p}" for p in cut_offs(app))

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        check("login", "good")
        await scan(pilot, "ORD-1001")
        await scan(pilot, "BOX:M")
        check("box first", "refused")
        await scan(pilot, CABLE_OF_1005)
        check("wrong item", "wrong_item")
        for code in (MUG, MUG, TEA, SPOON, SPOON):
            await scan(pilot, code)
        check("over-scan", "over_scan")
        await scan(pilot, "CMD:CANCEL")
        check("cancel", "needs_lead")
        await scan(pilot, "CMD:CANCEL")
        await scan(pilot, "BOX:M")
        await _weigh(pilot, app, 1200)
        check("weight", "weight")
        await _weigh(pilot, app, 1060)
        check("weighed", "good")
        while app.state.next_check is not None:
            await scan(pilot, "CMD:OK")
        await scan(pilot, "DOC:INVOICE:ORD-1001")
        assert app.state.parcel is not None
        await scan(pilot, app.state.parcel.parcel_id)
        check("packed", "complete")
    assert problems == []


async def test_big_is_off_by_default(make_app: Callable[..., StationApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        panel = app.screen.query_one(ResultPanel)
        assert not panel.has_class("-big") and "█" not in panel.content.plain
