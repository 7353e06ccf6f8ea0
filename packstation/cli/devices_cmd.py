"""`packstation devices list | probe PORT`: what is plugged in and what it says.

`probe` runs the same drivers as the station (threads, reconnect rules, parsers),
so what it prints is what the station would see.
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import sys
import time
from typing import Any

from packstation.cli.common import CliError, say
from packstation.devices.base import DeviceState, DeviceStatus, ScaleReading, ScaleState
from packstation.devices.probe import detect_scale
from packstation.devices.scales import PROBE_ORDER, PROTOCOLS, ScaleProtocol, get_protocol
from packstation.devices.serial_link import PortError
from packstation.devices.serial_scale import SerialScale
from packstation.devices.serial_scanner import SerialScanner
from packstation.domain.text import printable

CONNECT_WAIT_S = 3.0
Event = DeviceStatus | ScaleReading | str


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    devices = sub.add_parser("devices", help="serial ports, scanners and scales")
    dsub = devices.add_subparsers(dest="devices_command", required=True, metavar="COMMAND")

    lst = dsub.add_parser("list", help="list serial ports")
    lst.add_argument("--json", action="store_true", help="machine-readable output")
    lst.set_defaults(func=run_list)

    probe = dsub.add_parser(
        "probe",
        help="read a few weights or scans from a port",
        description="Read weights (or, with --scanner, scans) from PORT for a few seconds. "
        "Without --scale-protocol or --scanner the scale protocol is detected (--auto), "
        "using only read-only requests.",
    )
    probe.add_argument("port", metavar="PORT", help="device path or pyserial URL (socket://...)")
    mode = probe.add_mutually_exclusive_group()
    mode.add_argument("--scale-protocol", metavar="NAME", choices=sorted(PROTOCOLS))
    mode.add_argument("--auto", action="store_true", help="detect the scale protocol (default)")
    mode.add_argument("--scanner", action="store_true", help="the port is a barcode scanner")
    probe.add_argument("--seconds", type=float, default=3.0, help="how long to read (default 3)")
    probe.add_argument("--count", type=int, help="stop after this many readings or scans")
    probe.add_argument("--baudrate", type=int, help="default: the protocol's (scanner: 9600)")
    probe.add_argument("--bytesize", type=int, choices=(5, 6, 7, 8))
    probe.add_argument("--parity", choices=("N", "E", "O", "M", "S"))
    probe.add_argument("--stopbits", type=float, choices=(1, 1.5, 2))
    probe.add_argument("--unit", help="unit of scales that send none (Toledo; default kg)")
    probe.add_argument("--suffix", default="CR", help="scanner suffix: CR, LF, CRLF or none")
    probe.add_argument("--prefix", default="", help="scanner prefix to strip")
    probe.add_argument("--json", action="store_true", help="one JSON object at the end")
    probe.set_defaults(func=run_probe)


def run_list(args: argparse.Namespace) -> int:
    from serial.tools import list_ports

    ports = sorted(list_ports.comports(), key=lambda p: str(p.device))
    rows = [
        {
            "device": str(p.device),
            "description": "" if p.description in (None, "n/a") else str(p.description),
            "vid_pid": f"{p.vid:04X}:{p.pid:04X}" if p.vid is not None else "",
            "serial_number": str(p.serial_number or ""),
        }
        for p in ports
    ]
    if args.json:
        say(json.dumps(rows, ensure_ascii=False, indent=2))
    elif not rows:
        say("no serial ports found")
    for row in [] if args.json else rows:
        serial_number = f"SN {row['serial_number']}" if row["serial_number"] else ""
        extra = "  ".join(v for v in (row["vid_pid"], serial_number) if v)
        say(f"{row['device']}  {row['description'] or '-'}  {extra}".rstrip())
    return 0


def _setup_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="packstation: %(message)s")


def run_probe(args: argparse.Namespace) -> int:
    _setup_logging()
    if args.seconds <= 0:
        raise CliError("--seconds must be positive")
    try:
        if args.scanner:
            return _probe_scanner(args)
        return _probe_scale(args, _protocol_of(args))
    except (PortError, ValueError) as exc:
        raise CliError(str(exc)) from None


def _protocol_of(args: argparse.Namespace) -> ScaleProtocol:
    if args.scale_protocol:
        return get_protocol(args.scale_protocol)
    if not args.json:
        say(f"probing {args.port} for {', '.join(PROBE_ORDER)} ...")
    found = detect_scale(args.port)
    if found is None:
        raise CliError(
            f"no known scale protocol answered on {args.port} (tried {', '.join(PROBE_ORDER)}); "
            "for a scanner use --scanner"
        )
    if not args.json:
        say(f"{args.port}: {found.name} ({found.title})")
    return found


def _probe_scale(args: argparse.Namespace, protocol: ScaleProtocol) -> int:
    events: queue.SimpleQueue[Event] = queue.SimpleQueue()
    scale = SerialScale(
        args.port,
        protocol,
        args.baudrate,
        args.bytesize,
        args.parity,
        args.stopbits,
        unit=args.unit,
        on_reading=events.put,
        on_status=events.put,
    )
    readings: list[ScaleReading] = []
    scale.start()
    try:
        status = _collect(args, events, readings)
    finally:
        scale.stop()
    if args.json:
        say(
            json.dumps(
                {
                    "port": args.port,
                    "kind": "scale",
                    "protocol": protocol.name,
                    "status": status.state.value,
                    "detail": status.detail,
                    "readings": [_reading_dict(r) for r in readings],
                    "garbage": scale.garbage,
                },
                indent=2,
            )
        )
    if not any(r.state is not ScaleState.OFFLINE for r in readings):
        raise CliError(
            f"no readings from {args.port} with {protocol.name} "
            f"({scale.garbage} unparseable replies; {status})"
        )
    return 0


def _probe_scanner(args: argparse.Namespace) -> int:
    events: queue.SimpleQueue[Event] = queue.SimpleQueue()
    scanner = SerialScanner(
        args.port,
        args.baudrate or 9600,
        args.bytesize or 8,
        args.parity or "N",
        args.stopbits or 1,
        suffix=args.suffix,
        prefix=args.prefix,
        on_code=events.put,
        on_status=events.put,
        on_warning=lambda text: events.put(DeviceStatus(DeviceState.ERROR, text)),
    )
    codes: list[str] = []
    scanner.start()
    try:
        status = _collect(args, events, codes)
    finally:
        scanner.stop()
    if args.json:
        say(json.dumps({"port": args.port, "kind": "scanner", "codes": codes}, indent=2))
    if not codes:
        raise CliError(f"no scans read from {args.port} in {args.seconds:g} s ({status})")
    return 0


def _collect(
    args: argparse.Namespace, events: queue.SimpleQueue[Event], into: list[Any]
) -> DeviceStatus:
    """Print events as they come until --seconds or --count; fail fast if the port won't open."""
    status = DeviceStatus(DeviceState.DISCONNECTED, "no answer")
    connect_by = time.monotonic() + CONNECT_WAIT_S
    deadline = None
    while True:
        now = time.monotonic()
        limit = deadline if deadline is not None else connect_by
        if now >= limit or (args.count and len(into) >= args.count):
            break
        try:
            event = events.get(timeout=min(0.1, limit - now))
        except queue.Empty:
            continue
        if isinstance(event, DeviceStatus):
            status = event
            if deadline is None and event.state is not DeviceState.CONNECTED:
                raise CliError(event.detail or event.state.value)
            if deadline is None:
                deadline = time.monotonic() + args.seconds
            if not args.json:
                say(f"status: {printable(str(event))}")
            continue
        into.append(event)
        if not args.json:
            say(_describe(event))
    if deadline is None:
        raise CliError(f"{args.port}: {status}")
    sys.stdout.flush()
    return status


def _describe(event: Any) -> str:
    if isinstance(event, ScaleReading):
        return (
            f"{event.grams:10.1f} g  {'stable  ' if event.stable else 'unstable'}  "
            f"{event.state.value}  {event.raw_unit}".rstrip()
        )
    return f"scan: {printable(str(event))}"


def _reading_dict(reading: ScaleReading) -> dict[str, Any]:
    return {
        "grams": str(reading.grams),
        "stable": reading.stable,
        "state": reading.state.value,
        "unit": reading.raw_unit,
    }
