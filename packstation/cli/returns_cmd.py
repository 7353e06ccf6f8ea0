"""`packstation returns import FILE` (announced returns) and `packstation returns list`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.cli.common import (
    add_db_option,
    add_import_command,
    database_of,
    importing,
    say,
    say_report,
)
from packstation.domain.text import printable

if TYPE_CHECKING:
    from packstation.models.returns_repo import ImportReport


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    returns = sub.add_parser("returns", help="customer returns: announced ones, received ones")
    rsub = returns.add_subparsers(dest="returns_command", required=True, metavar="COMMAND")
    add_import_command(
        rsub,
        help="import announced returns from a CSV or JSON file",
        description="Store the returns the marketplace announced, so the returns screen "
        "knows the RMA, the return label and the customer's reason when the parcel arrives. "
        "CSV: one row per item, columns rma,order_id,sku,qty,reason,label,announced_at "
        "(rma and order_id required; aliases accepted). JSON: "
        '{"returns": [{"rma", "order_id", "reason", "label", "items": [{"sku", "qty"}]}]} '
        "or a list. The whole file is one transaction: a file that cannot be read imports "
        "nothing. Unknown orders, items not in the order and returns of orders never shipped "
        "are listed as refused and do not fail the command.",
        func=run_import,
    )
    lst = rsub.add_parser("list", help="list returns, newest first")
    lst.add_argument("--status", choices=["announced", "closed"])
    lst.add_argument("--limit", type=int, default=100)
    lst.add_argument("--json", action="store_true", help="JSON lines, one return per line")
    add_db_option(lst)
    lst.set_defaults(func=run_list)


def import_file(args: argparse.Namespace, path: Path) -> ImportReport:
    from packstation.domain.returns_file import ReturnsFileError, read_announced
    from packstation.models.returns_repo import import_announced

    with importing(path, ReturnsFileError):
        announced = read_announced(path)
    db = database_of(args)
    try:
        with db.unit_of_work() as session:
            return import_announced(session, announced, source=path.name)
    finally:
        db.dispose()


def run_import(args: argparse.Namespace) -> int:
    report = import_file(args, args.file)
    lines = [f"{printable(rma)} refused: {printable(reason)}" for rma, reason in report.refused]
    lines.append(
        f"{args.file.name}: {report.announced} announced, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.refused)} refused"
    )
    return say_report(args.json, report.as_dict(), lines)


def run_list(args: argparse.Namespace) -> int:
    from packstation.models.returns_repo import list_returns

    db = database_of(args)
    try:
        with db.sessions() as session:
            rows = list_returns(session, status=args.status, limit=max(args.limit, 1))
    finally:
        db.dispose()
    for row in rows:
        if args.json:
            say(json.dumps(row, ensure_ascii=False))
            continue
        refund = f"{row['refund']} {row['currency']}" if row["refund"] else "-"
        say(
            f"{row['id']:>6}  {printable(row['rma'] or '-', limit=20):<20} "
            f"{printable(row['order_id'], limit=20):<20} {row['status']:<9} "
            f"{row['units']:>3} unit(s)  refund {refund}"
        )
    return 0
