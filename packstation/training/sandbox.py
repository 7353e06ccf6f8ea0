"""The training sandbox: a SQLite database of its own, made from the real one by reading only.

`read_real` takes what practice needs from the real database in one read-only session:
the catalogue (items of the real orders, newest first) and the active badges (leads with
their PIN hashes, so a lead approves overrides in the sandbox as on the floor). The real
database is opened without upgrading it and never written: not here, and not by anything
else of training (scores go to the scores store, `store.py`).

`create_sandbox` makes a fresh file per training session (under the user data dir,
`training/<station>.sqlite`): orders, scans, marking codes, defects, notifications and
parcels of practice stay in it. Trainees are packers there (at a real station they are
refused until a lead marks them ready). `add_lesson` imports a lesson's practice orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from packstation.domain.check_digits import barcode_problem
from packstation.domain.intake import read_orders
from packstation.domain.orders import OrderData, Problem
from packstation.domain.validation import validate_order
from packstation.errors import DatabaseError
from packstation.filenames import safe_file_name
from packstation.models.db import Database, open_database
from packstation.models.operators_repo import add_operator
from packstation.models.orders import Barcode, OrderLine
from packstation.models.orders_repo import import_orders
from packstation.models.people import Operator, Role
from packstation.station.instance_lock import FileLock, lock_file
from packstation.training.practice import CatalogItem, PracticePlan, catalog_from_orders
from packstation.training.store import training_dir

__all__ = [
    "MIN_ITEMS",
    "Badge",
    "RealSnapshot",
    "SandboxError",
    "add_lesson",
    "create_sandbox",
    "read_real",
    "sandbox_path",
]

#: Fewer real items than this (a new warehouse): the bundled sample items join them.
MIN_ITEMS = 6
#: Order lines read for the catalogue (the newest): plenty of distinct items, one query.
CATALOG_LINES = 5000


class SandboxError(RuntimeError):
    """The real database cannot be read for training (one line for the CLI)."""


@dataclass(frozen=True, slots=True)
class Badge:
    badge: str
    name: str
    #: The role on the floor (a trainee packs as a packer in the sandbox).
    role: str
    pin_hash: str | None = None

    @property
    def is_lead(self) -> bool:
        return self.role in (Role.LEAD, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class RealSnapshot:
    """What practice needs of the real database, read once."""

    items: tuple[CatalogItem, ...]
    badges: tuple[Badge, ...]

    def badge(self, code: str) -> Badge | None:
        return next((b for b in self.badges if b.badge == code), None)


def sandbox_path(station_id: str, base: Path | None = None) -> Path:
    """`training/<station>.sqlite` in the user data dir (or under `base`)."""
    return training_dir(base) / f"{safe_file_name(station_id)}.sqlite"


def read_real(url: str) -> RealSnapshot:
    """The real database's catalogue and badges, read in one session that writes nothing.
    A SQLite file that does not exist is not created; an old schema is not upgraded."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        name = parsed.database or ""
        if name in ("", ":memory:") or not Path(name).expanduser().is_file():
            raise SandboxError(f"no packstation database at {name or url}: training reads it")
    try:
        db = open_database(url, auto_upgrade=False)
    except DatabaseError as exc:
        raise SandboxError(str(exc)) from exc
    try:
        with db.sessions() as session:
            items = _catalog(session)
            badges = tuple(
                Badge(op.badge, op.name, op.role, op.pin_hash if op.role in _LEADS else None)
                for op in session.scalars(
                    select(Operator).where(Operator.active).order_by(Operator.id)
                )
            )
            session.rollback()  # nothing was written; end the read transaction plainly
    finally:
        db.dispose()
    if len(items) < MIN_ITEMS:
        known = {i.sku for i in items}
        items += [i for i in sample_items() if i.sku not in known]
    return RealSnapshot(tuple(items), badges)


_LEADS = frozenset({Role.LEAD, Role.ADMIN})


def _catalog(session: Session) -> list[CatalogItem]:
    query = (
        select(OrderLine, Barcode.code, Barcode.gtin)
        .join(Barcode, Barcode.line_id == OrderLine.id)
        .order_by(OrderLine.id.desc(), Barcode.id)
        .limit(CATALOG_LINES)
    )
    found: dict[str, CatalogItem] = {}
    for line, code, gtin in session.execute(query):
        if line.sku in found:
            continue
        length, width, height = line.length_mm, line.width_mm, line.height_mm
        found[line.sku] = CatalogItem(
            sku=line.sku,
            name=line.name or line.sku,
            barcode=code,
            unit_weight_g=Decimal(line.unit_weight_g),
            gtin=gtin,
            fragile=line.fragile,
            liquid=line.liquid,
            marked=line.marked,
            dims_mm=(length, width, height) if length and width and height else None,
            hs_code=line.hs_code,
            unit_price=line.unit_price,
        )
    return list(found.values())


def sample_items() -> list[CatalogItem]:
    """The items of the bundled sample orders (`packstation/data`)."""
    data = resources.files("packstation.data")
    orders: list[OrderData] = []
    for name in ("orders-sample.json", "orders-sample.csv"):
        orders += read_orders(Path(str(data / name)))
    return catalog_from_orders(orders)


def create_sandbox(
    path: Path, snapshot: RealSnapshot, now: datetime, station_id: str | None = None
) -> Database:
    """A fresh sandbox at `path` (an earlier session's file is replaced) with the badges.
    Refused while a training station `station_id` runs on that sandbox (its worker holds the
    station's lock beside it): its file must not be replaced under it."""
    if station_id is not None:
        lock = FileLock(lock_file(path, station_id))
        path.parent.mkdir(parents=True, exist_ok=True)
        if not lock.acquire():
            raise SandboxError(f"training station {station_id} is already open here ({path})")
        lock.release()
    for old in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        old.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = open_database(f"sqlite:///{path}")
    with db.unit_of_work() as session:
        for b in snapshot.badges:
            role = Role.PACKER if b.role == Role.TRAINEE else b.role
            if role not in set(Role) or (b.is_lead and not b.pin_hash):
                continue
            add_operator(
                session, badge=b.badge, name=b.name, role=role, pin_hash=b.pin_hash, now=now
            )
    return db


def _validate(order: OrderData) -> list[Problem]:
    return validate_order(order, barcode_problem)


def add_lesson(db: Database, plan: PracticePlan, now: datetime) -> None:
    """The lesson's practice orders into the sandbox, all ready to pack (checked first: an
    order the intake would hold for correction is not imported at all)."""
    orders = [o.order for o in plan.orders]
    for order in orders:
        problems = _validate(order)
        if problems:
            raise SandboxError(f"practice order {order.id} is not valid: {problems[0]}")
    with db.unit_of_work() as session:
        import_orders(session, orders, _validate, now=now, source="training")
