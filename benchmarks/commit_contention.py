"""A scan's COMMIT, alone and with the CPU busy: why the station's COMMIT takes longer than
a bare one.

`scan_latency.py` shows the station's COMMIT (WAL, synchronous=FULL) at 2-3 ms p50 while
the UI draws beside it, against under 1 ms for a bare sqlite3 COMMIT. Here the station's
own decide+commit path (`StationBackend.decide_and_commit`, item scans of a 300-line
order, paced 30-80 ms apart) is timed around the driver's commit only, with what runs
beside it varied, in the same run:

- alone;
- a CPU-bound Python thread in the same process (as the UI thread drawing a frame), at the
  interpreter's default switch interval (5 ms) and at 0.5 ms;
- both cores busy with other processes (as the UI thread plus a terminal).

The bare sqlite3 COMMIT of one row, alone, is the baseline. The figures say which of the
interpreter's lock and the machine's CPU holds the COMMIT up.

    python benchmarks/commit_contention.py [--scans 100]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sqlite3
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scan_latency import BADGE, codes_of, pct, seed_database

from packstation.clock import utcnow
from packstation.domain.codes import parse_code
from packstation.domain.rules import PackRules
from packstation.domain.workflow import PackState, Scan, apply
from packstation.station.backend import StationBackend

ORDER, LINES = "BENCH-300", 300
GAP_S = (0.030, 0.080)
SAMPLE = Path(__file__).resolve().parent.parent / "packstation" / "data" / "station-sample.toml"


def _spin(stop: threading.Event | None = None, until: float | None = None) -> None:
    while not (stop is not None and stop.is_set()) and (until is None or time.time() < until):
        sum(i * i for i in range(2000))


@contextmanager
def beside(kind: str) -> Iterator[None]:
    """What runs while the commits are timed: nothing, a thread, or two processes."""
    if kind == "thread":
        stop = threading.Event()
        thread = threading.Thread(target=_spin, args=(stop,))
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
    elif kind == "cores":
        procs = [mp.Process(target=_spin, args=(None, time.time() + 600)) for _ in range(2)]
        for proc in procs:
            proc.start()
        try:
            yield
        finally:
            for proc in procs:
                proc.terminate()
                proc.join()
    else:
        yield


def summary(name: str, ms: list[float]) -> str:
    return f"{name:<52} p50 {pct(ms, 50):5.2f}  p90 {pct(ms, 90):5.2f}  p99 {pct(ms, 99):5.2f} ms"


def station_commits(tmp: Path) -> tuple[Callable[[str], None], list[float], list[str]]:
    """A station signed in on the order; returns (scan a code, commit times, codes left)."""
    url = f"sqlite:///{tmp / 'station.db'}"
    codes = codes_of(ORDER, LINES)
    seed_database(url, {ORDER: codes})
    with SAMPLE.open("rb") as f:
        rules = PackRules.from_config(tomllib.load(f))
    backend = StationBackend(url, "COMMIT-BENCH", rules, utcnow, "bench")
    backend.recover()
    times: list[float] = []
    dialect = backend.db.engine.dialect
    driver_commit = dialect.do_commit

    def timed_commit(dbapi_connection: object) -> None:
        t0 = time.perf_counter()
        driver_commit(dbapi_connection)
        times.append((time.perf_counter() - t0) * 1000)

    dialect.do_commit = timed_commit  # type: ignore[method-assign]
    state = PackState()

    def scan(text: str) -> None:
        nonlocal state
        state = apply(state, backend.decide_and_commit(state, Scan(parse_code(text))))

    scan(BADGE)
    scan(ORDER)
    return scan, times, codes


def bare_commits(tmp: Path, n: int) -> list[float]:
    conn = sqlite3.connect(tmp / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, payload TEXT)")
    out = []
    for _ in range(n):
        time.sleep(random.uniform(*GAP_S))
        conn.execute("BEGIN")
        conn.execute("INSERT INTO events (payload) VALUES (?)", ("x" * 150,))
        t0 = time.perf_counter()
        conn.execute("COMMIT")
        out.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", type=int, default=60, help="timed scans per case")
    args = ap.parse_args()
    cases = (
        ("station COMMIT, alone", "", 0.005),
        ("station COMMIT, a busy thread beside (switch 5 ms)", "thread", 0.005),
        ("station COMMIT, a busy thread beside (switch 0.5 ms)", "thread", 0.0005),
        ("station COMMIT, both cores busy", "cores", 0.005),
    )
    if len(cases) * args.scans > LINES - 2:
        sys.exit(f"--scans: at most {(LINES - 2) // len(cases)} (one unit per line)")
    tmp = Path(tempfile.mkdtemp(prefix="ps-commit-"))
    print(f"{args.scans} scans per case, paced {GAP_S[0] * 1000:.0f}-{GAP_S[1] * 1000:.0f} ms")
    print(summary("bare sqlite3 COMMIT of one row, alone", bare_commits(tmp, args.scans)))
    scan, times, codes = station_commits(tmp)
    left = iter(codes)
    for name, kind, switch in cases:
        times.clear()
        sys.setswitchinterval(switch)
        with beside(kind):
            time.sleep(0.2)
            for _ in range(args.scans):
                time.sleep(random.uniform(*GAP_S))
                scan(next(left))
        sys.setswitchinterval(0.005)
        print(summary(name, times))


if __name__ == "__main__":
    main()
