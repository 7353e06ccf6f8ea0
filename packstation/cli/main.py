"""Argument parsing and the error policy: expected failures are one line and exit 1."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from packstation import __version__
from packstation.cli import (
    audit_cmd,
    barcodes_cmd,
    codes_cmd,
    db_cmd,
    deliveries_cmd,
    devices_cmd,
    documents_cmd,
    manifest_cmd,
    notify_cmd,
    operators_cmd,
    orders_cmd,
    queue_cmd,
    report_cmd,
    returns_cmd,
    serve_cmd,
    simulate_cmd,
    station_cmd,
)
from packstation.cli.common import CliError
from packstation.config import ConfigError
from packstation.domain.rules import RulesError
from packstation.errors import DatabaseError, describe_db_error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="packstation", description="Packing-station software for fulfilment warehouses."
    )
    parser.add_argument("--version", action="version", version=f"packstation {__version__}")
    parser.add_argument("--config", metavar="FILE", help="station config (TOML)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (
        station_cmd,
        db_cmd,
        orders_cmd,
        operators_cmd,
        codes_cmd,
        devices_cmd,
        simulate_cmd,
        barcodes_cmd,
        queue_cmd,
        serve_cmd,
        notify_cmd,
        manifest_cmd,
        documents_cmd,
        deliveries_cmd,
        report_cmd,
        returns_cmd,
        audit_cmd,
    ):
        module.register(sub)
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
    parser = build_parser()
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
