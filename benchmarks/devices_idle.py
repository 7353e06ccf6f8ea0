"""Idle CPU of a station with a simulated scanner and a polled scale (MT-SICS, 5 Hz).

Runs `packstation run` on a pseudo-terminal for 30 s doing nothing and reads
its CPU time from /proc; in the same run a minimal Textual app, idle for the
same time, gives the baseline. Target (issue 4): < 2% of one core.

    python benchmarks/devices_idle.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from scan_latency import Terminal  # noqa: E402  (the pty harness of the latency benchmark)

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator  # noqa: E402
from packstation.models.db import open_database  # noqa: E402

BASELINE_APP = """
from textual.app import App
from textual.widgets import Static
class Idle(App):
    def compose(self):
        yield Static("ready")
Idle().run()
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def idle_percent(term: Terminal, seconds: float) -> float:
    start_cpu, start = cpu_seconds(term.proc.pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_seconds(term.proc.pid) - start_cpu) / (time.monotonic() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ps-idle-"))
    url = f"sqlite:///{tmp / 'idle.db'}"
    open_database(url).dispose()

    base = Terminal([sys.executable, "-c", BASELINE_APP])
    try:
        base.wait_for(b"ready", 0, timeout=15)
        time.sleep(1)
        baseline = idle_percent(base, args.seconds)
    finally:
        base.stop()

    scanner, scale = ScannerSimulator(), ScaleSimulator("mt-sics", grams=0)
    term = Terminal(
        [
            sys.executable,
            "-m",
            "packstation",
            "run",
            "--db",
            url,
            "--scanner",
            scanner.port,
            "--scale",
            scale.port,
            "--scale-protocol",
            "mt-sics",
            "--locale",
            "en",
        ]
    )
    try:
        term.wait_for("● scale".encode(), 0, timeout=20)
        time.sleep(1)
        requests_before = scale.requests
        station = idle_percent(term, args.seconds)
        polls = (scale.requests - requests_before) / args.seconds
    finally:
        term.stop()
        scanner.shutdown()
        scale.shutdown()
    print(f"idle for {args.seconds:.0f} s each")
    print(f"baseline (minimal Textual app):            {baseline:5.2f}% of one core")
    print(
        f"station (scanner + MT-SICS scale at 5 Hz): {station:5.2f}% of one core "
        f"({polls:.1f} polls/s)"
    )
    print(f"target < 2%: {'met' if station < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
