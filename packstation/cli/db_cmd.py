"""`packstation db upgrade|current`."""

from __future__ import annotations

import argparse

from packstation.cli.common import add_db_option, config_of, say
from packstation.config import resolve_db_url


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database schema")
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    up = dbsub.add_parser("upgrade", help="create or upgrade the schema to this version")
    add_db_option(up)
    up.set_defaults(func=run_upgrade)
    cur = dbsub.add_parser("current", help="print the schema revision")
    add_db_option(cur)
    cur.set_defaults(func=run_current)


def run_upgrade(args: argparse.Namespace) -> int:
    from packstation.models.db import current_revision, make_engine, upgrade

    url = resolve_db_url(args.db, config_of(args))
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    shown = engine.url.render_as_string(hide_password=True)
    if before == after:
        say(f"{shown}: already at {after}")
    else:
        say(f"{shown}: upgraded {before or 'empty'} -> {after}")
    return 0


def run_current(args: argparse.Namespace) -> int:
    from packstation.models.db import current_revision, head_revision, make_engine

    engine = make_engine(resolve_db_url(args.db, config_of(args)))
    try:
        say(f"{current_revision(engine) or 'empty'} (head {head_revision()})")
    finally:
        engine.dispose()
    return 0
