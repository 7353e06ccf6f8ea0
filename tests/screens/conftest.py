"""A station app on a seeded SQLite database, driven with Pilot."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC
from pathlib import Path

import pytest
from rich.text import Text
from textual.pilot import Pilot

from packstation.devices.printer import open_printer
from packstation.domain.rules import PackRules
from packstation.models.db import Database, open_database
from packstation.screens.messages import ScannerLine
from packstation.screens.queue_app import QueueApp, QueueSetup
from packstation.screens.station_app import StationApp, StationSetup
from packstation.widgets.result_panel import ResultPanel
from tests.models.test_queue_repo import NOW, SHIFT, seed_floor
from tests.station.conftest import seed


@pytest.fixture
def ui_db(sqlite_url: str, fixtures_dir: Path) -> Iterator[Database]:
    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    yield db
    db.dispose()


@pytest.fixture
def make_app(ui_db: Database, rules: PackRules, tmp_path: Path) -> Callable[..., StationApp]:
    def make(locale: str = "en", spool: Path | None = None, kiosk: bool = False) -> StationApp:
        setup = StationSetup(
            db=ui_db,
            station_id="PS-01",
            station_name="Pack station 1",
            rules=rules,
            locale=locale,
            printer=open_printer(f"dir://{spool or tmp_path / 'labels'}"),
            kiosk=kiosk,
        )
        app = StationApp(setup)
        app.bells = 0  # type: ignore[attr-defined]

        def bell() -> None:
            app.bells += 1  # type: ignore[attr-defined]

        app.bell = bell  # type: ignore[method-assign]
        return app

    return make


async def wait_until(
    pilot: Pilot[None], predicate: Callable[[], bool], timeout: float = 10
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def scan(pilot: Pilot[None], text: str) -> None:
    """A frame from the serial scanner; waits until the runner's answer is rendered."""
    app = pilot.app
    assert isinstance(app, StationApp)
    before = app.results_seen
    app.post_message(ScannerLine(text))
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()


async def type_scan(pilot: Pilot[None], text: str) -> None:
    """Keystrokes ending in Enter, as a keyboard-wedge scanner sends them."""
    app = pilot.app
    assert isinstance(app, StationApp)
    before = app.results_seen
    await pilot.press(*text, "enter")
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()


def panel_text(app: StationApp) -> str:
    content = app.screen.query_one(ResultPanel).content
    return content.plain if isinstance(content, Text) else str(content)


@pytest.fixture
def queue_db(sqlite_url: str, fixtures_dir: Path) -> Iterator[Database]:
    db = open_database(sqlite_url)
    seed_floor(db, fixtures_dir)
    yield db
    db.dispose()


@pytest.fixture
def make_queue(queue_db: Database) -> Callable[..., QueueApp]:
    def make(locale: str = "en", refresh_s: float = 0.2) -> QueueApp:
        return QueueApp(
            QueueSetup(
                db=queue_db,
                locale=locale,
                refresh_s=refresh_s,
                clock=lambda: NOW,
                tz=UTC,
                shift_start=lambda now: SHIFT,
            )
        )

    return make
