"""Argument parsing and the error policy: expected failures are one line and exit 1."""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from packstation import __version__
from packstation.cli.common import CliError
from packstation.config import ConfigError
from packstation.domain.rules import RulesError
from packstation.errors import DatabaseError, describe_db_error

#: Each command's module, in the order they are registered (`--help` lists them so);
#: imported only when the parser is built, not when the package is.
COMMAND_MODULES = (
    "station_cmd",
    "db_cmd",
    "orders_cmd",
    "operators_cmd",
    "codes_cmd",
    "devices_cmd",
    "simulate_cmd",
    "barcodes_cmd",
    "queue_cmd",
    "serve_cmd",
    "notify_cmd",
    "manifest_cmd",
    "documents_cmd",
    "deliveries_cmd",
    "report_cmd",
    "returns_cmd",
    "audit_cmd",
    "evidence_cmd",
    "channels_cmd",
    "training_cmd",
)
#: Commands parsed with their own module alone: `packstation run` starts without importing
#: every other command (and all they import: PDF, barcodes, HTTP, ...).
FAST_COMMANDS = {"run": "station_cmd", "demo": "station_cmd"}


def command_word(argv: Sequence[str]) -> str | None:
    """The command `argv` names (`--config FILE` may come first), None if an option does."""
    args = iter(argv)
    for arg in args:
        if arg == "--config":
            next(args, None)
        elif not arg.startswith("--config="):
            return None if arg.startswith("-") else arg
    return None


def module_of(command: str | None) -> str | None:
    """The module that registers `command` (`orders` -> orders_cmd), None if none does."""
    if command is None:
        return None
    if command in FAST_COMMANDS:
        return FAST_COMMANDS[command]
    name = f"{command}_cmd"
    return name if name in COMMAND_MODULES else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; for a known command, with that command alone (its module's imports
    only: every command starts as fast as its own work allows)."""
    parser = argparse.ArgumentParser(
        prog="packstation", description="Packing-station software for fulfilment warehouses."
    )
    parser.add_argument("--version", action="version", version=f"packstation {__version__}")
    parser.add_argument("--config", metavar="FILE", help="station config (TOML)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    names: tuple[str, ...] = COMMAND_MODULES
    module = module_of(command)
    if module is not None:  # one command: its module alone (`orders import` needs no PDF)
        names = (module,)
    for name in names:
        importlib.import_module(f"packstation.cli.{name}").register(sub)
    _config_after_any_command(parser)
    return parser


def _config_after_any_command(parser: argparse.ArgumentParser) -> None:
    """`packstation run --config X` works like `packstation --config X run`, at any depth.

    SUPPRESS keeps a subcommand from overwriting a --config given before it.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in set(action.choices.values()):
                if not any("--config" in a.option_strings for a in child._actions):
                    child.add_argument(
                        "--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="station config (TOML); also accepted before the command",
                    )  # fmt: skip
                _config_after_any_command(child)


def setup_logging() -> None:
    """Logs go to $PACKSTATION_LOG (a file): the terminal belongs to the station screen."""
    path = os.environ.get("PACKSTATION_LOG")
    if path:
        logging.basicConfig(
            filename=path,
            level=os.environ.get("PACKSTATION_LOG_LEVEL", "INFO").upper(),
            format="%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s",
        )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line's command (`argv`, or this process's arguments: then the process
    ends when this returns, and its objects are frozen out of the collector first: the
    interpreter's last collections at exit would go through every object the command
    made, a tenth of a second after an import, for nothing. Objects are still freed;
    only garbage in reference cycles is left to the end of the process)."""
    try:
        return _command(argv)
    finally:
        if argv is None:
            gc.freeze()


def _command(argv: Sequence[str] | None) -> int:
    from packstation.station import trace

    trace.mark("start.main")
    command = command_word(sys.argv[1:] if argv is None else argv)
    if command not in FAST_COMMANDS:
        return _main(argv, command)
    # The station: no collections while it imports and loads (a tenth of its start-up);
    # once up it runs the collector itself, between scans (`StationApp._settle_memory`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _main(argv, command)
    finally:
        if collecting:
            gc.enable()


def _main(argv: Sequence[str] | None, command: str | None) -> int:
    parser = build_parser(command)
    args = parser.parse_args(argv)
    setup_logging()
    try:
        code: int = args.func(args)
    except (CliError, ConfigError, DatabaseError, RulesError) as exc:
        print(f"packstation: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not type(exc).__module__.startswith("sqlalchemy"):
            raise
        print(f"packstation: database error: {describe_db_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
