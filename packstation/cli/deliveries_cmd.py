"""`packstation deliveries import FILE`: carrier statuses (delivered, failed, returned)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.cli.common import (
    add_import_command,
    config_of,
    database_of,
    importing,
    say_report,
)
from packstation.domain.text import printable

if TYPE_CHECKING:
    from packstation.models.deliveries_repo import DeliveryReport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    deliveries = sub.add_parser("deliveries", help="carrier delivery statuses")
    dsub = deliveries.add_subparsers(dest="deliveries_command", required=True, metavar="COMMAND")
    add_import_command(
        dsub,
        help="import carrier statuses from a CSV or JSON file",
        description="Apply carrier statuses (delivered, failed, returned to sender) to parcels "
        "and their orders; failed and returned parcels queue a customer notification. "
        "CSV columns: parcel_id,status,time,reason,condition (aliases accepted); JSON: "
        '{"statuses": [...]} or a list. The whole file is one transaction: a file that '
        "cannot be read imports nothing. Unknown parcels and refused updates are listed "
        "and do not fail the command.",
        func=run_import,
    )


def import_file(args: argparse.Namespace, path: Path) -> DeliveryReport:
    from packstation.domain.deliveries import DeliveryFileError, iter_deliveries
    from packstation.domain.rules import PackRules
    from packstation.models.deliveries_repo import import_deliveries

    with importing(path, DeliveryFileError):  # the file is read inside the transaction
        rules = PackRules.from_config(config_of(args).raw)  # tariff days for derived promises
        db = database_of(args)
        try:
            with db.unit_of_work() as session:
                updates = iter_deliveries(path)
                return import_deliveries(session, updates, rules=rules, source=path.name)
        finally:
            db.dispose()


def run_import(args: argparse.Namespace) -> int:
    report = import_file(args, args.file)
    lines = [f"{printable(parcel_id)}: unknown parcel" for parcel_id in report.unknown_parcels]
    lines += [f"{printable(p)} refused: {printable(reason)}" for p, reason in report.refused]
    damaged = f" ({report.damaged} damaged)" if report.damaged else ""
    lines.append(
        f"{args.file.name}: {report.delivered} delivered{damaged}, {report.failed} failed, "
        f"{report.returned} returned, {report.unchanged} unchanged, "
        f"{len(report.unknown_parcels)} unknown, {len(report.refused)} refused; "
        f"{report.notifications} notification(s) queued"
    )
    return say_report(args.json, report.as_dict(), lines)
