"""Scan-to-screen latency of the real station process, against an honest floor.

Everything runs on pseudo-terminals, the way a packer sees it: each process
draws on an 80x24 pty whose output this script reads, and scans are written
to a scanner pty. A scan is timed from the write of its bytes to the arrival
of the terminal output that shows its result: for the station the frame with
its "N of M units" line (the result panel and the count change in the same
frame), for the floor the frame with the code.

The floor is a bare Textual app that reads the scanner pty with pyserial
directly (no packstation code) and shows each code in a Static: no station
can be faster. Scans are paced like a person's (random gaps of 30-300 ms,
seeded), so they land at any point of a frame; floor and station get the
same codes with the same gaps, in the same run. Both run side by side and take
the scans in turns (--turn, 50 scans each): this machine has slow spells of
seconds, from outside the run, and a spell then falls on both rather than on
whichever was being measured. Measured on a 300-line order and on a 2,000-line
order (a seeded sample of its lines, in random order); afterwards the events
table must hold every scan, in order.

Also in the same run:
- the fsync's own cost: a bare sqlite3 commit (WAL, synchronous=FULL, the
  station's settings) of one event-sized row, paced the same way, on the
  same disk;
- where the station's time goes per scan: the station runs with
  $PACKSTATION_TRACE set and notes monotonic timestamps at each stage
  (`packstation/station/trace.py`), lined up here with the write and the
  frame's arrival (the same clock across processes);
- start to ready: process start to the frame where a badge scan is
  accepted (the badge is written every 10 ms until then: pyserial drops what
  arrived before it opened the port).

packstation's bytecode is compiled first, as an installed station has it (this
environment sets PYTHONDONTWRITEBYTECODE: every start would compile every module);
--no-compile leaves it. The station is whichever packstation this interpreter
imports: run from another checkout's directory, with PYTHONPATH pointing at it, to
measure that one (`python -m` puts the current directory first). Nothing else on
the machine is stopped: the load average is printed at the start and the end.

Targets: station p99 <= 1.6x the floor's p99 (both orders); where the fsync
alone makes that impossible, <= floor p99 + fsync p99 + 2 ms; start to
ready <= 0.6 s.

A 300-line order has 300 scans: its p99 is the third-slowest scan, and moves by about
a millisecond from run to run. So each order is packed --rounds times (default 3: a
fresh copy each round, the floor beside it each time, about 13 minutes in all) and the
targets are judged on the p99 of all rounds' scans together; each round's own p99 and
verdict are printed as well.

    python benchmarks/scan_latency.py [--scans 300] [--rounds 3] [--turn 50] [--seed 1]
                                      [--starts 5] [--no-compile]
"""

from __future__ import annotations

import argparse
import bisect
import compileall
import fcntl
import os
import random
import re
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

import packstation
from packstation.cli import station_cmd
from packstation.clock import utcnow
from packstation.devices.simulators import ScannerSimulator
from packstation.domain.orders import Address, Customer, LineData, OrderData
from packstation.models import Event
from packstation.models.db import open_database
from packstation.models.operators_repo import add_operator
from packstation.models.orders_repo import import_orders

