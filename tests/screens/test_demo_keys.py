"""`packstation demo`: F6 walks a whole order through the simulated scanner and scale."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from textual.pilot import Pilot

from packstation.cli.station_cmd import create_demo_database
from packstation.devices.printer import open_printer
from packstation.devices.serial_scale import SerialScale
from packstation.devices.serial_scanner import SerialScanner
from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from packstation.domain.rules import PackRules
from packstation.models import Order
from packstation.models.db import open_database
from packstation.screens.station_app import StationApp, StationSetup
from tests.screens.conftest import wait_until


async def press_for_result(pilot: Pilot[None], app: StationApp, key: str) -> None:
    seen = app.results_seen
    await pilot.press(key)
    await wait_until(pilot, lambda: app.results_seen > seen, timeout=15)


async def test_f6_packs_the_first_order_and_prints_its_documents(tmp_path: Path) -> None:
    url = create_demo_database(tmp_path)
    raw = tomllib.loads(
        (resources.files("packstation.data") / "station-sample.toml").read_text("utf-8")
    )
    scanner_sim, scale_sim = ScannerSimulator(), ScaleSimulator("mt-sics", grams=0)
    db = open_database(url)
    setup = StationSetup(
        db=db,
        station_id="PS-DEMO",
        rules=PackRules.from_config(raw),
        locale="en",
        devices={
            "scanner": SerialScanner(scanner_sim.port, suffix="CR"),
            "scale": SerialScale(scale_sim.port, "mt-sics"),
        },
        printer=open_printer(f"dir://{tmp_path / 'labels'}"),
        documents_printer=open_printer(f"dir://{tmp_path / 'documents'}"),
        simulators={"scanner": scanner_sim, "scale": scale_sim},
    )
    app = StationApp(setup)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.results_seen >= 1)
            await wait_until(
                pilot,
                lambda: all(
                    s is not None and s.state.name == "CONNECTED"
                    for s in (app.device_status["scanner"], app.device_status["scale"])
                ),
            )
            for _ in range(40):
                if app.state.closed_order:
                    break
                await press_for_result(pilot, app, "f6")
                await pilot.pause(0.05)
            packed = app.state.closed_order
    finally:
        scanner_sim.shutdown()
        scale_sim.shutdown()
    assert packed is not None, "F6 alone packs an order"
    with db.sessions() as s:
        assert s.scalar(select(Order.status).where(Order.id == packed)) == "packed"
    db.dispose()
    assert (tmp_path / "documents" / f"{packed}-documents.pdf").exists()
    assert any((tmp_path / "labels").iterdir())
