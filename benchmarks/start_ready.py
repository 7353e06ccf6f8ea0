"""Start to the first badge taken: `packstation run` against a bare app, in the same run.

What a packer waits for when the station PC boots or the station restarts: from the
process's start until a scanned badge shows on screen as accepted. The badge is written to
the scanner pty every 10 ms from the process start (pyserial drops what arrived before it
opened the port, so the first one taken is what counts), as a packer scanning as soon as
anything is on screen would.

The floor, in the same run: a bare Textual app reading the same pty with pyserial
(`scan_latency.FLOOR_APP`: no packstation code) until it shows the code. The station
runs on SQLite and, with $PACKSTATION_TEST_PG or --pg, on PostgreSQL (a private schema
dropped afterwards), each process started anew per run, runs interleaved.

Beside it, on each database, the least a station pays that loads SQLAlchemy before its
first badge: the same bare app plus a thread that imports SQLAlchemy's ORM, maps one table, and
commits each code (`FLOOR_ORM_APP`, the station's SQLite settings) before it shows it,
the port opened beside the store as the station does. What this takes beyond the bare
floor is the ORM's import and the database. An idle station takes its first badge before
it loads the ORM (`station/quick_start.py`), so it comes in under this one; each run
starts a new station id, so the run includes creating the station's row.

Targets (issue 16): the station's median <= 2x the floor's median and <= 0.8 s, on both.

    python benchmarks/start_ready.py [--runs 3] [--pg URL] [--no-pg] [--no-compile]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from scan_latency import (
    BADGE,
    FLOOR_APP,
    STATION_FPS,
    Terminal,
    read_trace,
    scanned_until_shown,
    seed_database,
    start_to_ready,
)
from sqlalchemy import create_engine, make_url, text

import packstation
from packstation.devices.simulators import ScannerSimulator
from packstation.models.db import open_database

#: Start-up marks the station notes with $PACKSTATION_TRACE (in the order they happen).
STAGES = (
    ("start.main", "interpreter up, packstation.cli imported"),
    ("start.mount", "station screen mounted (UI imports done)"),
    ("frame", "first frame written"),
    ("start.quick_open", "worker: database open through its driver (quick start)"),
    ("start.backend_loaded", "worker: SQLAlchemy and the models imported"),
    ("start.recovered", "worker: station recovered"),
    ("start.devices", "UI: devices started"),
    ("start.scanner_open", "scanner port open ('ready' frame next)"),
)


def station_start(
    url: str, scanner: ScannerSimulator, station: str, trace_file: Path
) -> tuple[float, dict[str, float]]:
    """Process start to the frame where a badge is shown accepted; the start-up marks (s
    after the process start)."""
    started = time.perf_counter()  # Terminal's own start is a few µs later
    ready = start_to_ready(url, scanner, station, trace_file)
    marks: dict[str, float] = {}
    for stage, at in read_trace(trace_file):
        marks.setdefault(stage, at - started)
    return ready, marks


#: The floor with a store: `FLOOR_APP` plus SQLAlchemy's ORM, a code shown once committed.
FLOOR_ORM_APP = r"""
import queue
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
        self.codes = queue.SimpleQueue()
        threading.Thread(target=self.store, daemon=True).start()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        port = serial.Serial(sys.argv[1], timeout=0.1, exclusive=True)
        pending = b""
        while True:
            data = port.read(1)
            if not data:
                continue
            data += port.read(port.in_waiting)
            *frames, pending = (pending + data).split(b"\r")
            for frame in frames:
                self.codes.put(frame.decode("utf-8", "replace"))

    def store(self):
        from sqlalchemy import String, create_engine, event
        from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

        class Base(DeclarativeBase):
            pass

        class Scan(Base):
            __tablename__ = "floor_scans"
            id: Mapped[int] = mapped_column(primary_key=True)
            code: Mapped[str] = mapped_column(String(200))

        engine = create_engine(sys.argv[2])
        if engine.dialect.name == "sqlite":

            def pragmas(conn, _record):
                conn.execute("PRAGMA synchronous=FULL")

            event.listen(engine, "connect", pragmas)
        while True:
            code = self.codes.get()
            with Session(engine) as session, session.begin():
                session.add(Scan(code=code))
            self.post_message(Line(code))

    def on_line(self, message):
        self.out.update(message.text)