ANSI = re.compile(rb"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
#: Gaps between scans: a person scanning items, never two scans in one frame.
GAP_S = (0.030, 0.300)
#: The station's repaint rate (`packstation run` sets TEXTUAL_FPS unless it is set).
STATION_FPS = os.environ.get("TEXTUAL_FPS", station_cmd.STATION_FPS)
BADGE = "BENCH-BADGE"
ORDERS = {"BENCH-300": 300, "BENCH-2000": 2000}
#: --sounds: a copy of the 300-line order, packed by a station that plays a sound a result.
SOUND_ORDER, SOUND_LINES = "BENCH-SOUND", 300

#: The floor: Textual and pyserial only, nothing of packstation.
FLOOR_APP = r"""
import sys
import threading

import serial
from textual.app import App
from textual.message import Message
from textual.widgets import Static


class Line(Message):
    def __init__(self, text):
        super().__init__()
        self.text = text


class Floor(App):
    def compose(self):
        yield Static("floor: opening", id="out")

    def on_mount(self):
        self.out = self.query_one("#out", Static)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        port = serial.Serial(sys.argv[1], timeout=0.1, exclusive=True)
        self.post_message(Line("floor: ready"))
        pending = b""
        while True:
            data = port.read(1)
            if not data:
                continue
            data += port.read(port.in_waiting)
            *frames, pending = (pending + data).split(b"\r")
            for frame in frames:
                self.post_message(Line(frame.decode("utf-8", "replace")))

    def on_line(self, message):
        self.out.update(message.text)


Floor().run()
"""


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def codes_of(order_id: str, lines: int) -> list[str]:
    prefix = {"BENCH-300": "4610", "BENCH-2000": "4620"}[order_id]
    return [ean13(f"{prefix}{i:08d}") for i in range(lines)]


def seed_database(
    url: str, codes: dict[str, list[str]] | None = None, *, badge: bool = True
) -> None:
    """One order per entry of `codes` (order id -> its item codes, one unit each; default
    the two orders of `ORDERS`) and the bench's packer badge."""
    now = utcnow()
    if codes is None:
        codes = {order_id: codes_of(order_id, lines) for order_id, lines in ORDERS.items()}
    orders = [
        OrderData(
            id=order_id,
            ship_by=now + timedelta(days=1),
            customer=Customer(name="Bench", phone="+79160000000", email="b@example.ru"),
            address=Address(country="RU", city="Москва", postcode="101000", line1="ул. 1"),
            lines=[
                LineData(
                    sku=f"S{i}", name=f"Item {i}", barcodes=[code], qty=1, unit_weight_g=Decimal(10)
                )
                for i, code in enumerate(order_codes)
            ],
        )
        for order_id, order_codes in codes.items()
    ]
    db = open_database(url)
    with db.unit_of_work() as s:
        import_orders(s, orders, lambda o: [], now=now)
        if badge:
            add_operator(s, badge=BADGE, name="Bench", role="packer", pin_hash=None, now=now)
    db.dispose()


class Terminal:
    """A child process on an 80x24 pty; its output is kept with each chunk's arrival time."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": "80",
            "LINES": "24",
            **(env or {}),
        }
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.master = master
        self.buf = bytearray()
        #: (end offset in buf, perf_counter at arrival) of every chunk read.
        self.chunks: list[tuple[int, float]] = []
        self.cond = threading.Condition()
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            arrived = time.perf_counter()
            if not data:
                return
            with self.cond:
                self.buf += data
                self.chunks.append((len(self.buf), arrived))
                self.cond.notify_all()

    def mark(self) -> int:
        with self.cond:
            return len(self.buf)

    def _arrival(self, end: int) -> float:
        at = bisect.bisect_left(self.chunks, end, key=lambda chunk: chunk[0])
        if at == len(self.chunks):
            raise AssertionError("offset past the output")
        return self.chunks[at][1]

    def wait_for(
        self, marker: bytes | re.Pattern[bytes], since: int, timeout: float = 10.0
    ) -> float:
        """The arrival time of the output chunk that completed `marker` after offset `since`."""
        pattern = marker if isinstance(marker, re.Pattern) else re.compile(re.escape(marker))
        deadline = time.perf_counter() + timeout
        with self.cond:
            while True:
                raw = bytes(self.buf[since:])
                # Strip escape sequences, keeping the raw offset of each plain byte.
                plain, where, pos = bytearray(), [], 0
                for m in ANSI.finditer(raw):
                    plain += raw[pos : m.start()]
                    where.extend(range(pos, m.start()))
                    pos = m.end()
                plain += raw[pos:]
                where.extend(range(pos, len(raw)))
                found = pattern.search(bytes(plain))
                if found:
                    return self._arrival(since + where[found.end() - 1] + 1)
                left = deadline - time.perf_counter()
                if left <= 0 or self.proc.poll() is not None:
                    tail = ANSI.sub(b"", bytes(self.buf[-2000:])).decode("utf-8", "replace")
                    raise TimeoutError(f"{pattern.pattern!r} never appeared; output ends:\n{tail}")
                self.cond.wait(min(left, 0.05))

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Timed:
    """One scan: when its bytes were written and when the frame showing it arrived."""

    written: float
    shown: float

    @property
    def ms(self) -> float:
        return (self.shown - self.written) * 1000


def paced_scans(
    term: Terminal,
    scanner: ScannerSimulator,
    codes: Sequence[str],
    gaps: Sequence[float],
    marker: Callable[[int, str], bytes | re.Pattern[bytes]],
) -> list[Timed]:
    out = []
    for n, (code, gap) in enumerate(zip(codes, gaps, strict=True), start=1):
        time.sleep(gap)
        since = term.mark()
        written = time.perf_counter()
        scanner.send(code)
        out.append(Timed(written, term.wait_for(marker(n, code), since)))
    return out


def station_args(
    url: str, scanner: ScannerSimulator, station: str, config: Path | None = None
) -> list[str]:
    """`packstation run` on the scanner pty (with `config`: that station config as well)."""
    options = ["--config", str(config)] if config else []
    return [
        sys.executable, "-m", "packstation", *options, "run", "--db", url, "--station", station,
        "--scanner", scanner.port, "--locale", "en",
    ]  # fmt: skip


def units(n: int, total: int) -> re.Pattern[bytes]:
    return re.compile(rf"(?<![0-9]){n} of {total} units".encode())


def start_station(
    url: str,
    scanner: ScannerSimulator,
    order_id: str,
    trace_file: Path,
    total: int,
    config: Path | None = None,
    station: str | None = None,
) -> Terminal:
    """`packstation run`, signed in, with `order_id` claimed and on screen."""
    term = Terminal(
        station_args(url, scanner, station or f"LAT-{order_id}", config),
        {"PACKSTATION_TRACE": str(trace_file)},
    )
    try:
        term.wait_for("● scanner".encode(), 0, timeout=15)  # the port is open
        since = term.mark()
        scanner.send(BADGE)
        term.wait_for(b"Bench (packer)", since)
        since = term.mark()
        scanner.send(order_id)
        term.wait_for(units(0, total), since)
    except BaseException:
        term.stop()
        raise
    return term


def measure_station(
    url: str,
    scanner: ScannerSimulator,
    order_id: str,
    codes: Sequence[str],
    gaps: Sequence[float],
    trace_file: Path,
    config: Path | None = None,
    station: str | None = None,
    lines: int | None = None,
) -> list[Timed]:
    """`lines`: the order's size, where its id is not in `ORDERS` (a round's copy)."""
    total = lines or ORDERS.get(order_id, SOUND_LINES)
    term = start_station(url, scanner, order_id, trace_file, total, config, station)
    try:
        time.sleep(0.5)
        timed = paced_scans(term, scanner, codes, gaps, lambda n, code: units(n, total))
        time.sleep(0.5)  # the station writes its trace a moment after a frame
        return timed
    finally:
        term.stop()


def measure_pair(
    url: str,
    scanners: tuple[ScannerSimulator, ScannerSimulator],
    order_id: str,
    codes: Sequence[str],
    gaps: Sequence[float],
    trace_file: Path,
    lines: int,
    block: int,
) -> tuple[list[Timed], list[Timed]]:
    """The floor and the station, both running, take the same scans in turns of `block`
    scans (the floor's turn first): a slow spell of the machine (seconds of it, from
    outside this run) falls on both, not on whichever was measured then. The one
    waiting its turn is idle (the station beats every 5 s and ticks its clock)."""
    floor_scanner, station_scanner = scanners
    floor = Terminal(
        [sys.executable, "-c", FLOOR_APP, floor_scanner.port], {"TEXTUAL_FPS": STATION_FPS}
    )
    try:
        floor.wait_for(b"floor: ready", 0, timeout=15)
        station = start_station(url, station_scanner, order_id, trace_file, lines)
        try:
            time.sleep(0.5)
            f_out: list[Timed] = []
            s_out: list[Timed] = []
            for start in range(0, len(codes), block):
                turn = slice(start, start + block)
                f_out += paced_scans(
                    floor, floor_scanner, codes[turn], gaps[turn], lambda n, code: code.encode()
                )
                s_out += paced_scans(
                    station, station_scanner, codes[turn], gaps[turn],
                    lambda n, code, done=start: units(done + n, lines),
                )  # fmt: skip
            time.sleep(0.5)  # the station writes its trace a moment after a frame
            return f_out, s_out
        finally:
            station.stop()
    finally:
        floor.stop()


def scanned_until_shown(term: Terminal, scanner: ScannerSimulator, marker: bytes) -> float:
    """Seconds from the process start until `marker` is on screen, scanning BADGE every
    10 ms meanwhile (pyserial drops what arrived before it opened the port)."""
    found: list[float] = []

    def wait() -> None:
        found.append(term.wait_for(marker, 0, timeout=20))

    waiter = threading.Thread(target=wait)
    waiter.start()
    while waiter.is_alive():
        scanner.send(BADGE)
        waiter.join(0.01)
    if not found:
        raise TimeoutError(f"{marker!r} never shown")
    return found[0] - term.started


def start_to_ready(
    url: str, scanner: ScannerSimulator, station: str, trace_file: Path | None = None
) -> float:
    """Process start to the frame where a badge scan is accepted (with `trace_file`, the
    station notes its start-up stages there, written a moment after)."""
    env = {"PACKSTATION_TRACE": str(trace_file)} if trace_file else None
    term = Terminal(station_args(url, scanner, station), env)
    try:
        ready = scanned_until_shown(term, scanner, b"Bench (packer)")
        if trace_file:
            time.sleep(0.4)  # the station writes its trace a moment after a frame
        return ready
    finally:
        term.stop()


def fsync_commits(path: Path, gaps: Sequence[float]) -> list[float]:
    """A bare sqlite3 commit of one event-sized row: WAL, synchronous=FULL (as the station)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA wal_autocheckpoint=20000")
    conn.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, payload TEXT)")
    payload = '{"line_id": 1234, "code": "4610000001234", "order_id": "BENCH-300"}' * 2
    out = []
    try:
        for gap in gaps:
            time.sleep(gap)
            conn.execute("BEGIN")
            conn.execute("INSERT INTO events (payload) VALUES (?)", (payload,))
            t0 = time.perf_counter()
            conn.execute("COMMIT")
            out.append((time.perf_counter() - t0) * 1000)
    finally:
        conn.close()
    return out


