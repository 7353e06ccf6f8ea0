"""Only `packstation/clock.py` reads the wall clock; everything else takes `now` or a clock.

Three tests once passed on the day they were written and failed after, because
code read the real clock where a test passed a fixed date. This test finds such a
read in the source; `--clock-shift-days` (run by `.ci/run`) finds the rest.
"""

from __future__ import annotations

import ast
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from packstation import clock
from tests.conftest import SHIFT_OPTION

PACKAGE = Path(clock.__file__).resolve().parent
#: (object, attribute) pairs that read the wall clock.
READS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("time", "gmtime"),
    ("time", "ctime"),
}


def clock_reads(source: str) -> list[tuple[int, str]]:
    """Every `datetime.now`-like attribute in the source, called or passed as a default."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
        if (name, node.attr) in READS:
            found.append((node.lineno, f"{name}.{node.attr}"))
    return found


def test_the_finder_sees_each_way_of_reading_the_clock() -> None:
    source = (
        "import datetime as dt, time\n"
        "a = dt.datetime.now()\n"
        "b = datetime.now(UTC)\n"
        "c = date.today()\n"
        "d = time.time()\n"
        "e = field(default=datetime.utcnow)\n"
        "f = time.monotonic()\n"
    )
    assert [line for line, _ in clock_reads(source)] == [2, 3, 4, 5, 6]


def test_no_module_but_clock_reads_the_wall_clock() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {what}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != PACKAGE / "clock.py"
        for line, what in clock_reads(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "read the clock through packstation.clock:\n" + "\n".join(offenders)


def test_a_shifted_run_really_moves_the_clock(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A new file is stamped by the kernel with the real time; the clock is `days` past it."""
    days = float(request.config.getoption(SHIFT_OPTION))
    probe = tmp_path / "probe"
    probe.write_bytes(b"")
    real = datetime.fromtimestamp(os.stat(probe).st_mtime, UTC)
    moved = clock.utcnow() - real
    assert abs(moved - timedelta(days=days)) < timedelta(minutes=5), moved
    assert time.monotonic() < 10 * 365 * 86400  # intervals keep the real monotonic clock
