"""Two real `packstation run --station PS-TWICE` processes on one SQLite file.

The second says the station is already open, opens neither the scanner nor the scale (the
first keeps every scan) and records nothing; the first is killed (SIGKILL, no shutdown
code): within a heartbeat or two the second has the station, opens the devices and packs
on where the first left off.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from tests.e2e.station_process import StationProcess
from tests.station.conftest import PACKER

# Another process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process

STATION = "PS-TWICE"


def wait_for_screen(station: StationProcess, pattern: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not re.search(pattern, " ".join(station.screen_text().split())):
        assert station.proc is not None and station.proc.poll() is None, "station exited"
        assert time.monotonic() < deadline, f"{pattern!r} not shown: {station.screen_text()}"
        time.sleep(0.05)


def test_the_second_process_waits_and_takes_over_when_the_first_dies(
    rig: tuple[str, ScannerSimulator, ScaleSimulator], tmp_path: Path
) -> None:
    db_url, scanner, scale = rig
    config = tmp_path / "station.toml"
    config.write_text("[floor]\nlease_s = 3\n", encoding="utf-8")  # a heartbeat every second
    ports = (db_url, scanner.port, scale.port)
    first = StationProcess(*ports, tmp_path / "a", station=STATION, config=config)
    second = StationProcess(*ports, tmp_path / "b", station=STATION, config=config)
    first.start()
    try:
        first.wait_ready()
        scanner.send(PACKER)
        first.wait_for(lambda s: s.operator is not None, timeout=30, what="login")

        second.start()
        wait_for_screen(second, r"Station PS-TWICE is already open on this floor", 30)

        scanner.send("ORD-1001")  # the scanner is the first's alone
        first.wait_for(lambda s: s.order is not None, what="claim by the first")

        first.kill()
        killed = time.monotonic()
        wait_for_screen(second, r"Back where you left off", 10)
        took = time.monotonic() - killed
        # Then the station's devices, opened by the second (the row was cleared by its
        # recovery: the dead first's device states are gone).
        second.wait_ready(timeout=10)
        scanner.send("4601234567893")
        state = second.wait_for(lambda s: s.units_packed == 1, what="a unit at the second")
        assert state.order is not None and state.order.id == "ORD-1001"
        assert took < 5, f"took over after {took:.1f} s"
    finally:
        first.kill()
        second.kill()