def accepted_codes(url: str, order_id: str) -> list[str]:
    db = open_database(url)
    try:
        with db.sessions() as s:
            return [
                p["code"]
                for p in s.scalars(
                    select(Event.payload)
                    .where(Event.order_id == order_id, Event.kind == "scan.accepted")
                    .order_by(Event.id)
                )
            ]
    finally:
        db.dispose()


# --- the in-process profile ---------------------------------------------------------------

#: (label, from mark, to mark); "write" and "arrive" are this script's own times. The
#: worker hands the state to the UI once the rows are written ("applied") and commits
#: meanwhile: the COMMIT runs beside the UI's drawing, and the frame waits at its gate
#: ("gate") until the COMMIT returned (`packstation/station/commit_gate.py`).
STAGES = (
    ("serial read (driver thread)", "write", "read"),
    ("into the worker's queue", "read", "submitted"),
    ("queue to worker, parse", "submitted", "worker"),
    ("decide", "worker", "decided"),
    ("SQL writes", "decided", "written"),
    ("apply, hand to the UI", "written", "applied"),
    ("  then to the COMMIT, beside:", "written", "commit"),
    ("  COMMIT (fsync), beside:", "commit", "committed"),
    ("result to UI loop", "applied", "ui_result"),
    ("render (widgets)", "ui_result", "rendered"),
    ("frame (wait + composite)", "rendered", "gate"),
    ("  of it, waiting for COMMIT", "committed", "gate"),
    ("terminal write", "gate", "frame"),
    ("terminal write -> arrival", "frame", "arrive"),
)
MARKS = ("read", "submitted", "worker", "decided", "written", "commit", "committed")
MARKS += ("applied", "ui_result", "rendered", "gate", "frame")


