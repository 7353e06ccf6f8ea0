"""The station on the Linux console: TERM=linux gives 16 colours, `--ascii` plain glyphs."""

from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

import pytest

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from packstation.screens.console import ASCII_TABLE, to_ascii
from tests.e2e.station_process import StationProcess
from tests.station.conftest import PACKER

# Another process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process

SGR = re.compile(r"\x1b\[([0-9;]*)m")
#: SGR parameters of the console's 16 colours and plain attributes (no 38;5 / 38;2 ...).
SIXTEEN = {str(n) for n in (*range(0, 10), *range(21, 30), *range(30, 38), 39)} | {
    str(n) for n in (*range(40, 48), 49, *range(90, 98), *range(100, 108))
}
GLYPHS = set(chr(code) for code in ASCII_TABLE)


def test_every_glyph_becomes_one_ascii_cell() -> None:
    for code, plain in ASCII_TABLE.items():
        assert len(plain) == 1 and plain.isascii() and plain.isprintable(), hex(code)
        assert unicodedata.east_asian_width(chr(code)) in ("N", "A", "Na"), hex(code)
    assert to_ascii("┏━┓ ╭─╮ │ ● ✓ ✗ ⚠ ▣ ░▓ Москва") == "+-+ +-+ | * + x ! # .# Москва"


def test_station_on_the_linux_console_draws_ascii_in_16_colours(
    rig: tuple[str, ScannerSimulator, ScaleSimulator], tmp_path: Path
) -> None:
    url, scanner, scale = rig
    station = StationProcess(
        url, scanner.port, scale.port, tmp_path / "spool", term="linux", extra_args=("--ascii",)
    )
    station.start()
    try:
        station.wait_ready()
        scanner.send(PACKER)
        station.wait_for(lambda s: s.operator is not None, what="login")
        scanner.send("ORD-1001")
        station.wait_for(lambda s: s.order is not None, what="claim")
        scanner.send("4601234567893")
        station.wait_for(lambda s: s.units_packed == 1, what="first unit")
        scanner.send("4000000000006")  # not in the order: the red result panel
        deadline = time.monotonic() + 10
        while "4000000000006" not in station.screen_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # the frame after the result
        out = bytes(station.output).decode("utf-8", "replace")
    finally:
        station.kill()

    assert "4000000000006" in station.screen_text()
    plain = SGR.sub("", out)
    assert re.search(r"\+-{10,}", plain), "the panels' borders are drawn in ASCII"
    drawn = sorted({ch for ch in out if ch in GLYPHS or 0x2500 <= ord(ch) < 0x25A0})
    assert drawn == [], f"non-ASCII glyphs reached the console: {drawn}"
    params = {p for m in SGR.finditer(out) for p in (m.group(1) or "0").split(";")}
    assert params, "the screen is coloured"
    assert params <= SIXTEEN, f"colours beyond the console's 16: {sorted(params - SIXTEEN)}"
