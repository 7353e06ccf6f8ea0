"""The training bench's serial scanner: every scan goes through the app (`submit_text`),
so a lead's badge at the lesson pick is the pick, not a sign-in (the station's login and
pack screens hand scans straight to the worker; the bench must not)."""

from __future__ import annotations

from collections.abc import Callable

from packstation.devices.serial_scanner import SerialScanner
from packstation.devices.simulators import ScannerSimulator
from packstation.screens.training_app import TrainingApp
from tests.station.conftest import LEAD
from tests.training.conftest import TRAINEE, wait_until


async def test_a_leads_badge_from_the_serial_scanner_picks_at_the_bench(
    make_training: Callable[..., TrainingApp],
) -> None:
    sim = ScannerSimulator()
    app = make_training()
    app.setup.devices["scanner"] = SerialScanner(sim.port, suffix="CR")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: not app.waiting_for())  # the port is open
            sim.send(TRAINEE)
            await wait_until(pilot, lambda: app.state.operator is not None)
            assert app.picking == "lead"
            sim.send(LEAD)
            await wait_until(pilot, lambda: app.picking == "lesson")
            assert app.state.operator is not None and app.state.operator.badge == TRAINEE
    finally:
        sim.shutdown()
