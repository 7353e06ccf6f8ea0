"""`packstation documents ORDER -o FILE.pdf`: the invoice (and CN23 abroad) for the box."""

from __future__ import annotations

import argparse
from pathlib import Path

from packstation.cli.common import CliError, add_db_option, config_of, database_of, say
from packstation.clock import today
from packstation.config import ship_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    docs = sub.add_parser(
        "documents",
        help="print an order's invoice and customs declaration",
        description="Render the documents an order needs (config [documents]: always INVOICE, "
        "CN23 when shipped abroad), each with its DOC:<KIND>:<ORDER> barcode.",
    )
    docs.add_argument("order_id")
    docs.add_argument("--kind", action="append", help="INVOICE or CN23 (default: what it needs)")
    docs.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.pdf|FILE.png")
    add_db_option(docs)
    docs.set_defaults(func=run_documents)


def run_documents(args: argparse.Namespace) -> int:
    from packstation.domain.rules import PackRules
    from packstation.labels.documents import write_documents
    from packstation.models.documents_repo import document_data

    cfg = config_of(args)
    rules = PackRules.from_config(cfg.raw)
    db = database_of(args)
    try:
        with db.sessions() as session:
            found = document_data(session, args.order_id, rules, ship_from(cfg.raw), today())
    finally:
        db.dispose()
    if found is None:
        raise CliError(f"no order {args.order_id}")
    doc, needed = found
    kinds = tuple(k.upper() for k in args.kind) if args.kind else needed
    try:
        written = write_documents(doc, kinds, args.output)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    except OSError as exc:
        raise CliError(f"{args.output}: cannot write: {exc.strerror or exc}") from exc
    say(f"{args.output}: {', '.join(written)} for {doc.order_id}")
    return 0
