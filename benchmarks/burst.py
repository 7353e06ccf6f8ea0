"""A scanner's stored batch: 500 codes in one write, until the screen shows them all.

Scanners with memory (inventory mode) upload what they stored in one burst when they are
put back in the cradle. `packstation run` on an 80x24 pty with a 500-line order claimed;
the 500 item codes (each with its CR) are written to the scanner pty in one write, and
the time runs from that write to the arrival of the frame showing "500 of 500 units".
Afterwards the events table must hold all 500 scans, in the order written.

The floor, in the same run: the bare Textual+pyserial app of `scan_latency.py` (no
packstation code) reading the same burst, timed to the frame showing the 500th code.

Target (issue 16): <= 1.5 s, in order, none lost.

    python benchmarks/burst.py [--runs 3] [--codes 500] [--no-compile]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from scan_latency import (
    BADGE,
    FLOOR_APP,
    STATION_FPS,
    Terminal,
    accepted_codes,
    ean13,
    seed_database,
    station_args,
    units,
)

import packstation
from packstation.devices.simulators import ScannerSimulator


def burst_codes(order_id: str, n: int) -> list[str]:
    return [ean13(f"463{int(order_id.rsplit('-', 1)[1]):02d}{i:07d}") for i in range(n)]


def seed(url: str, order_ids: list[str], n: int) -> None:
    seed_database(url, {order_id: burst_codes(order_id, n) for order_id in order_ids})


def burst(scanner: ScannerSimulator, codes: list[str]) -> bytes:
    return b"".join(code.encode() + b"\r" for code in codes)


def floor_run(scanner: ScannerSimulator, codes: list[str]) -> float:
    term = Terminal([sys.executable, "-c", FLOOR_APP, scanner.port], {"TEXTUAL_FPS": STATION_FPS})
    try:
        term.wait_for(b"floor: ready", 0, timeout=15)
        time.sleep(0.3)
        since = term.mark()
        written = time.perf_counter()
        scanner.send_bytes(burst(scanner, codes))
        return term.wait_for(codes[-1].encode(), since, timeout=30) - written
    finally:
        term.stop()


def station_run(url: str, scanner: ScannerSimulator, order_id: str, codes: list[str]) -> float:
    term = Terminal(station_args(url, scanner, f"BURST-{order_id}"))
    try:
        term.wait_for("● scanner".encode(), 0, timeout=15)
        since = term.mark()
        scanner.send(BADGE)
        term.wait_for(b"Bench (packer)", since)
        since = term.mark()
        scanner.send(order_id)
        term.wait_for(units(0, len(codes)), since)
        time.sleep(0.5)
        since = term.mark()
        written = time.perf_counter()
        scanner.send_bytes(burst(scanner, codes))
        return term.wait_for(units(len(codes), len(codes)), since, timeout=60) - written
    finally:
        term.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--codes", type=int, default=500)
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    if not args.no_compile:
        compileall.compile_dir(Path(packstation.__file__).parent, quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="ps-burst-"))
    url = f"sqlite:///{tmp / 'burst.db'}"
    order_ids = [f"BURST-{k:02d}" for k in range(args.runs)]
    seed(url, order_ids, args.codes)
    print(
        f"{args.codes} codes in one write, {args.runs} runs (a fresh process and order each); "
        f"load average {os.getloadavg()[0]:.2f} (2 cores)"
    )
    scanner = ScannerSimulator()
    floor_s, station_s, in_order = [], [], []
    try:
        for order_id in order_ids:
            codes = burst_codes(order_id, args.codes)
            floor_s.append(floor_run(scanner, codes))
            station_s.append(station_run(url, scanner, order_id, codes))
            in_order.append(accepted_codes(url, order_id) == codes)
    finally:
        scanner.shutdown()

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name:<32} min {min(values):.3f}  median {statistics.median(values):.3f}  "
            f"max {max(values):.3f} s"
        )

    print(line("floor (bare Textual+pyserial)", floor_s))
    print(line("station (packstation run)", station_s))
    print(
        f"station/floor (medians): {statistics.median(station_s) / statistics.median(floor_s):.1f}x"
    )
    print(f"all {args.codes} committed, in order, every run: {all(in_order)}")
    print(f"  {'met' if max(station_s) <= 1.5 else 'NOT met'}: every run <= 1.5 s")
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
