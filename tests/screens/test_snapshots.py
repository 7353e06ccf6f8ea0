"""Snapshots of the key station screens at 80x24 (pinned versions: constraints.txt).

Update with `pytest tests/screens/test_snapshots.py --snapshot-update` after a
deliberate change, and look at the report before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from packstation.devices.base import ScaleReading, ScaleState
from packstation.devices.printer import open_printer
from packstation.domain.rules import PackRules
from packstation.models.db import Database
from packstation.screens.messages import ScaleUpdate
from packstation.screens.station_app import StationApp, StationSetup
from packstation.screens.station_render import FLASH_S, FLASHES
from tests.screens.conftest import scan, wait_until

NOON = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


@pytest.fixture
def snap_app(ui_db: Database, rules: PackRules, tmp_path: Path) -> StationApp:
    return StationApp(
        StationSetup(
            db=ui_db,
            station_id="PS-01",
            station_name="Pack station 1, zone A",
            rules=rules,
            locale="en",
            printer=open_printer(f"dir://{tmp_path / 'labels'}"),
            clock=lambda: NOON,
        )
    )


async def _ready(pilot: Pilot[None]) -> None:
    app = pilot.app
    assert isinstance(app, StationApp)
    await wait_until(pilot, lambda: app.results_seen >= 1)


async def _mid_order(pilot: Pilot[None]) -> None:
    await _ready(pilot)
    await scan(pilot, "BADGE-0001")
    await scan(pilot, "ORD-1001")
    await scan(pilot, "4601234567893")
    await scan(pilot, "4607654321015")


async def _flashed(pilot: Pilot[None]) -> None:
    """A red that would mis-ship flashes the panel first: the snapshot is of what stays."""
    await pilot.pause(FLASH_S * 2 * FLASHES + 0.1)


async def _wrong_item(pilot: Pilot[None]) -> None:
    await _mid_order(pilot)
    await scan(pilot, "4607001002000")
    await _flashed(pilot)


async def _weight(pilot: Pilot[None]) -> None:
    await _mid_order(pilot)
    await scan(pilot, "4601234567893")
    await scan(pilot, "046000001234")
    await scan(pilot, "BOX:M")
    app = pilot.app
    assert isinstance(app, StationApp)
    before = app.results_seen
    app.post_message(ScaleUpdate(ScaleReading(Decimal(1400), True, ScaleState.OK, "g")))
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()
    await _flashed(pilot)


async def _checklist(pilot: Pilot[None]) -> None:
    await _mid_order(pilot)
    await scan(pilot, "4601234567893")
    await scan(pilot, "046000001234")
    await scan(pilot, "BOX:M")
    app = pilot.app
    assert isinstance(app, StationApp)
    before = app.results_seen
    app.post_message(ScaleUpdate(ScaleReading(Decimal(1060), True, ScaleState.OK, "g")))
    await wait_until(pilot, lambda: app.results_seen > before)
    await scan(pilot, "CMD:OK")
    await scan(pilot, "CMD:OK")


@pytest.mark.parametrize(
    "run_before",
    [_ready, _wrong_item, _weight, _checklist],
    ids=["login", "pack-red-error", "weight-blocked", "checklist"],
)
def test_station_screens(
    snap_compare: Callable[..., bool], snap_app: StationApp, run_before: Any
) -> None:
    assert snap_compare(snap_app, terminal_size=SIZE, run_before=run_before)
