"""What a station without marketplaces loads to start: not the channel clients, nor the
order-file readers (about 30 ms of CPU of a start of 0.5-0.6 s, before the first badge)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

START = """
import sys, threading, tomllib
from pathlib import Path
import packstation.cli.station_cmd, packstation.screens.station_app
from packstation.domain.rules import PackRules
from packstation.models.db import open_database
from packstation.station.runner import StationRunner

url = "sqlite:///" + sys.argv[1]
open_database(url, auto_upgrade=True).dispose()
rules = PackRules.from_config(tomllib.loads(Path(sys.argv[2]).read_text(encoding="utf-8")))
done = threading.Event()
runner = StationRunner(url, "PS-START", rules, lambda result: done.set())
runner.start()
assert done.wait(30), "the station did not recover"
assert runner.recovered
runner.stop()
left_out = ("packstation.channels", "packstation.domain.intake")
left_out += ("packstation.station.marketplace_agent",)
loaded = [m for m in sys.modules if m.startswith(left_out)]
print(sorted(loaded))
"""


@pytest.mark.other_process
def test_a_station_without_channels_starts_without_their_code(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            START,
            str(tmp_path / "st.db"),
            str(fixtures_dir / "station-sample.toml"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
