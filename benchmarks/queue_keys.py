"""Queue screen keys to rows on screen, in the real `packstation queue` process.

The floor of issue 16: 100,000 orders and 50 stations (seeded as
`queue_scale.py` does), in SQLite and, with $PACKSTATION_TEST_PG or --pg, in a
private PostgreSQL schema dropped afterwards. `packstation queue --db URL` runs
on a pseudo-terminal at 80x24 and at 120x30, the way a lead sees it; this
script reads its output into a small terminal emulator (cursor moves and text,
enough for Textual's output) and times:

- key to rows: a filter key (`l` late only, `f` next status filter, `]` next
  page when there is one), paced like a person (random gaps of 300-1000 ms,
  seeded), from the write of the key to the arrival of the output chunk after
  which the screen shows the new view: the filter line with the new view's
  label and its page counter ("1–200 of 2,345": it is only drawn with that
  view's data) and the order rows at the top of the table, in order, as the
  repository reads them for that view just before the key (so a label drawn
  ahead of its rows does not count);
- open: process start to the default view's first rows on screen;
- idle CPU: the process's CPU time (utime + stime of /proc/PID/stat, all its
  threads) over --idle seconds untouched at the default 2 s refresh;
- the floor, in the same run: a bare Textual app (no packstation code) on the
  same pty size whose screen is a counter line and a table of the same (up to
  20) visible rows as text, redrawn with the next view's rows on each key,
  timed the same way with the same gaps. No queue screen can be faster.

Each of --runs runs starts every process anew. Printed per database and size:
min / median / max over the runs of each run's p50, p99 and max (key to rows),
open, idle CPU, and the floor's p50 / p99. Targets (issue 16): key to rows
p99 <= 100 ms, open <= 1 s, idle < 2% of a core.

    python benchmarks/queue_keys.py [--orders 100000] [--stations 50] [--runs 3]
                                    [--keys 40] [--idle 30] [--pg URL] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import re
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.cells import get_character_cell_size

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from queue_scale import generate  # noqa: E402

from packstation.clock import utcnow  # noqa: E402

GAP_S = (0.300, 1.000)
PAGE_SIZE = 200
TARGET_P99_MS = 100.0
TARGET_OPEN_S = 1.0
TARGET_IDLE_PCT = 2.0
#: Late orders are counted against the clock: between this script's reference read and
#: the app's, a few orders may pass their ship-by (about 13 a minute at 100k orders).
TOTAL_SLACK = 50
CLK_TCK = os.sysconf("SC_CLK_TCK")
#: The floor repaints at the queue's rate (`packstation queue` sets TEXTUAL_FPS=120 unless
#: it is set).
FLOOR_FPS = os.environ.get("TEXTUAL_FPS", "120")

#: The floor: Textual only. A counter line and the view's visible rows; the next on a key.
FLOOR_APP = r"""
import json
import sys

from rich.text import Text
from textual.app import App
from textual.widgets import Static

PAGES = json.load(open(sys.argv[1], encoding="utf-8"))


class Floor(App):
    CSS = "#top { height: 1; } #rows { height: 1fr; }"

    def compose(self):
        yield Static("floor: ready", id="top")
        yield Static("", id="rows")

    def on_mount(self):
        self.n = 0
        self.top = self.query_one("#top", Static)
        self.rows = self.query_one("#rows", Static)

    def on_key(self, event):
        if event.key != "n" or self.n >= len(PAGES):
            return
        label, rows = PAGES[self.n]
        self.n += 1
        self.top.update(Text(f" {label}   view {self.n}", style="bold"))
        self.rows.update(Text("\n".join(rows)))


