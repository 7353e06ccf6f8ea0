"""What every command shares: --db/--config resolution and one-line errors; the file importers'
`import FILE` shell (arguments, file errors, report output)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

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


def db_url_of(args: argparse.Namespace) -> str:
    return resolve_db_url(getattr(args, "db", None), config_of(args))


def database_of(args: argparse.Namespace) -> Database:
    from packstation.models.db import open_database  # SQLAlchemy only for commands that use it

    return open_database(db_url_of(args))


def say(text: str = "") -> None:
    sys.stdout.write(text + "\n")


# --------------------------------------------------------------------------- file importers


def add_import_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    help: str,
    description: str,
    func: Callable[[argparse.Namespace], int],
) -> argparse.ArgumentParser:
    """``<area> import FILE [--json] [--db URL]``, the shell every file importer shares."""
    imp = sub.add_parser("import", help=help, description=description)
    imp.add_argument("file", type=Path)
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    add_db_option(imp)
    imp.set_defaults(func=func)
    return imp


@contextmanager
def importing(path: Path, file_error: type[Exception]) -> Iterator[None]:
    """A missing file, and a `file_error` raised inside (nothing was imported), as `CliError`."""
    if not path.is_file():
        raise CliError(f"{path}: cannot read: no such file")
    try:
        yield
    except file_error as exc:
        raise CliError(f"{path}: nothing imported: {exc}") from exc


def say_report(as_json: bool, report: Mapping[str, Any], lines: Iterable[str]) -> int:
    """An importer's report: `report` as indented JSON, else the text `lines`; exit code 0."""
    if as_json:
        say(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for line in lines:
            say(line)
    return 0
