"""Issue 16: the station says "ready" only when a scan is taken, and the first scan after
that frame is recorded (a scanner opened late used to drop what came before)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from tests.e2e.station_process import StationProcess
from tests.station.conftest import PACKER

pytestmark = pytest.mark.other_process

ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def _plain(station: StationProcess) -> str:
    return ESCAPES.sub(b"", bytes(station.output)).decode("utf-8", "replace")


def _wait_text(station: StationProcess, text: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        plain = _plain(station)
        if text in plain:
            return plain
        if station.proc is not None and station.proc.poll() is not None:
            raise AssertionError(f"station exited: {plain[-1500:]}")
        time.sleep(0.002)
    raise AssertionError(f"{text!r} never shown; screen: {_plain(station)[-1500:]}")


def test_a_badge_scanned_right_after_the_ready_frame_is_taken(
    rig: tuple[str, ScannerSimulator, ScaleSimulator], tmp_path: Path
) -> None:
    db_url, scanner, scale = rig
    station = StationProcess(db_url, scanner.port, scale.port, tmp_path / "spool")
    station.start()
    try:
        shown = _wait_text(station, "Scan your badge")
        scanner.send(PACKER)  # at once: no settling time after the ready frame
        # Before that frame the screen said what it was waiting for, never "ready".
        before = shown[: shown.index("Scan your badge")]
        assert "Starting: waiting for" in before
        assert "Station ready" not in before
        state = station.wait_for(lambda s: s.operator is not None, timeout=10, what="login")
        assert state.operator is not None and state.operator.badge == PACKER
    finally:
        station.kill()