Floor().run()
"""


# --- a terminal, just enough for Textual -------------------------------------------------

_CSI = re.compile(r"\x1b\[([0-9;?<>=]*)([ -/]*)([@-~])")
_OSC = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_ESC2 = re.compile(r"\x1b[()][0-9A-Za-z]|\x1b[=>78cDEHM]")


class Screen:
    """Cells of a width x height terminal: cursor positioning, erase, text. Colours and
    modes are read and dropped."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells = [[" "] * width for _ in range(height)]
        self.x = self.y = 0
        self._pending = ""

    def feed(self, data: str) -> None:
        data = self._pending + data
        self._pending = ""
        i, n = 0, len(data)
        while i < n:
            ch = data[i]
            if ch == "\x1b":
                m = _CSI.match(data, i) or _OSC.match(data, i) or _ESC2.match(data, i)
                if m is None:
                    if n - i < 64:  # cut in the middle: the rest comes with the next chunk
                        self._pending = data[i:]
                        return
                    i += 1
                    continue
                if m.re is _CSI:
                    self._csi(m.group(1), m.group(3))
                i = m.end()
                continue
            if ch == "\r":
                self.x = 0
            elif ch == "\n":
                self.y = min(self.y + 1, self.height - 1)
            elif ch == "\b":
                self.x = max(self.x - 1, 0)
            elif ch >= " ":
                w = get_character_cell_size(ch)
                if w and 0 <= self.y < self.height and self.x < self.width:
                    self.cells[self.y][self.x] = ch
                    if w == 2 and self.x + 1 < self.width:
                        self.cells[self.y][self.x + 1] = ""
                self.x += w
            i += 1

    def _csi(self, params: str, final: str) -> None:
        if params.startswith(("?", "<", ">", "=")):
            return
        nums = [int(p) if p else 0 for p in params.split(";")] if params else []

        def arg(k: int, default: int) -> int:
            return nums[k] if len(nums) > k and nums[k] else default

        if final in "Hf":
            self.y = min(max(arg(0, 1) - 1, 0), self.height - 1)
            self.x = min(max(arg(1, 1) - 1, 0), self.width)
        elif final == "G":
            self.x = min(max(arg(0, 1) - 1, 0), self.width)
        elif final == "A":
            self.y = max(self.y - arg(0, 1), 0)
        elif final == "B":
            self.y = min(self.y + arg(0, 1), self.height - 1)
        elif final == "C":
            self.x = min(self.x + arg(0, 1), self.width)
        elif final == "D":
            self.x = max(self.x - arg(0, 1), 0)
        elif final == "J":
            mode = arg(0, 0)
            rows = range(self.height) if mode in (2, 3) else range(self.y, self.height)
            if mode == 1:
                rows = range(0, self.y + 1)
            for r in rows:
                self.cells[r] = [" "] * self.width
        elif final == "K":
            mode = arg(0, 0)
            row = self.cells[self.y]
            lo, hi = (self.x, self.width) if mode == 0 else (0, self.x + 1)
            if mode == 2:
                lo, hi = 0, self.width
            for c in range(lo, min(hi, self.width)):
                row[c] = " "

    def lines(self) -> list[str]:
        return ["".join(row) for row in self.cells]


class Terminal:
    """A child process on a pty of the given size; its output is fed to a `Screen`, and a
    watched condition is checked after each chunk (the chunk's arrival time is kept)."""

    def __init__(self, args: list[str], size: tuple[int, int], env: dict[str, str]) -> None:
        width, height = size
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": str(width),
            "LINES": str(height),
            **env,
        }
        self.screen = Screen(width, height)
        self.cond = threading.Condition()
        self._watch: Callable[[list[str]], bool] | None = None
        self._seen: float | None = None
        #: A second, earlier sign (the filter label alone), timed alongside.
        self._early: Callable[[list[str]], bool] | None = None
        self._early_seen: float | None = None
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.master = master
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        decoder = __import__("codecs").getincrementaldecoder("utf-8")("replace")
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            arrived = time.perf_counter()
            with self.cond:
                if not data:
                    self.cond.notify_all()
                    return
                self.screen.feed(decoder.decode(data))
                lines = self.screen.lines()
                if self._watch is not None and self._seen is None and self._watch(lines):
                    self._seen = arrived
                    self.cond.notify_all()
                if self._early is not None and self._early_seen is None and self._early(lines):
                    self._early_seen = arrived

    def watch(
        self,
        condition: Callable[[list[str]], bool],
        early: Callable[[list[str]], bool] | None = None,
    ) -> None:
        """Check `condition` (and `early`) after every chunk from now on."""
        with self.cond:
            self._watch, self._seen = condition, None
            self._early, self._early_seen = early, None

    def early_seen(self) -> float | None:
        with self.cond:
            return self._early_seen

    def wait(self, timeout: float = 15.0) -> float:
        """Arrival time of the chunk after which the watched condition first held."""
        deadline = time.perf_counter() + timeout
        with self.cond:
            while self._seen is None:
                left = deadline - time.perf_counter()
                if left <= 0 or self.proc.poll() is not None:
                    shown = "\n".join(self.screen.lines())
                    raise TimeoutError(f"the expected screen never came; it shows:\n{shown}")
                self.cond.wait(min(left, 0.05))
            seen = self._seen
            self._watch = None
            return seen

    def send(self, key: str) -> float:
        written = time.perf_counter()
        os.write(self.master, key.encode())
        return written

    def cpu_s(self) -> float:
        """CPU time of the process (all threads), in seconds."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


# --- what the screen should show -------------------------------------------------------

ORDER_ROW = re.compile(r"^\s*(ORD-\d+)\s")
COUNTER = re.compile(r"(\d[\d,]*)–(\d[\d,]*)(?: of ([\d,]+|more))?")


@dataclass(frozen=True)
class View:
    """One view of the queue as the repository reads it: the screen's reference."""

    filters: Any
    offset: int
    label: str
    ids: tuple[str, ...]
    total: int | None
    has_more: bool


