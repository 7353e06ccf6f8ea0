"""`packstation demo`: a fresh SQLite database with the sample orders and demo badges.

Until the station UI lands this shows the intake: import, validation, the queue.
"""

from __future__ import annotations

import argparse
import tempfile
from importlib import resources
from pathlib import Path

from packstation.cli.common import say
from packstation.cli.orders_cmd import validate
from packstation.domain.intake import read_orders
from packstation.domain.pins import hash_pin
from packstation.models.db import open_database
from packstation.models.operators_repo import add_operator
from packstation.models.orders_repo import import_orders, list_orders

DEMO_PACKER = ("BADGE-0001", "Анна К.", "packer", None)
DEMO_LEAD = ("BADGE-LEAD-01", "Мария Л.", "lead", "1234")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser("demo", help="try packstation on a throw-away database")
    demo.add_argument("--dir", type=Path, help="where to create the demo database")
    demo.set_defaults(func=run_demo)


def sample_files() -> list[Path]:
    data = resources.files("packstation.data")
    return [Path(str(data / "orders-sample.json")), Path(str(data / "orders-sample.csv"))]


def run_demo(args: argparse.Namespace) -> int:
    where = args.dir or Path(tempfile.mkdtemp(prefix="packstation-demo-"))
    where.mkdir(parents=True, exist_ok=True)
    db_path = where / "packstation.db"
    db = open_database(f"sqlite:///{db_path}")
    try:
        with db.unit_of_work() as session:
            for path in sample_files():
                report = import_orders(session, read_orders(path), validate, source=path.name)
                say(
                    f"imported {path.name}: {report.ready} ready, "
                    f"{report.needs_correction} needs correction, {report.unchanged} unchanged"
                )
                for oid, problems in report.problems.items():
                    say(f"  {oid}: " + "; ".join(str(p) for p in problems))
            for badge, name, role, pin in (DEMO_PACKER, DEMO_LEAD):
                add_operator(
                    session,
                    badge=badge,
                    name=name,
                    role=role,
                    pin_hash=hash_pin(pin) if pin else None,
                )
        with db.sessions() as session:
            rows = list_orders(session)
    finally:
        db.dispose()
    say()
    say(f"queue ({len(rows)} orders, priority then ship-by):")
    for r in rows:
        say(
            f"  {r.id:<10} {r.status:<17} prio {r.priority}  {r.city:<16} "
            f"{r.lines} lines / {r.units} units / {r.weight_g} g"
        )
    say()
    say(f"demo packer badge {DEMO_PACKER[0]}; lead badge {DEMO_LEAD[0]} PIN {DEMO_LEAD[3]}")
    say(f"database: {db_path}")
    say(f"try: packstation orders list --db {db_path}")
    return 0
