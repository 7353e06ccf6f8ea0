"""`packstation simulate scanner|scale`: a device on a pseudo-terminal.

The first line on stdout is the port to give the station (`--scanner PORT`,
`--scale PORT`); everything else goes to stderr so scripts can read that line.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from decimal import Decimal, InvalidOperation
from types import FrameType

from packstation.cli.codes_cmd import unescape_gs
from packstation.cli.common import CliError
from packstation.devices.base import ScaleState
from packstation.devices.scales import PROTOCOLS
from packstation.devices.scanner_framing import parse_suffix
from packstation.devices.simulators import SCRIPTS, ScaleSimulator, ScannerSimulator

STATES = tuple(s.value for s in ScaleState)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sim = sub.add_parser("simulate", help="simulated scanner or scale on a pseudo-terminal")
    ssub = sim.add_subparsers(dest="simulate_command", required=True, metavar="DEVICE")

    scanner = ssub.add_parser(
        "scanner",
        help="send each line of stdin as a scan",
        description="Prints the port, then sends each stdin line as one scan "
        "(write GS as <GS> or \\x1d). Ends at end of input or Ctrl+C.",
    )
    scanner.add_argument("--suffix", default="CR", help="CR (default), LF, CRLF or none")
    scanner.add_argument("--prefix", default="", help="sent before every code")
    scanner.add_argument("--link", metavar="PATH", help="make the port this symlink path")
    scanner.set_defaults(func=run_scanner)

    scale = ssub.add_parser(
        "scale",
        help="answer a scale protocol until Ctrl+C",
        description="Prints the port, then answers (or streams) until Ctrl+C. Lines on "
        "stdin change the scale: a weight in grams, a state "
        f"({', '.join(STATES)}) or a script name.",
    )
    scale.add_argument("--protocol", required=True, choices=sorted(PROTOCOLS))
    scale.add_argument("--script", choices=SCRIPTS, default="stable")
    scale.add_argument("--weight", type=Decimal, default=Decimal(1250), help="grams (1250)")
    scale.add_argument("--unit", choices=("g", "kg", "lb", "oz"), help="unit the scale shows")
    scale.add_argument("--variant", choices=("cas", "ohaus"), default="cas", help="continuous")
    scale.add_argument("--link", metavar="PATH", help="make the port this symlink path")
    scale.set_defaults(func=run_scale)


def _interrupt_on_sigterm() -> None:
    """`kill` ends the simulator like Ctrl+C, so the pty and symlink are cleaned up."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():  # signals need the main thread
        signal.signal(signal.SIGTERM, handler)


def _note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_scanner(args: argparse.Namespace) -> int:
    try:
        suffix = parse_suffix(args.suffix)
        sim = ScannerSimulator(args.link)
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    _interrupt_on_sigterm()
    try:
        print(sim.port, flush=True)
        _note("type a code and Enter to scan it; Ctrl+D ends")
        for line in sys.stdin:
            code = unescape_gs(line.rstrip("\r\n"))
            if code:
                sim.send_bytes(args.prefix.encode() + code.encode() + suffix)
        sim.drain()  # end of input: let the reader take the last scans before unplugging
    except KeyboardInterrupt:
        pass
    except (OSError, TimeoutError) as exc:
        raise CliError(str(exc)) from None
    finally:
        sim.shutdown()
    return 0


def run_scale(args: argparse.Namespace) -> int:
    try:
        sim = ScaleSimulator(
            args.protocol, link=args.link, grams=args.weight, unit=args.unit, variant=args.variant
        )
    except (ValueError, OSError) as exc:
        raise CliError(str(exc)) from None
    _interrupt_on_sigterm()
    try:
        sim.script(args.script, args.weight)
        print(sim.port, flush=True)
        _note(
            f"{args.protocol} scale ({args.script}, {args.weight} g); type grams, a state "
            "or a script name and Enter; Ctrl+C ends"
        )
        for line in sys.stdin:
            _control(sim, line.strip())
        signal.pause()  # end of input: keep answering until Ctrl+C / kill
    except KeyboardInterrupt:
        pass
    finally:
        sim.shutdown()
    return 0


def _control(sim: ScaleSimulator, text: str) -> None:
    if not text:
        return
    if text in SCRIPTS:
        sim.script(text)
    elif text in STATES:
        sim.set_state(text)
    else:
        try:
            sim.set_weight(Decimal(text))
        except InvalidOperation:
            _note(f"? {text!r}: type grams, one of {', '.join(STATES + SCRIPTS)}")