Floor().run()
"""


def floor_table(url: str) -> None:
    """The table `FLOOR_ORM_APP` writes to (made beforehand: no DDL in the timed start)."""
    engine = create_engine(url)
    key = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as conn:
        conn.execute(
            text(f"CREATE TABLE floor_scans (id {key} PRIMARY KEY, code VARCHAR(200) NOT NULL)")
        )
    engine.dispose()


def floor_orm_start(scanner: ScannerSimulator, url: str) -> float:
    """Process start to the frame showing the first code the bare app with a store committed."""
    term = Terminal(
        [sys.executable, "-c", FLOOR_ORM_APP, scanner.port, url], {"TEXTUAL_FPS": STATION_FPS}
    )
    try:
        return scanned_until_shown(term, scanner, BADGE.encode())
    finally:
        term.stop()


def floor_start(scanner: ScannerSimulator) -> float:
    """Process start to the frame showing the first code the bare app read."""
    term = Terminal([sys.executable, "-c", FLOOR_APP, scanner.port], {"TEXTUAL_FPS": STATION_FPS})
    try:
        return scanned_until_shown(term, scanner, BADGE.encode())
    finally:
        term.stop()


@contextmanager
def pg_schema(server: str) -> Iterator[str]:
    """A migrated, seeded private schema on `server`; its URL (search_path set)."""
    schema = f"start_ready_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = (
        make_url(server)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        open_database(url, auto_upgrade=True).dispose()
        seed_database(url)
        floor_table(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def line(name: str, values: list[float], floor: float | None = None) -> str:
    text_ = (
        f"{name:<34} min {min(values):.2f}  median {statistics.median(values):.2f}  "
        f"max {max(values):.2f} s"
    )
    if floor:
        text_ += f"   median/floor {statistics.median(values) / floor:.2f}x"
    return text_


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("PACKSTATION_TEST_PG"))
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    package = Path(packstation.__file__).parent
    if not args.no_compile:  # an installed station has its bytecode
        compileall.compile_dir(package, quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="ps-start-"))
    sqlite_url = f"sqlite:///{tmp / 'start.db'}"
    seed_database(sqlite_url)
    floor_table(sqlite_url)
    print(
        f"{args.runs} runs each, interleaved; badge written every 10 ms from process start; "
        f"load average {os.getloadavg()[0]:.2f} (2 cores)"
    )
    scanner = ScannerSimulator()
    figures: dict[str, list[float]] = {
        name: [] for name in ("floor", "sqlite", "postgresql", "orm sqlite", "orm postgresql")
    }
    profiles: dict[str, list[dict[str, float]]] = {"sqlite": [], "postgresql": []}

    def station(url: str, name: str, k: int) -> float:
        ready, marks = station_start(url, scanner, f"START-{name}{k}", tmp / f"{name}{k}.trace")
        profiles[name].append(marks)
        return ready

    try:
        with pg_schema(args.pg) if args.pg and not args.no_pg else _none() as pg_url:
            cases: list[tuple[str, Callable[[int], float]]] = [
                ("floor", lambda k: floor_start(scanner)),
                ("orm sqlite", lambda k: floor_orm_start(scanner, sqlite_url)),
                ("sqlite", lambda k: station(sqlite_url, "sqlite", k)),
            ]
            if pg_url:
                url = pg_url
                cases.append(("orm postgresql", lambda k: floor_orm_start(scanner, url)))
                cases.append(("postgresql", lambda k: station(url, "postgresql", k)))
            for k in range(args.runs):
                for name, run in cases:
                    figures[name].append(run(k))
    finally:
        scanner.shutdown()
    floor = statistics.median(figures["floor"])
    print(line("floor (bare Textual+pyserial)", figures["floor"]))
    for name in ("sqlite", "postgresql"):
        values = figures[name]
        if not values:
            print(f"{name}: not measured (no --pg)")
            continue
        orm = figures[f"orm {name}"]
        print(line(f"floor with a store on {name}", orm, floor))
        print(line(f"station on {name} (packstation run)", values, floor))
        median = statistics.median(values)
        print(f"  station / floor with a store: {median / statistics.median(orm):.2f}x")
        print(f"  {'met' if median <= 2 * floor else 'NOT met'}: median <= 2x the floor's")
        print(f"  {'met' if median <= 0.8 else 'NOT met'}: median <= 0.8 s")
        print("  where the time goes (median s after process start, in time order):")
        stages = [(median, "badge shown accepted")]
        for stage, what in STAGES:
            at = [marks[stage] for marks in profiles[name] if stage in marks]
            if at:
                stages.append((statistics.median(at), what))
        for at_s, what in sorted(stages):
            print(f"    {at_s:5.2f}  {what}")
    print(f"load average at end {os.getloadavg()[0]:.2f}")


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
