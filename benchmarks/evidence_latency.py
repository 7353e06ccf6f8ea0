"""Scan latency with the evidence recorder on vs off, in the same run (issue 13).

The station (`packstation run` on an 80x24 pty, as in `scan_latency.py`, whose helpers
this reuses) packs the 300-line order twice with the same codes and the same paced gaps
(30-300 ms, seeded), each time on a freshly seeded SQLite file:

- off: no `[camera]`, no recorder;
- on: `[camera]`/`[evidence]` in the station's config (its camera watch reads
  `recorder.json` every second, claims check the camera) and a real
  `packstation evidence record` process recording an H.264 camera stand-in at 720p
  (25 fps, GOP 2 s, ~3 Mbit/s, copied to 2 s segments), as `evidence_recorder.py` sets
  it up. The camera runs in a process of its own (a real camera is another box): its
  threads do not share this script's interpreter, which times the scans.

A scan is timed from the write of its bytes to the frame showing "N of 300 units".
With `--rounds N` the two alternate N times (off, on, off, on, ...) and the figures are
over all rounds. Target: no p99 difference beyond noise.

    python benchmarks/evidence_latency.py [--scans 200] [--seed 1] [--rounds 1]
"""

from __future__ import annotations

import argparse
import compileall
import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import packstation
from packstation.devices.simulators import ScannerSimulator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_latency import (  # noqa: E402  (the sibling script's helpers)
    GAP_S,
    ORDERS,
    Timed,
    accepted_codes,
    codes_of,
    measure_station,
    pct,
    seed_database,
    summary,
)

ORDER = "BENCH-300"
STATION = "LAT-EVIDENCE"


def camera_process(urls: Any, stop: EventType) -> None:
    """The H.264 720p camera stand-in, in a process of its own until `stop` is set."""
    from packstation.evidence.simulator import H264Camera

    cam = H264Camera(size=(1280, 720), fps=25, gop=50, loop_s=8, noise=0.12, bitrate=3_000_000)
    cam.start()
    urls.put(cam.url)
    try:
        stop.wait()
    finally:
        cam.stop()


def write_config(root: Path, db_url: str, camera_url: str | None) -> Path:
    lines = ["[station]", f"id = {json.dumps(STATION)}"]
    if camera_url is not None:
        lines += [
            "[database]",
            f"url = {json.dumps(db_url)}",
            "[camera]",
            f"url = {json.dumps(camera_url)}",
            "[evidence]",
            f"dir = {json.dumps(str(root / 'evidence'))}",
            "segment_s = 2",
        ]
    path = root / ("station-on.toml" if camera_url else "station-off.toml")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Recorder:
    """`packstation evidence record` as its own process, until `stop`."""

    def __init__(self, config: Path, root: Path) -> None:
        self.status_file = root / "evidence" / STATION / "recorder.json"
        self.log = (root / "recorder.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "packstation", "--config", str(config), "evidence", "record"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def status(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.status_file.read_text())
            return data
        except (FileNotFoundError, ValueError):
            return {}

    def wait_recording(self, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while (status := self.status()).get("state") != "recording":
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit(f"recorder not recording: {status}")
            time.sleep(0.2)
        return str(status.get("mode", "?"))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def one_run(
    root: Path,
    scanner: ScannerSimulator,
    codes: list[str],
    gaps: list[float],
    camera_url: str | None,
) -> tuple[list[Timed], bool, str]:
    """One station run on a fresh database; with `camera_url`, recording it meanwhile.
    Returns the timed scans, whether every scan was committed in order, and the mode."""
    root.mkdir(parents=True)
    url = f"sqlite:///{root / 'bench.db'}"
    seed_database(url, {ORDER: codes_of(ORDER, ORDERS[ORDER])})
    config = write_config(root, url, camera_url)
    recorder = Recorder(config, root) if camera_url else None
    mode = "off"
    try:
        if recorder is not None:
            mode = "recording: " + recorder.wait_recording()
            time.sleep(3)  # past the recorder's start-up (the stream's probe)
        timed = measure_station(
            url, scanner, ORDER, codes, gaps, root / "trace.txt", config, STATION
        )
        if recorder is not None and recorder.status().get("state") != "recording":
            mode += f" (then {recorder.status().get('state')})"
    finally:
        if recorder is not None:
            recorder.stop()
    return timed, accepted_codes(url, ORDER) == codes, mode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scans", type=int, default=200, help="timed scans per run (max 300)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=1, help="off/on pairs, alternating")
    ap.add_argument("--no-compile", action="store_true")
    args = ap.parse_args()
    package = Path(packstation.__file__).parent
    if not args.no_compile:
        compileall.compile_dir(package, quiet=1)
    rng = random.Random(args.seed)
    codes = rng.sample(codes_of(ORDER, ORDERS[ORDER]), min(args.scans, ORDERS[ORDER]))
    gaps = [rng.uniform(*GAP_S) for _ in codes]
    tmp = Path(tempfile.mkdtemp(prefix="ps-evlat-"))
    gaps_ms = f"{GAP_S[0] * 1000:.0f}-{GAP_S[1] * 1000:.0f} ms"
    print(f"{len(codes)} scans per run, paced {gaps_ms}, seed {args.seed}")
    print(f"{args.rounds} round(s) of off/on; disk {tmp}")
    print(f"load average at start {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    print("preparing the H.264 camera (720p, 25 fps, GOP 2 s) in its own process ...", flush=True)
    ctx = mp.get_context("spawn")
    urls: Any = ctx.Queue()
    stop = ctx.Event()
    camera = ctx.Process(target=camera_process, args=(urls, stop), daemon=True)
    camera.start()
    scanner = ScannerSimulator()
    runs: dict[str, list[float]] = {"off": [], "on": []}
    complete = True
    modes = set()
    try:
        camera_url = urls.get(timeout=120)
        for n in range(args.rounds):
            for name in ("off", "on"):
                timed, ok, mode = one_run(
                    tmp / f"{name}-{n}", scanner, codes, gaps, camera_url if name == "on" else None
                )
                runs[name] += [t.ms for t in timed]
                complete &= ok
                modes.add(mode)
                print(f"  round {n + 1} {name}: " + summary("", [t.ms for t in timed]).strip())
    finally:
        scanner.shutdown()
        stop.set()
        camera.join(10)
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    print("recorder: " + "; ".join(sorted(m for m in modes if m != "off")))
    off, on = runs["off"], runs["on"]
    print(summary("recording off", off))
    print(summary("recording on (H.264 720p copy)", on))
    d50, d99 = pct(on, 50) - pct(off, 50), pct(on, 99) - pct(off, 99)
    print(f"difference (on - off): p50 {d50:+.1f} ms  p99 {d99:+.1f} ms")
    print(f"every scan committed, in order, in every run: {complete}")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