def read_view(db: Any, filters: Any, offset: int) -> View:
    from packstation.models.queue_page import queue_page
    from packstation.screens import queue_format as fmt

    with db.sessions() as session:
        page = queue_page(session, filters, utcnow(), limit=PAGE_SIZE, offset=offset)
    label = fmt.filter_text(filters, None, "en").plain.strip()
    total = page.total
    return View(filters, offset, label, tuple(r.id for r in page.rows), total, page.has_more)


def shows(view: View, min_rows: int = 3) -> Callable[[list[str]], bool]:
    """The screen shows this view: its label with its page counter, and its first rows."""

    def check(lines: list[str]) -> bool:
        shown = [m.group(1) for line in lines if (m := ORDER_ROW.match(line))]
        if not view.ids:
            return not shown and any(
                view.label in line and "no orders match" in line for line in lines
            )
        if len(shown) < min(min_rows, len(view.ids)) or tuple(shown) != view.ids[: len(shown)]:
            return False
        for line in lines:
            if view.label not in line:
                continue
            rest = line.split(view.label, 1)[1]
            m = COUNTER.search(rest)
            if m is None:
                continue
            first, last = int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))
            if first != view.offset + 1 or last != view.offset + len(view.ids):
                continue
            total = m.group(3)
            if (
                view.total is not None
                and total not in (None, "more")
                and abs(int(total.replace(",", "")) - view.total) > TOTAL_SLACK
            ):
                continue
            return True
        return False

    return check


def label_shown(view: View) -> Callable[[list[str]], bool]:
    """Only the filter line's label: drawn on the key, before the view's data."""
    return lambda lines: any(view.label in line for line in lines)


def floor_shows(n: int, view: View) -> Callable[[list[str]], bool]:
    marker = f"view {n}"

    def check(lines: list[str]) -> bool:
        if not any(marker in line and line.split(marker)[1][:1] in (" ", "") for line in lines):
            return False
        shown = [m.group(1) for line in lines if (m := ORDER_ROW.match(line))]
        return tuple(shown) == view.ids[: len(shown)] and len(shown) >= min(3, len(view.ids))

    return check


# --- one run --------------------------------------------------------------------------


@dataclass
class KeyPlan:
    """The person's keys: each key, the gap before it, and the view it leads to."""

    keys: list[str] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    views: list[View] = field(default_factory=list)


STATUS_CYCLE: tuple[tuple[str, ...], ...] = (
    (),
    ("new",),
    ("needs_correction",),
    ("ready",),
    ("packing",),
    ("packed",),
)


def next_view(db: Any, view: View, key: str) -> View:
    if key == "l":
        return read_view(db, replace(view.filters, late_only=not view.filters.late_only), 0)
    if key == "f":
        index = STATUS_CYCLE.index(view.filters.statuses)
        statuses = STATUS_CYCLE[(index + 1) % len(STATUS_CYCLE)]
        return read_view(db, replace(view.filters, statuses=statuses), 0)
    return read_view(db, view.filters, view.offset + PAGE_SIZE)


def queue_args(url: str) -> list[str]:
    return [sys.executable, "-m", "packstation", "queue", "--db", url, "--locale", "en"]


