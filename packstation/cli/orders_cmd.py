"""`packstation orders import|list`.

Only argparse and the order statuses are loaded to register the commands: intake,
validation and storage are imported by the command that uses them."""

from __future__ import annotations

import argparse
import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.cli.common import (
    CliError,
    add_db_option,
    config_of,
    database_of,
    db_url_of,
    say,
)
from packstation.config import ConfigError, intake_max_bytes
from packstation.domain.orders import OrderStatus

if TYPE_CHECKING:
    from packstation.domain.intake import IntakeLimits
    from packstation.domain.intake.rows import RowFormats, Validator
    from packstation.domain.orders import OrderData, Problem
    from packstation.models.orders_repo import ImportReport

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    orders = sub.add_parser("orders", help="order intake and listing")
    osub = orders.add_subparsers(dest="orders_command", required=True, metavar="COMMAND")
    imp = osub.add_parser(
        "import",
        help="import orders from a JSON or CSV file",
        description="Validate and store orders. The whole file is one transaction: "
        "a file that cannot be read imports nothing.",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    add_db_option(imp)
    imp.set_defaults(func=run_import)
    lst = osub.add_parser("list", help="list orders in queue order")
    lst.add_argument("--status", choices=[s.value for s in OrderStatus])
    lst.add_argument("--limit", type=int, default=None)
    lst.add_argument("--json", action="store_true", help="JSON lines, one order per line")
    add_db_option(lst)
    lst.set_defaults(func=run_list)


def validate(order: OrderData) -> list[Problem]:
    """Every reason `order` cannot be packed as received (`validation.validate_order`)."""
    return validator()(order)


@functools.cache
def validator() -> Callable[[OrderData], list[Problem]]:
    """`validate` itself, for a loop: a file names the same few thousand products' barcodes
    over and over, and each is checked once."""
    from packstation.domain.check_digits import barcode_problem
    from packstation.domain.validation import validate_order

    check = functools.lru_cache(maxsize=2**16)(barcode_problem)
    return functools.partial(validate_order, barcode_problem=check)


def intake_limits(args: argparse.Namespace) -> IntakeLimits:
    """The default limits, with `[intake] max_file_mb` from the config when set."""
    from packstation.domain.intake import IntakeLimits

    cfg = config_of(args)
    try:
        max_bytes = intake_max_bytes(cfg.raw, cfg.source)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    return IntakeLimits() if max_bytes is None else IntakeLimits(max_file_bytes=max_bytes)


def row_setup(url: str, now: datetime) -> tuple[Validator, RowFormats]:
    """The validator and the row formats of the database at `url`, from the URL alone: the
    child process makes them before this one has opened the database (a test checks they
    are the connected dialect's). PostgreSQL through psycopg needs no SQLAlchemy for them
    (`import_child.copy_formats`); any other database's come from its dialect."""
    from packstation.cli.import_child import copies, copy_formats

    if copies(url):
        return validator(), copy_formats(now)
    from sqlalchemy.engine import make_url

    from packstation.models.order_import_rows import formats_of

    return validator(), formats_of(make_url(url).get_dialect()(), now)


def import_file(args: argparse.Namespace, path: Path) -> ImportReport:
    """Orders are streamed into one transaction: a file error at any point rolls all back.

    A file over the limits (`intake.IntakeLimits`: size, JSON nesting, CSV line length) is
    refused with one line before anything is stored. The same file again, when that would
    change nothing, is answered from its digest (`models/imported_files.py`). A large file
    is read and prepared in a second process from the start (`cli/import_child.py`)."""
    from packstation.cli.import_child import few_collections, prepared_chunks
    from packstation.clock import utcnow
    from packstation.domain.intake import CHUNK, OrderFileError, file_key

    if not path.is_file():
        raise CliError(f"{path}: cannot read: no such file")
    limits = intake_limits(args)
    try:
        key = file_key(path, limits) if path.stat().st_size <= limits.max_file_bytes else None
    except OSError as exc:
        raise CliError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    url = db_url_of(args)
    setup = functools.partial(row_setup, url, utcnow())
    try:
        # From here the file is read beside this process loading the database code,
        # opening the database and asking whether the file is new.
        with prepared_chunks(path, limits, setup, CHUNK) as chunks:
            from sqlalchemy.exc import SQLAlchemyError

            from packstation.models.db import open_database
            from packstation.models.imported_files import recall_unchanged, remember
            from packstation.models.orders_repo import ImportReport, import_prepared

            db = open_database(url)
            try:
                with few_collections(), db.unit_of_work() as session:
                    if key is not None and (count := recall_unchanged(session, key)) is not None:
                        return ImportReport(unchanged=count)
                    seen: list[tuple[str, str]] = []
                    _, formats = setup()
                    report = import_prepared(
                        session, chunks, formats, source=path.name, seen=seen, first_write=True
                    )
                # Kept only if the file read is still the file hashed (not rewritten
                # meanwhile), in a transaction of its own: what it keeps is the file's,
                # not the database's, and a failure (the same file imported at the same
                # moment elsewhere) costs only the shortcut, never the import.
                if key is not None and file_key(path, limits) == key:
                    try:
                        with db.unit_of_work() as session:
                            remember(session, key, seen, utcnow())
                    except SQLAlchemyError as exc:
                        log.warning("%s: imported; its digest was not kept: %s", path, exc)
                return report
            finally:
                db.dispose()
    except OrderFileError as exc:
        raise CliError(f"{path}: nothing imported: {exc}") from exc


def run_import(args: argparse.Namespace) -> int:
    from packstation.domain.text import printable

    report = import_file(args, args.file)
    if args.json:
        data = report.as_dict()
        data["refused_orders"] = [{"id": i, "reason": r} for i, r in report.refused]
        data["problems"] = {
            oid: [{"field": p.field, "message": p.message} for p in probs]
            for oid, probs in report.problems.items()
        }
        say(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    for oid, probs in report.problems.items():
        say(f"{printable(oid)} needs correction:")
        for p in probs:
            say(f"  - {printable(str(p))}")
    for oid, reason in report.refused:
        say(f"{printable(oid)} refused: {printable(reason)}")
    say(
        f"{args.file.name}: {report.ready} ready, {report.needs_correction} needs correction, "
        f"{report.unchanged} unchanged, {len(report.refused)} refused "
        f"({report.lines} lines stored)"
    )
    return 0


def _fmt_time(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def run_list(args: argparse.Namespace) -> int:
    from packstation.domain.text import printable
    from packstation.models.orders_repo import list_orders

    db = database_of(args)
    try:
        with db.sessions() as session:
            rows = list_orders(session, status=args.status, limit=args.limit)
    finally:
        db.dispose()
    if args.json:
        for row in rows:
            say(json.dumps(row.as_dict(), ensure_ascii=False))
        return 0
    if not rows:
        say("no orders" + (f" with status {args.status}" if args.status else ""))
        return 0
    say(
        f"{'ORDER':<14} {'STATUS':<17} {'PRIO':>4}  {'SHIP BY':<16}  {'CITY':<18} "
        f"{'LINES':>5} {'UNITS':>5}  PROBLEMS"
    )
    for r in rows:
        problems = "; ".join(f"{p['field']}: {p['message']}" for p in r.problems)
        say(
            f"{printable(r.id, limit=14):<14} {r.status:<17} {r.priority:>4}  "
            f"{_fmt_time(r.ship_by):<16}  {printable(r.city, limit=18):<18} "
            f"{r.lines:>5} {r.units:>5}  {printable(problems, limit=80)}"
        )
    return 0
