"""One process per station id (`station/instance_lock.py`), on SQLite and PostgreSQL.

A second runner for a station id that another one holds is refused with the message and
takes no scans; once the first stops, the second takes over at its next heartbeat and
resumes the station where the first left it. A process killed outright leaves no lock
behind (the kernel closes its file or its socket).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from packstation.config import LeaseTimings
from packstation.domain.rules import PackRules
from packstation.i18n import t
from packstation.models.db import Database, make_engine
from packstation.station.instance_lock import instance_lock, lock_file
from tests.station.conftest import PACKER, SyncRunner

STATION = "PS-TWICE"
#: A 3 s lease: a heartbeat every second, so a waiting runner retries every second.
FAST = LeaseTimings(lease_s=3.0)
REFUSED = "Station PS-TWICE is already open on this floor (another window or PC); close it first"


def test_a_second_runner_is_refused_until_the_first_stops(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    first = SyncRunner(station_db, rules, tmp_path / "a", station=STATION, leases=FAST)
    second: SyncRunner | None = None
    other: SyncRunner | None = None
    try:
        assert first.results[0].recovered
        assert first.scan(PACKER).state.operator is not None
        second = SyncRunner(station_db, rules, tmp_path / "b", station=STATION, leases=FAST)
        refused = second.results[0]
        assert refused.outcome is not None and not refused.outcome.ok and refused.outcome.bell
        assert t(refused.outcome.message, "en") == REFUSED
        assert "PS-TWICE" in t(refused.outcome.message, "ru")
        assert second.runner.busy and not refused.recovered and refused.state.operator is None

        badge = second.scan(PACKER)  # a scan at the second window: refused, not recorded
        assert badge.outcome is not None and badge.outcome.message.key == "station.already_open"
        assert not badge.recorded and badge.state.operator is None

        # Another station id on the same database is not affected.
        other = SyncRunner(station_db, rules, tmp_path / "c", station="PS-OTHER", leases=FAST)
        assert other.results[0].recovered and not other.runner.busy

        time.sleep(2.5)  # heartbeats retry while the first runs: still refused, quietly
        assert second.runner.busy and len(second.results) == 2
        claimed = first.scan("ORD-1001")  # the first goes on undisturbed
        assert claimed.state.order is not None and claimed.state.order.id == "ORD-1001"

        first.stop()
        took = second.wait(3, timeout=10)  # within a heartbeat or two
        assert took.recovered and took.outcome is not None and took.outcome.ok
        assert took.outcome.message.key == "station.resumed"
        assert took.state.operator is not None and took.state.order is not None
        assert not second.runner.busy
        assert second.scan("4601234567893").state.units_packed == 1
    finally:
        first.stop()
        for runner in (second, other):
            if runner is not None:
                runner.stop()


HOLD = """
import sys, time
from packstation.models.db import make_engine
from packstation.station.instance_lock import instance_lock
lock = instance_lock(make_engine(sys.argv[1]), sys.argv[2])
print("held" if lock.acquire() else "busy", flush=True)
time.sleep(120)
"""


def test_a_killed_process_leaves_no_lock(station_db: Database) -> None:
    url = station_db.engine.url.render_as_string(hide_password=False)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, url, "PS-KILLED"],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    mine = instance_lock(station_db.engine, "PS-KILLED")
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"held\n"
        assert not mine.acquire()
        os.killpg(holder.pid, signal.SIGKILL)  # no shutdown code runs
        holder.wait(10)
        deadline = time.monotonic() + 5
        while not mine.acquire():
            assert time.monotonic() < deadline, "the killed process's lock outlived it"
            time.sleep(0.05)
        assert mine.acquire()  # held, and checked again as each heartbeat does
    finally:
        mine.release()
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)
            holder.wait(10)
        if holder.stdout is not None:
            holder.stdout.close()


def test_release_hands_the_lock_on(station_db: Database) -> None:
    """Released means released for every other connection (a connection given back to the
    pool would keep a PostgreSQL session lock alive: the lock's own is closed)."""
    elsewhere = make_engine(station_db.engine.url.render_as_string(hide_password=False))
    here, there = (instance_lock(e, "PS-R") for e in (station_db.engine, elsewhere))
    try:
        assert here.acquire() and not there.acquire()
        here.release()
        assert there.acquire() and not here.acquire()
    finally:
        here.release()
        there.release()
        elsewhere.dispose()


def test_lock_file_names() -> None:
    db = Path("/var/lib/packstation/packstation.db")
    assert lock_file(db, "PS-01") == Path("/var/lib/packstation/packstation.db.station-PS-01.lock")
    odd = lock_file(db, "../etc/passwd")
    assert odd.parent == db.parent and "/" not in odd.name.removeprefix("packstation.db")
    assert lock_file(db, "../etc/passwd") == odd != lock_file(db, "../etc/shadow")