@dataclass
class RunResult:
    key_ms: list[float]
    keys: list[str]
    open_s: float
    idle_pct: float
    floor_ms: list[float]
    #: Key to the new filter label alone (before or with the rows).
    label_ms: list[float]


def run_once(
    db: Any, url: str, size: tuple[int, int], rng: random.Random, n_keys: int, idle_s: float
) -> RunResult:
    from packstation.models.queue_page import QueueFilters

    start = read_view(db, QueueFilters(), 0)
    term = Terminal(queue_args(url), size, {})
    plan = KeyPlan()
    key_ms: list[float] = []
    label_ms: list[float] = []
    try:
        term.watch(shows(start))
        open_s = term.wait(timeout=30) - term.started
        time.sleep(1.0)
        view = start
        for _ in range(n_keys):
            choices = ["l", "f"] + (["]"] if view.has_more else [])
            key = rng.choice(choices)
            gap = rng.uniform(*GAP_S)
            time.sleep(gap)
            view = next_view(db, view, key)  # the reference, read before the key
            term.watch(shows(view), label_shown(view))
            written = term.send(key)
            key_ms.append((term.wait() - written) * 1000)
            label_at = term.early_seen()
            if label_at is not None:
                label_ms.append((label_at - written) * 1000)
            plan.keys.append(key)
            plan.gaps.append(gap)
            plan.views.append(view)
        time.sleep(3.0)  # the last key's work is done
        cpu0, t0 = term.cpu_s(), time.perf_counter()
        time.sleep(idle_s)
        idle_pct = (term.cpu_s() - cpu0) / (time.perf_counter() - t0) * 100
    finally:
        term.stop()
    return RunResult(key_ms, plan.keys, open_s, idle_pct, run_floor(size, plan), label_ms)


def run_floor(size: tuple[int, int], plan: KeyPlan) -> list[float]:
    """The same views, rows and gaps in the bare Textual app."""
    pages = []
    for view in plan.views:
        rows = [f" {oid:<14} ready       12:00  0  PS-01  Packer  CDEK" for oid in view.ids[:20]]
        pages.append((view.label + ("   no orders match" if not rows else ""), rows))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as f:
        json.dump(pages, f)
    term = Terminal([sys.executable, "-c", FLOOR_APP, f.name], size, {"TEXTUAL_FPS": FLOOR_FPS})
    out = []
    try:
        term.watch(lambda lines: any("floor: ready" in line for line in lines))
        term.wait(timeout=15)
        time.sleep(1.0)
        for n, (gap, view) in enumerate(zip(plan.gaps, plan.views, strict=True), start=1):
            time.sleep(gap)
            term.watch(floor_shows(n, view))
            written = term.send("n")
            out.append((term.wait() - written) * 1000)
    finally:
        term.stop()
        os.unlink(f.name)
    return out


# --- figures ----------------------------------------------------------------------------


