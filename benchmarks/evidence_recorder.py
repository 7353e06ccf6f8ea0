"""What the evidence recorder costs a station PC: CPU and disk, per camera kind.

The real recorder process (`packstation evidence record`) records a camera stand-in on
localhost (`packstation/evidence/simulator.py`, in this process) for `--seconds`
after a warm-up; its CPU is read from /proc/<pid>/stat (user + system ticks, % of one
core), its memory from /proc/<pid>/status (VmHWM), and the disk it wrote from the
segment folder's growth (each packet is flushed as it is muxed), extrapolated to an
hour.

- MJPEG 1280x720 at 15 fps (~170 KB a frame, with grain, as cheap IP cameras send it):
  decoded and encoded by the recorder (x264 ultrafast, 10 fps).
- H.264 1280x720 at 25 fps, GOP 2 s, ~3 Mbit/s (an IP camera's main stream): copied.

Target: < 15% of one core for the H.264 copy.

    python benchmarks/evidence_recorder.py [--seconds 30] [--only mjpeg|h264]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from packstation.evidence.files import list_segments
from packstation.evidence.simulator import H264Camera, MjpegCamera

TICK = os.sysconf("SC_CLK_TCK")
TARGET_COPY_PCT = 15.0


@dataclass
class Result:
    name: str
    mode: str
    cpu_pct: float
    rss_mb: float
    mb_per_hour: float
    source_mbit: float


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def folder_bytes(folder: Path) -> int:
    return sum(seg.size for seg in list_segments(folder))


def measure(name: str, url: str, source_mbit: float, seconds: float, warmup: float) -> Result:
    with tempfile.TemporaryDirectory(prefix="evbench-") as tmp:
        root = Path(tmp)
        config = root / "station.toml"
        config.write_text(
            '[station]\nid = "BENCH"\n'
            f'[camera]\nurl = "{url}"\nfps = 10\n'
            f'[evidence]\ndir = "{root / "evidence"}"\nsegment_s = 10\n',
            encoding="utf-8",
        )
        station = root / "evidence" / "BENCH"
        log = (root / "recorder.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "packstation", "--config", str(config), "evidence", "record"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            status: dict[str, str] = {}
            deadline = time.monotonic() + 30
            while status.get("state") != "recording":
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit(f"{name}: recorder not recording: {status}")
                time.sleep(0.2)
                with contextlib.suppress(FileNotFoundError, ValueError):
                    status = json.loads((station / "recorder.json").read_text())
            time.sleep(warmup)
            t0, c0, b0 = time.monotonic(), cpu_ticks(proc.pid), folder_bytes(station / "segments")
            time.sleep(seconds)
            t1, c1, b1 = time.monotonic(), cpu_ticks(proc.pid), folder_bytes(station / "segments")
            rss = peak_rss_mb(proc.pid)
            status = json.loads((station / "recorder.json").read_text())
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
            log.close()
        cpu = (c1 - c0) / TICK / (t1 - t0) * 100
        per_hour = (b1 - b0) / (t1 - t0) * 3600 / 1e6
        return Result(name, status.get("mode", "?"), cpu, rss, per_hour, source_mbit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--only", choices=("mjpeg", "h264"))
    args = parser.parse_args()
    results = []
    if args.only in (None, "mjpeg"):
        print("preparing the MJPEG camera (720p, 15 fps) ...", flush=True)
        cam = MjpegCamera(size=(1280, 720), fps=15, prerender=45, noise=0.12)
        frame_bytes = sum(len(f) for f in cam._cycle) / len(cam._cycle)
        cam.start()
        try:
            mbit = frame_bytes * 15 * 8 / 1e6
            results.append(measure("MJPEG 720p15", cam.url, mbit, args.seconds, args.warmup))
        finally:
            cam.stop()
    if args.only in (None, "h264"):
        print("preparing the H.264 camera (720p, 25 fps, GOP 2 s) ...", flush=True)
        h264 = H264Camera(size=(1280, 720), fps=25, gop=50, loop_s=8, noise=0.12, bitrate=3_000_000)
        loop_s = len(h264._packets) / 25
        mbit = sum(p.size for p in h264._packets) * 8 / loop_s / 1e6
        h264.start()
        try:
            results.append(measure("H.264 720p25", h264.url, mbit, args.seconds, args.warmup))
        finally:
            h264.stop()
    print(f"\n{args.seconds:g} s each, after {args.warmup:g} s warm-up; {os.cpu_count()} cores")
    head = f"{'camera':<14} {'source':>11} {'CPU (1 core)':>13} {'peak RSS':>9}"
    print(f"{head} {'disk/hour':>10}  mode")
    for r in results:
        print(
            f"{r.name:<14} {r.source_mbit:>6.1f} Mb/s {r.cpu_pct:>12.1f}% {r.rss_mb:>6.0f} MB "
            f"{r.mb_per_hour / 1000:>7.2f} GB  {r.mode}"
        )
    copy = [r for r in results if r.mode.startswith("copy")]
    if copy:
        ok = copy[0].cpu_pct < TARGET_COPY_PCT
        print(f"H.264 copy target < {TARGET_COPY_PCT:g}% of one core: {'met' if ok else 'MISSED'}")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
