"""`packstation barcodes commands|orders|boxes|badges|tariffs -o FILE`: sheets a scanner reads."""

from __future__ import annotations

import argparse
import base64
import hashlib
import string
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.cli.common import CliError, add_db_option, config_of, database_of, say
from packstation.domain.rules import PackRules
from packstation.domain.workflow.commands import Action
from packstation.domain.workflow.model import DefectKind

if TYPE_CHECKING:  # Pillow, fpdf2, python-barcode and zxing-cpp load only when printing
    from packstation.labels.sheets import SheetItem


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bc = sub.add_parser("barcodes", help="print barcode sheets (PDF, PNG or SVG)")
    bc.add_argument("sheet", choices=["commands", "orders", "boxes", "badges", "tariffs"])
    bc.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    bc.add_argument("--status", default="ready", help="orders sheet: which orders (default ready)")
    add_db_option(bc)
    bc.set_defaults(func=run_barcodes)


def command_items() -> list[SheetItem]:
    from packstation.labels.sheets import SheetItem

    items = [SheetItem(f"CMD:{a.value}", f"CMD:{a.value}") for a in Action]
    items += [SheetItem(f"defect: {k.value}", f"CMD:{k.name}") for k in DefectKind]
    return items


def box_items(rules: PackRules) -> list[SheetItem]:
    from packstation.labels.sheets import SheetItem

    return [SheetItem(f"{b.code}  {b.name}", b.code) for b in rules.boxes]


def tariff_items(rules: PackRules) -> list[SheetItem]:
    """The lead's carrier-override cards, one per configured tariff."""
    from packstation.labels.sheets import SheetItem

    return [
        SheetItem(f"{c.code} {t.code} ({t.days} d)", f"TARIFF:{c.code}:{t.code}")
        for c in rules.carriers
        for t in c.tariffs
    ]


_SERIAL_ALPHABET = string.ascii_letters + string.digits
#: Key id of the test codes (AI 91): real ones are issued by the operator, e.g. EE10.
TEST_KEY_ID = "TEST"


def sample_marking_code(gtin14: str, order_id: str, position: int, unit: int) -> str:
    """A Chestny ZNAK-shaped code for one unit of a marked order line, for test sheets.

    ``01 GTIN 21 <13-char serial> GS 91 <key> GS 92 <44-char crypto>``, as printed on
    goods. The serial is derived from order, line and unit: a reprinted sheet gives the
    same codes (the station accepts them again for the same order), another order
    gets others (a marking code is used once ever).
    """
    digest = hashlib.sha256(f"{order_id}\n{position}\n{unit}".encode()).digest()
    number = int.from_bytes(digest[:16], "big")
    serial = ""
    for _ in range(13):
        number, index = divmod(number, len(_SERIAL_ALPHABET))
        serial += _SERIAL_ALPHABET[index]
    crypto = base64.b64encode(hashlib.sha256(digest).digest()).decode("ascii")
    return f"01{gtin14}21{serial}\x1d91{TEST_KEY_ID}\x1d92{crypto}"


def order_items(args: argparse.Namespace, rules: PackRules) -> list[SheetItem]:
    """Per order: its id, its tote, its documents, every item barcode and, for a line that
    needs marking codes, one test marking code per unit (GS1 DataMatrix)."""
    from sqlalchemy import select

    from packstation.labels.sheets import GS1_DATAMATRIX, SheetItem
    from packstation.models import Order

    db = database_of(args)
    items: list[SheetItem] = []
    try:
        with db.sessions() as session:
            query = select(Order).where(Order.status == args.status).order_by(Order.id)
            for order in session.scalars(query):
                items.append(SheetItem(f"order {order.id}", order.id))
                if order.tote:
                    items.append(SheetItem(f"tote of {order.id}", order.tote))
                for kind in rules.documents.required_for(order.country):
                    items.append(SheetItem(f"{kind} {order.id}", f"DOC:{kind}:{order.id}"))
                for line in order.lines:
                    for code in line.barcodes:
                        items.append(SheetItem(f"{line.sku} ({order.id})", code.code))
                    gtin = next((code.gtin for code in line.barcodes if code.gtin), None)
                    if not line.marked or gtin is None:
                        continue
                    for unit in range(1, line.qty + 1):
                        marking = sample_marking_code(gtin, order.id, line.position, unit)
                        caption = f"{line.sku} marking {unit}/{line.qty} ({order.id})"
                        items.append(SheetItem(caption, marking, GS1_DATAMATRIX))
    finally:
        db.dispose()
    return items


def badge_items(args: argparse.Namespace) -> list[SheetItem]:
    from sqlalchemy import select

    from packstation.labels.sheets import SheetItem
    from packstation.models import Operator

    db = database_of(args)
    try:
        with db.sessions() as session:
            ops = session.scalars(select(Operator).where(Operator.active).order_by(Operator.badge))
            return [SheetItem(f"{op.name} ({op.role})", op.badge) for op in ops]
    finally:
        db.dispose()


def run_barcodes(args: argparse.Namespace) -> int:
    from packstation.clock import utcnow
    from packstation.labels.sheets import SheetError, write_sheet

    rules = PackRules.from_config(config_of(args).raw)
    if args.sheet == "commands":
        items = command_items()
    elif args.sheet == "boxes":
        items = box_items(rules)
    elif args.sheet == "badges":
        items = badge_items(args)
    elif args.sheet == "tariffs":
        items = tariff_items(rules)
    else:
        items = order_items(args, rules)
    try:
        pages = write_sheet(items, args.output, f"packstation — {args.sheet}", now=utcnow())
    except SheetError as exc:
        raise CliError(f"{args.output}: {exc}") from exc
    except OSError as exc:
        raise CliError(f"{args.output}: cannot write: {exc.strerror or exc}") from exc
    say(f"{args.output}: {len(items)} barcodes on {pages} page(s)")
    return 0
