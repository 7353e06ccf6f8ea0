"""Where a serial scanner's line goes: at the login and pack screens straight from the
driver's thread to the worker (no message through the UI loop); at the returns desk
through the UI, which hands it to the desk. Real pseudo-terminals, a real worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.message import Message

from packstation.devices.printer import open_printer
from packstation.devices.serial_scanner import SerialScanner
from packstation.devices.simulators import ScannerSimulator
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Step
from packstation.models.db import Database
from packstation.screens.messages import ScannerLine
from packstation.screens.returns import ReturnsScreen
from packstation.screens.station_app import StationApp, StationSetup
from tests.screens.conftest import wait_until
from tests.station.conftest import LEAD, PACKER


@pytest.fixture
def scanner_sim() -> Iterator[ScannerSimulator]:
    sim = ScannerSimulator()
    yield sim
    sim.shutdown()


def station_with_scanner(
    db: Database, rules: PackRules, sim: ScannerSimulator, tmp_path: Path
) -> tuple[StationApp, list[Message]]:
    """The app, and every message it posted to itself (its devices' included)."""
    app = StationApp(
        StationSetup(
            db=db,
            station_id="PS-01",
            rules=rules,
            locale="en",
            devices={"scanner": SerialScanner(sim.port, suffix="CR")},
            printer=open_printer(f"dir://{tmp_path / 'labels'}"),
        )
    )
    posted: list[Message] = []
    post = app.post_message

    def recording(message: Message) -> bool:
        posted.append(message)
        return post(message)

    app.post_message = recording  # type: ignore[method-assign]
    return app, posted


async def test_at_the_pack_screen_scans_go_to_the_worker_not_through_the_ui(
    ui_db: Database, rules: PackRules, scanner_sim: ScannerSimulator, tmp_path: Path
) -> None:
    app, posted = station_with_scanner(ui_db, rules, scanner_sim, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: not app.waiting_for())  # "ready": the port is open
        scanner_sim.send(PACKER)
        await wait_until(pilot, lambda: app.state.operator is not None)
        scanner_sim.send("ORD-1001")
        await wait_until(pilot, lambda: app.state.step is Step.ITEMS)
        scanner_sim.send("4601234567893")
        await wait_until(pilot, lambda: app.state.units_packed == 1)
        # Text that means a step's pick is read in the worker's step: the defect key,
        # then "2" (line 2) right behind it, before the UI has drawn the defect step.
        scanner_sim.send("CMD:DEFECT")
        scanner_sim.send("2")
        await wait_until(pilot, lambda: app.state.step is Step.DEFECT_PICK_KIND)
    assert not [m for m in posted if isinstance(m, ScannerLine)]


async def test_at_the_returns_desk_scans_go_through_the_ui_to_the_desk(
    ui_db: Database, rules: PackRules, scanner_sim: ScannerSimulator, tmp_path: Path
) -> None:
    app, posted = station_with_scanner(ui_db, rules, scanner_sim, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: not app.waiting_for())
        scanner_sim.send(LEAD)
        await wait_until(pilot, lambda: app.state.operator is not None)
        await pilot.press("f11")
        await wait_until(pilot, lambda: isinstance(app.screen, ReturnsScreen))
        desk = app.screen
        assert isinstance(desk, ReturnsScreen)
        seen = desk.results_seen
        scanner_sim.send("ORD-1001")
        await wait_until(pilot, lambda: desk.results_seen > seen)
        lines = [m.text for m in posted if isinstance(m, ScannerLine)]
    assert lines == ["ORD-1001"]  # the badge went straight to the worker; this one did not
    assert app.state.order is None  # the pack workflow did not take it