def pct(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def spread(values: Sequence[float], unit: str, digits: int = 1) -> str:
    lo, mid, hi = min(values), statistics.median(values), max(values)
    return f"{lo:.{digits}f} / {mid:.{digits}f} / {hi:.{digits}f} {unit}"


def report(name: str, size: tuple[int, int], runs: list[RunResult]) -> dict[str, bool]:
    tag = f"[{name} {size[0]}x{size[1]}]"
    keys = [r.key_ms for r in runs]
    floors = [r.floor_ms for r in runs]
    p50s, p99s, maxes = (
        [pct(k, 50) for k in keys],
        [pct(k, 99) for k in keys],
        [max(k) for k in keys],
    )
    print(f"{tag} {len(keys[0])} keys per run ({', '.join(sorted(set(runs[0].keys)))}); "
          f"min / median / max over {len(runs)} runs:")  # fmt: skip
    print(f"{tag}   key to rows   p50 {spread(p50s, 'ms')}")
    print(f"{tag}   key to rows   p99 {spread(p99s, 'ms')}")
    print(f"{tag}   key to rows   max {spread(maxes, 'ms')}")
    by_key: dict[str, list[float]] = {}
    for r in runs:
        for k, ms in zip(r.keys, r.key_ms, strict=True):
            by_key.setdefault(k, []).append(ms)
    for k, ms in sorted(by_key.items()):
        print(f"{tag}     key {k!r}: {len(ms)} presses, p50 {pct(ms, 50):.1f} ms, "
              f"p99 {pct(ms, 99):.1f} ms, max {max(ms):.1f} ms")  # fmt: skip
    labels = [r.label_ms for r in runs if r.label_ms]
    if labels:
        print(f"{tag}   (key to label p50 {spread([pct(x, 50) for x in labels], 'ms')})")
    print(f"{tag}   open          {spread([r.open_s for r in runs], 's', 2)}")
    print(f"{tag}   idle CPU      {spread([r.idle_pct for r in runs], '% of a core', 2)}")
    print(f"{tag}   floor         p50 {spread([pct(f, 50) for f in floors], 'ms')}")
    print(f"{tag}   floor         p99 {spread([pct(f, 99) for f in floors], 'ms')}")
    print(f"{tag}   floor         max {spread([max(f) for f in floors], 'ms')}")
    return {
        f"{tag} key to rows p99 <= {TARGET_P99_MS:.0f} ms (every run)": max(p99s) <= TARGET_P99_MS,
        f"{tag} open <= {TARGET_OPEN_S:.0f} s (every run)": max(r.open_s for r in runs)
        <= TARGET_OPEN_S,
        f"{tag} idle < {TARGET_IDLE_PCT:.0f}% of a core (every run)": max(r.idle_pct for r in runs)
        < TARGET_IDLE_PCT,
    }


def run_backend(
    name: str, url: str, args: argparse.Namespace, reuse: bool = False
) -> dict[str, bool]:
    from packstation.models.db import open_database

    if not reuse:
        t0 = time.perf_counter()
        counts = generate(url, args.orders, args.stations, utcnow().replace(microsecond=0))
        print(f"[{name}] generated {counts['orders']:,} orders, {args.stations} stations "
              f"in {time.perf_counter() - t0:.1f} s", flush=True)  # fmt: skip
    db = open_database(url, auto_upgrade=False)
    met: dict[str, bool] = {}
    try:
        for size in args.size_list:
            runs = []
            for run in range(args.runs):
                rng = random.Random(args.seed * 1000 + run)
                runs.append(run_once(db, url, size, rng, args.keys, args.idle))
                print(f"[{name} {size[0]}x{size[1]}] run {run + 1}: key p50 "
                      f"{pct(runs[-1].key_ms, 50):.1f} ms, p99 {pct(runs[-1].key_ms, 99):.1f} ms, "
                      f"open {runs[-1].open_s:.2f} s, idle {runs[-1].idle_pct:.2f}%, floor p50 "
                      f"{pct(runs[-1].floor_ms, 50):.1f} ms; load {os.getloadavg()[0]:.1f}",
                      flush=True)  # fmt: skip
            met |= report(name, size, runs)
    finally:
        db.dispose()
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keys", type=int, default=40, help="timed keys per run and size")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg", metavar="URL", default=os.environ.get("PACKSTATION_TEST_PG"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        help="keep the SQLite floor in this file (generated once, reused after)",
    )
    parser.add_argument("--sizes", default="80x24,120x30", help="terminal sizes, WxH,...")
    args = parser.parse_args()
    args.size_list = [
        (int(w), int(h)) for w, h in (part.split("x") for part in args.sizes.split(","))
    ]
    print(f"{args.orders:,} orders, {args.stations} stations; {args.runs} runs of {args.keys} "
          f"keys per size, gaps {GAP_S[0] * 1000:.0f}-{GAP_S[1] * 1000:.0f} ms, seed "
          f"{args.seed}; load {' '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    met: dict[str, bool] = {}
    if not args.no_sqlite:
        if args.sqlite_file is not None:
            reuse = args.sqlite_file.exists()
            met |= run_backend("sqlite", f"sqlite:///{args.sqlite_file}", args, reuse)
        else:
            with tempfile.TemporaryDirectory(prefix="queue-keys-") as tmp:
                met |= run_backend("sqlite", f"sqlite:///{Path(tmp) / 'queue.db'}", args)
    if args.pg and not args.no_pg:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        schema = f"queue_keys_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            url = (
                make_url(args.pg)
                .update_query_dict({"options": f"-csearch_path={schema}"})
                .render_as_string(hide_password=False)
            )
            met |= run_backend("postgresql", url, args)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    for name, ok in met.items():
        print(f"  {'met' if ok else 'NOT met'}: {name}")
    print(f"load at the end {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
