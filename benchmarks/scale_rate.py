"""Scale readings per second over a pty at 115200 baud, per protocol, against a baseline.

For each protocol three figures, all in this process and this run:
  driver    SerialScale polling as fast as replies come (continuous: a writer
            streaming lines as fast as the pty takes them), readings/s; the
            other end is a zero-cost peer sending the simulator's exact bytes
  raw       the same request/reply bytes over the same kind of pty with pyserial,
            no parsing, no driver (the cost of the serial path alone)
  parser    the parser alone on an in-memory buffer (pure CPU)
Also the wire limit a real 115200 8N1 line would impose (ptys do not throttle),
and the idle CPU of a scanner + a 5 Hz polled scale doing nothing.

Run: .venv/bin/python benchmarks/scale_rate.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from packstation.devices.base import ScaleState, SerialSettings  # noqa: E402
from packstation.devices.scales import get_protocol  # noqa: E402
from packstation.devices.serial_link import open_serial  # noqa: E402
from packstation.devices.serial_scale import SerialScale  # noqa: E402
from packstation.devices.serial_scanner import SerialScanner  # noqa: E402
from packstation.devices.sim_replies import SimState, replies_for  # noqa: E402
from packstation.devices.simulators import PtyPort, ScaleSimulator, ScannerSimulator  # noqa: E402

BAUD = 115200
BYTES_PER_S = BAUD / 10  # 8N1: 10 bits per byte
STATE = SimState(Decimal("1234.5"), True, ScaleState.OK, "kg")
CASES = [("mt-sics", "cas"), ("toledo-8217", "cas"), ("nci", "cas"), ("continuous", "cas"),
         ("continuous", "ohaus")]  # fmt: skip


def reply_bytes(protocol: str, variant: str) -> tuple[bytes, bytes]:
    """(request, reply) as the simulator would send them."""
    replies = replies_for(get_protocol(protocol).name, variant=variant)
    poll = get_protocol(protocol).poll
    if poll is None:
        return b"", replies.stream(STATE)
    return poll, replies.answer(poll, STATE)[0]


def driver_rate(protocol: str, variant: str, seconds: float) -> float:
    count = 0

    def on_reading(_: object) -> None:
        nonlocal count
        count += 1

    request, reply = reply_bytes(protocol, variant)
    pty, peer, halt = _peer(request, reply)
    scale = SerialScale(pty.port, protocol, BAUD, poll_hz=100_000, on_reading=on_reading)
    scale.start()
    time.sleep(0.3)  # connect and warm up
    start, count = time.monotonic(), 0
    time.sleep(seconds)
    rate = count / (time.monotonic() - start)
    scale.stop()
    _stop(pty, peer, halt)
    return rate


def _peer(request: bytes, reply: bytes) -> tuple[PtyPort, threading.Thread, threading.Event]:
    """A scale that costs nothing: canned replies to each request, or a stream of lines.
    Driver and baseline both talk to it, so the difference is the driver and parser."""
    pty, halt = PtyPort(), threading.Event()
    target, extra = (_echo, (request,)) if request else (_stream, ())
    peer = threading.Thread(target=target, args=(pty, *extra, reply, halt), daemon=True)
    peer.start()
    return pty, peer, halt


def _stop(pty: PtyPort, peer: threading.Thread, halt: threading.Event) -> None:
    halt.set()
    peer.join()
    pty.destroy()


def _stream(pty: PtyPort, line: bytes, halt: threading.Event) -> None:
    chunk = line * 64
    while not halt.is_set():
        pty.write(chunk, 0.1)


def raw_rate(protocol: str, variant: str, seconds: float) -> float:
    """The same bytes through pyserial and a pty, without driver or parser."""
    request, reply = reply_bytes(protocol, variant)
    pty, peer, halt = _peer(request, reply)
    port = open_serial(pty.port, SerialSettings(BAUD), timeout=0.5)
    count, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        if request:
            port.write(request)
            if len(port.read(len(reply))) == len(reply):
                count += 1
        else:
            count += port.read(max(1, port.in_waiting)).count(b"\n")
    rate = count / (time.monotonic() - start)
    port.close()
    _stop(pty, peer, halt)
    return rate


def _echo(pty: PtyPort, request: bytes, reply: bytes, halt: threading.Event) -> None:
    pending = b""
    while not halt.is_set():
        if not select.select([pty.master], [], [], 0.1)[0]:
            continue
        pending += pty.read()
        while len(pending) >= len(request):
            pending = pending[len(request) :]
            pty.write(reply, 1.0)


def parser_rate(protocol: str, variant: str) -> float:
    _, reply = reply_bytes(protocol, variant)
    data = reply * 20_000
    parser = get_protocol(protocol).new_parser("kg")
    start = time.perf_counter()
    readings = 0
    for i in range(0, len(data), 4096):
        readings += len(parser.feed(data[i : i + 4096]))
    return readings / (time.perf_counter() - start)


def idle_cpu(seconds: float) -> tuple[float, int]:
    """CPU share of one core for a scanner + a 5 Hz mt-sics scale, nothing happening.
    The scale simulator runs in this process too, so this is an upper bound."""
    with ScaleSimulator("mt-sics", grams=0) as sim, ScannerSimulator() as scan_sim:
        scale = SerialScale(sim.port, "mt-sics")
        scanner = SerialScanner(scan_sim.port)
        scale.start()
        scanner.start()
        time.sleep(0.5)
        cpu, wall, polls = time.process_time(), time.monotonic(), sim.requests
        time.sleep(seconds)
        share = (time.process_time() - cpu) / (time.monotonic() - wall)
        polls = sim.requests - polls
        scale.stop()
        scanner.stop()
    return share, polls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # joining a stream mid-line is one bad reply
    print(f"scale readings/s over a pty, {BAUD} baud requested, {os.cpu_count()} CPUs")
    print(
        f"{'protocol':<20}{'driver':>10}{'raw pty':>10}{'driver/raw':>12}"
        f"{'parser only':>14}{'wire max':>10}"
    )
    for protocol, variant in CASES:
        request, reply = reply_bytes(protocol, variant)
        name = protocol if protocol != "continuous" else f"continuous/{variant}"
        driver = driver_rate(protocol, variant, args.seconds)
        raw = raw_rate(protocol, variant, args.seconds)
        wire = BYTES_PER_S / (len(request) + len(reply))
        print(
            f"{name:<20}{driver:>10.0f}{raw:>10.0f}{driver / raw:>11.0%}"
            f"{parser_rate(protocol, variant):>14.0f}{wire:>10.0f}"
        )
    share, polls = idle_cpu(3.0)
    print(
        f"idle: scanner + mt-sics scale at 5 Hz: {share:.2%} of one core, {polls / 3:.1f} polls/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
