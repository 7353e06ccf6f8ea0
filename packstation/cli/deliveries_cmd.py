"""`packstation deliveries import FILE`: carrier statuses (delivered, failed, returned)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.cli.common import CliError, add_db_option, config_of, database_of, say
from packstation.domain.text import printable

if TYPE_CHECKING:
    from packstation.models.deliveries_repo import DeliveryReport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deliveries = sub.add_parser("deliveries", help="carrier delivery statuses")
    dsub = deliveries.add_subparsers(dest="deliveries_command", required=True, metavar="COMMAND")
    imp = dsub.add_parser(
        "import",
        help="import carrier statuses from a CSV or JSON file",
        description="Apply carrier statuses (delivered, failed, returned to sender) to parcels "
        "and their orders; failed and returned parcels queue a customer notification. "
        "CSV columns: parcel_id,status,time,reason,condition (aliases accepted); JSON: "
        '{"statuses": [...]} or a list. The whole file is one transaction: a file that '
        "cannot be read imports nothing. Unknown parcels and refused updates are listed "
        "and do not fail the command.",
    )
    imp.add_argument("file", type=Path)
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    add_db_option(imp)
    imp.set_defaults(func=run_import)


def import_file(args: argparse.Namespace, path: Path) -> DeliveryReport:
    from packstation.domain.deliveries import DeliveryFileError, iter_deliveries
    from packstation.domain.rules import PackRules
    from packstation.models.deliveries_repo import import_deliveries

    if not path.is_file():
        raise CliError(f"{path}: cannot read: no such file")
    rules = PackRules.from_config(config_of(args).raw)  # tariff days for derived promises
    db = database_of(args)
    try:
        with db.unit_of_work() as session:
            return import_deliveries(session, iter_deliveries(path), rules=rules, source=path.name)
    except DeliveryFileError as exc:
        raise CliError(f"{path}: nothing imported: {exc}") from exc
    finally:
        db.dispose()


def run_import(args: argparse.Namespace) -> int:
    report = import_file(args, args.file)
    if args.json:
        say(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 0
    for parcel_id in report.unknown_parcels:
        say(f"{printable(parcel_id)}: unknown parcel")
    for parcel_id, reason in report.refused:
        say(f"{printable(parcel_id)} refused: {printable(reason)}")
    damaged = f" ({report.damaged} damaged)" if report.damaged else ""
    say(
        f"{args.file.name}: {report.delivered} delivered{damaged}, {report.failed} failed, "
        f"{report.returned} returned, {report.unchanged} unchanged, "
        f"{len(report.unknown_parcels)} unknown, {len(report.refused)} refused; "
        f"{report.notifications} notification(s) queued"
    )
    return 0