def read_trace(path: Path) -> list[tuple[str, float]]:
    marks = []
    for line in path.read_text().splitlines():
        stage, ns = line.split()
        marks.append((stage, int(ns) / 1e9))
    return marks


def stage_times(marks: list[tuple[str, float]], scans: Sequence[Timed]) -> dict[str, list[float]]:
    """Per stage, its ms for each scan whose marks were all found between its write and
    the arrival of its frame (each mark's first time there: the stages overlap)."""
    out: dict[str, list[float]] = {label: [] for label, _, _ in STAGES}
    i = 0
    for scan in scans:
        while i < len(marks) and marks[i][1] < scan.written:
            i += 1
        at = {"write": scan.written, "arrive": scan.shown}
        j = i
        while j < len(marks) and marks[j][1] <= scan.shown:
            at.setdefault(marks[j][0], marks[j][1])
            j += 1
        if all(mark in at for mark in MARKS):
            for label, start, end in STAGES:
                out[label].append(max(0.0, at[end] - at[start]) * 1000)
    return out


def slowest_scans(marks: list[tuple[str, float]], scans: Sequence[Timed], k: int = 3) -> list[str]:
    """The `k` slowest scans, each as its marks in time order (ms after its write): where a
    tail scan waited, which the per-stage percentiles (each of another scan) do not show."""
    out = []
    numbered = sorted(enumerate(scans, start=1), key=lambda pair: pair[1].ms)
    for n, scan in numbered[-k:][::-1]:
        seen = [f"{name} {(at - scan.written) * 1000:.2f}" for name, at in marks
                if scan.written <= at <= scan.shown]  # fmt: skip
        out.append(f"{scan.ms:.1f} ms (scan {n}): " + ", ".join(seen))
    return out


