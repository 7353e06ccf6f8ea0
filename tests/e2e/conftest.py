"""A seeded SQLite file and the scanner and scale simulators on their ptys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from packstation.models.db import open_database
from tests.station.conftest import seed


@pytest.fixture
def rig(
    sqlite_url: str, fixtures_dir: Path
) -> Iterator[tuple[str, ScannerSimulator, ScaleSimulator]]:
    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    db.dispose()
    scanner = ScannerSimulator()
    scale = ScaleSimulator("mt-sics", grams=0)
    yield sqlite_url, scanner, scale
    scanner.shutdown()
    scale.shutdown()
