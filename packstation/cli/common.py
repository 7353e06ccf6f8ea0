"""What every command shares: --db/--config resolution and one-line errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.config import StationConfig, load_config, resolve_db_url

if TYPE_CHECKING:
    from packstation.models.db import Database


class CliError(Exception):
    """An expected failure: printed as one line, exit code 1, no traceback."""


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL or SQLite file path "
        "(default: $PACKSTATION_DB, then the config, then a file in the user data dir)",
    )


def config_of(args: argparse.Namespace) -> StationConfig:
    path = getattr(args, "config", None)
    return load_config(Path(path) if path else None)


def database_of(args: argparse.Namespace) -> Database:
    from packstation.models.db import open_database  # SQLAlchemy only for commands that use it

    return open_database(resolve_db_url(getattr(args, "db", None), config_of(args)))


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")