def print_profile(title: str, stages: dict[str, list[float]]) -> None:
    n = len(next(iter(stages.values())))
    print(f"  where the station's time goes, {title} ({n} scans traced), ms:")
    print(f"    {'stage':<28} {'p50':>6} {'p99':>6} {'mean':>6}")
    for label, values in stages.items():
        if values:
            mean = statistics.mean(values)
            print(f"    {label:<28} {pct(values, 50):6.2f} {pct(values, 99):6.2f} {mean:6.2f}")


def summary(name: str, ms: Sequence[float]) -> str:
    return f"{name:<30} p50 {pct(ms, 50):6.1f} ms  p99 {pct(ms, 99):6.1f} ms  max {max(ms):6.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", type=int, default=300, help="timed scans per order")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--starts", type=int, default=5, help="start-to-ready runs")
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="pack each order this many times (a fresh copy each round): the p99 pooled "
        "over all rounds' scans, each round's own printed too",
    )
    ap.add_argument(
        "--turn",
        type=int,
        default=50,
        help="scans the floor and the station take in turns, both running (--scans: the "
        "floor's all, then the station's)",
    )
    ap.add_argument(
        "--no-compile", action="store_true", help="leave packstation without bytecode files"
    )
    ap.add_argument(
        "--sounds",
        action="store_true",
        help="also the 300-line order with a sound per result (issue 12: playing never "
        "delays a scan), a stand-in player process that plays for 250 ms each time",
    )
    args = ap.parse_args()
    if args.turn < 1:
        sys.exit("--turn: at least 1")
    package = Path(packstation.__file__).parent
    if not args.no_compile:
        # An installed station has its bytecode (pip compiles it); a checkout run with
        # PYTHONDONTWRITEBYTECODE would compile every module at every start.
        compileall.compile_dir(package, quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="ps-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    seed_database(url)
    rng = random.Random(args.seed)
    #: (order size's id, round) -> the order packed in that round, its codes and gaps.
    plan: dict[tuple[str, int], tuple[str, list[str], list[float]]] = {}
    for base, lines in ORDERS.items():
        codes = codes_of(base, lines)
        for k in range(1, args.rounds + 1):
            # Round 2 on packs a copy of the order (the same lines and codes) afresh.
            order_id = base if k == 1 else f"{base}-R{k}"
            if k > 1:
                seed_database(url, {order_id: codes}, badge=False)
            chosen = rng.sample(codes, min(args.scans, lines))
            plan[base, k] = (order_id, chosen, [rng.uniform(*GAP_S) for _ in chosen])
    fsync_gaps = [rng.uniform(*GAP_S) for _ in range(args.scans * args.rounds)]

    print(
        f"scans per order: {args.scans}, paced {GAP_S[0] * 1000:.0f}-{GAP_S[1] * 1000:.0f} ms,"
        f" floor and station in turns of {args.turn}"
    )
    print(f"seed {args.seed}; floor at TEXTUAL_FPS={STATION_FPS} (the station's rate); disk: {tmp}")
    print(
        f"packstation from {package}, bytecode {'not ' if args.no_compile else ''}compiled; "
        f"load average at start {os.getloadavg()[0]:.2f} (2 cores, other work not stopped)"
    )
    scanner, floor_scanner = ScannerSimulator(), ScannerSimulator()
    results: dict[tuple[str, int], tuple[list[Timed], list[Timed], dict[str, list[float]]]] = {}
    tails: dict[tuple[str, int], list[str]] = {}
    with_sound: list[Timed] = []
    try:
        for k in range(1, args.rounds + 1):  # rounds one after another, both sizes in each
            for base in ORDERS:
                order_id, codes, gaps = plan[base, k]
                trace_file = tmp / f"trace-{order_id}.txt"
                floor, station = measure_pair(
                    url, (floor_scanner, scanner), order_id, codes, gaps, trace_file,
                    ORDERS[base], args.turn,
                )  # fmt: skip
                marks = read_trace(trace_file)
                results[base, k] = (floor, station, stage_times(marks, station))
                tails[base, k] = slowest_scans(marks, station)
        if args.sounds:
            sounds = tmp / "sounds.toml"
            # A player as slow as a real one (aplay of a 250 ms tone), its file path last.
            sounds.write_text(
                '[sounds]\nenabled = true\nplayer = ["sh", "-c", "sleep 0.25", "player"]\n',
                encoding="utf-8",
            )
            seed_database(url, {SOUND_ORDER: codes_of("BENCH-300", SOUND_LINES)}, badge=False)
            _, codes, gaps = plan["BENCH-300", 1]
            trace_file = tmp / "trace-sounds.txt"
            with_sound = measure_station(
                url, scanner, SOUND_ORDER, codes, gaps, trace_file, sounds, "LAT-SOUND"
            )
        fsync_ms = fsync_commits(tmp / "fsync.db", fsync_gaps)
        starts = [start_to_ready(url, scanner, f"START-{k}") for k in range(args.starts)]
    finally:
        scanner.shutdown()
        floor_scanner.shutdown()

    print(f"load average at end {os.getloadavg()[0]:.2f}")
    fsync_p99 = pct(fsync_ms, 99)
    print(summary("fsync: bare sqlite3 COMMIT", fsync_ms))
    met = {}
    for base, lines in ORDERS.items():
        rounds = [results[base, k] for k in range(1, args.rounds + 1)]
        f_ms = [t.ms for floor, _, _ in rounds for t in floor]
        s_ms = [t.ms for _, station, _ in rounds for t in station]
        f99, s99 = pct(f_ms, 99), pct(s_ms, 99)
        print(
            f"{lines:,}-line order ({base}"
            + (f", {args.rounds} rounds pooled):" if args.rounds > 1 else "):")
        )
        print("  " + summary("floor (bare Textual+pyserial)", f_ms))
        print("  " + summary("station (packstation run)", s_ms))
        print(
            f"  station/floor: p50 {pct(s_ms, 50) / pct(f_ms, 50):.2f}x  p99 {s99 / f99:.2f}x;"
            f"  floor p99 + fsync p99 + 2 ms = {f99 + fsync_p99 + 2:.1f} ms"
        )
        if args.rounds > 1:  # each round on its own too: a p99 of one round is its 3rd worst
            for k, (floor, station, _) in enumerate(rounds, start=1):
                r_f99, r_s99 = pct([t.ms for t in floor], 99), pct([t.ms for t in station], 99)
                print(
                    f"    round {k}: floor p99 {r_f99:.1f}, station p99 {r_s99:.1f} ms"
                    f" (target {r_f99 + fsync_p99 + 2:.1f}:"
                    f" {'met' if r_s99 <= r_f99 + fsync_p99 + 2 else 'not met'})"
                )
        stages = {label: [v for _, _, st in rounds for v in st[label]] for label, _, _ in STAGES}
        print_profile(f"{lines:,} lines", stages)
        print("  the slowest scans, each mark's ms after the scan was written:")
        slowest = [tail for k in range(1, args.rounds + 1) for tail in tails[base, k]]
        for tail in sorted(slowest, key=lambda t: float(t.split()[0]), reverse=True)[:3]:
            print(f"    {tail}")
        in_order = True
        for k in range(1, args.rounds + 1):
            order_id, codes, _ = plan[base, k]
            stored = accepted_codes(url, order_id)
            in_order = in_order and stored == codes
            count = f"{len(stored)} of {len(codes)} scans"
            print(f"  committed ({order_id}): {count}, in order: {stored == codes}")
        met[f"{lines:,} lines: p99 <= 1.6x floor p99"] = s99 <= 1.6 * f99
        met[f"{lines:,} lines: p99 <= floor p99 + fsync p99 + 2 ms"] = s99 <= f99 + fsync_p99 + 2
        met[f"{lines:,} lines: every scan committed, in order"] = in_order
    if args.sounds:
        quiet_ms = [t.ms for t in results["BENCH-300", 1][1]]
        sound_ms = [t.ms for t in with_sound]
        print("300-line order, a sound played for every result (player: 250 ms a sound):")
        print("  " + summary("station, sounds off", quiet_ms))
        print("  " + summary("station, sounds on", sound_ms))
        extra = pct(sound_ms, 99) - pct(quiet_ms, 99)
        print(f"  p99 difference: {extra:+.1f} ms")
        met["sounds: p99 within 2 ms of sounds off"] = extra <= 2.0
    print(
        f"start to ready (process start to the badge accepted on screen), {len(starts)} runs: "
        + ", ".join(f"{s:.2f}" for s in starts)
        + f" s; median {statistics.median(starts):.2f} s"
    )
    met["start to ready <= 0.6 s (median)"] = statistics.median(starts) <= 0.6
    for name, ok in met.items():
        print(f"  {'met' if ok else 'NOT met'}: {name}")


if __name__ == "__main__":
    main()
