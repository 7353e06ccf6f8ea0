"""An order file's orders as the rows an import writes: `prepare_chunk`.

Everything here depends only on the orders themselves (their content hash, their problems,
the values as the database takes them), not on what is stored: so a large file's orders
can be prepared in a process of its own while the importing one writes
(`cli/import_child.py`), and the rows travel as plain tuples (pickling the orders
themselves costs more than preparing them). Nothing here loads SQLAlchemy: that process
starts reading the file at once instead of loading it too (about a tenth of an import).
How each database takes the values is given to `RowFormats` as functions (made from the
dialect by `models/order_import_rows.formats_of`); what is written, and when, is
`models/orders_repo.import_prepared`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from packstation.domain.check_digits import gtin14
from packstation.domain.instructions import Instruction, to_json
from packstation.domain.orders import OrderData, OrderStatus, Problem

__all__ = [
    "FORMATTED",
    "Contact",
    "Format",
    "PreparedOrder",
    "RowFormats",
    "Validator",
    "as_is",
    "content_hash",
    "order_extra",
    "order_instructions",
    "prepare_chunk",
]

Validator = Callable[[OrderData], list[Problem]]
#: One column's bind processor: a value as the driver takes it.
Format = Callable[[Any], Any]

#: The columns whose values the import gives through their processor ("table.column").
FORMATTED = (
    "orders.created_at",
    "orders.ship_by",
    "orders.deliver_by",
    "orders.declared_value",
    "orders.problems",
    "orders.extra",
    "order_lines.unit_weight_g",
    "order_lines.unit_price",
    "events.payload",
    "notifications.payload",
)


def as_is(value: Any) -> Any:
    """The format of a column the driver takes as it is."""
    return value


class Contact(NamedTuple):
    """What a correction request needs of the buyer."""

    name: str
    email: str
    phone: str
    locale: str


class PreparedOrder(NamedTuple):
    """One order's rows. `row` has `order_import_writer.ORDER_COLUMNS` (id first, status
    third, content hash twentieth); each line is its row without the line id (not known
    before the write lock is held) and its barcodes as (code, gtin)."""

    row: tuple[Any, ...]
    lines: tuple[tuple[tuple[Any, ...], tuple[tuple[str, str | None], ...]], ...]
    problems: tuple[Problem, ...]
    #: Only for an order with problems (its buyer is asked to correct it).
    contact: Contact | None


class RowFormats:
    """How one database takes the import's values: each `FORMATTED` column's processor, as
    the ORM would apply it (booleans need none: both drivers take Python bools), and the
    time the import stamps, already formatted. `copy`: PostgreSQL through psycopg, whose
    rows go by COPY (JSON as its text)."""

    def __init__(
        self, database: str, driver: str, now: datetime, processors: Mapping[str, Format]
    ) -> None:
        missing = set(FORMATTED) - set(processors)
        if missing:
            raise ValueError(f"no processor given for {', '.join(sorted(missing))}")
        self.database = database
        self.driver = driver
        self.copy = database == "postgresql" and driver == "psycopg"
        self.processors = dict(processors)
        p = self.processors
        self.when = p["orders.created_at"](now)
        self.problems = p["orders.problems"]
        self.no_problems = self.problems([])
        self.extra = p["orders.extra"]
        self.no_extra = self.extra({})
        self.money = p["orders.declared_value"]
        self.weight = p["order_lines.unit_weight_g"]
        self.price = p["order_lines.unit_price"]
        self.payload = p["events.payload"]
        self.note_payload = p["notifications.payload"]
        self._ship_by = p["orders.ship_by"]
        self._day = p["orders.deliver_by"]
        self._ship_by_seen: dict[datetime, Any] = {}
        #: A file names the same few thousand products over and over: each code's GTIN once.
        self.gtins = _Gtins()

    def ship_by(self, value: datetime | None) -> Any:
        if value is None:
            return None
        done = self._ship_by_seen.get(value)
        if done is None:
            done = self._ship_by_seen[value] = self._ship_by(value)
        return done

    def day(self, value: date | None) -> Any:
        """``deliver_by`` as the database takes it (most orders have none)."""
        return None if value is None else self._day(value)


class _Gtins(dict[str, str | None]):
    """code -> its GTIN-14 (None: not a GTIN), each worked out once: a hit costs a dict
    lookup, not a call."""

    def __missing__(self, code: str) -> str | None:
        if len(self) > 200_000:  # a memo, not a copy of every code of a huge file
            self.clear()
        gtin = self[code] = gtin14(code)
        return gtin


#: Every content hash goes through one encoder (json.dumps would make one per call).
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def content_hash(order: OrderData) -> str:
    """What identifies "the same order": every field but where it sat in the file.

    Built by hand rather than with dataclasses.asdict, whose deep copies cost
    more than the whole database write on large files. Stored with the order:
    the text hashed must not change, or every stored order would count as changed.
    """
    c, a = order.customer, order.address
    ship_by = order.ship_by
    parts: list[object] = [
        order.id,
        order.tote,
        order.priority,
        ship_by.isoformat() if ship_by else None,
        c.name,
        c.phone,
        c.email,
        c.locale,
        a.country,
        a.region,
        a.city,
        a.postcode,
        a.line1,
        a.line2,
        order.carrier,
        str(order.declared_value),
        order.currency,
    ]
    if order.deliver_by is not None:  # only when given: orders without it hash as before
        parts.append(("deliver_by", order.deliver_by.isoformat()))
    parts += [
        (
            ln.sku,
            ln.name,
            ln.barcodes,
            ln.qty,
            str(ln.unit_weight_g),
            ln.fragile,
            ln.liquid,
            ln.marked,
            ln.hs_code,
            str(ln.unit_price),
        )
        # Sizes and the serial flag only when given: a line without them hashes as before.
        + ((ln.dims_mm,) if ln.dims_mm is not None else ())
        + ((("serial", ln.serial),) if ln.serial else ())
        for ln in order.lines
    ]
    # Instructions and the gift note only when given: an order without them hashes as before.
    if any(ln.instructions for ln in order.lines) or order.instructions:
        parts.append(("instructions", to_json(order_instructions(order))))
    if order.gift_note:
        parts.append(("gift_note", order.gift_note))
    return hashlib.sha256(_HASH_JSON.encode(parts).encode()).hexdigest()


def order_instructions(order: OrderData) -> list[Instruction]:
    """The order's own instructions, then its lines' (each names its SKU as the source)."""
    return [*order.instructions, *(i for ln in order.lines for i in ln.instructions)]


def order_extra(order: OrderData) -> dict[str, Any]:
    """What an order file gives beyond the columns, kept in ``orders.extra`` (empty: none)."""
    extra: dict[str, Any] = {}
    if instructions := order_instructions(order):
        extra["instructions"] = to_json(instructions)
    if order.gift_note:
        extra["gift_note"] = order.gift_note
    return extra


_NO_DIMS = (None, None, None)
_READY, _NEEDS_CORRECTION = OrderStatus.READY.value, OrderStatus.NEEDS_CORRECTION.value


def prepare_chunk(
    orders: Iterable[OrderData], validate: Validator, f: RowFormats
) -> list[PreparedOrder]:
    """Each order hashed, validated and turned into its rows, in file order."""
    when = f.when
    weight, price, gtins = f.weight, f.price, f.gtins
    zero = Decimal(0)
    prepared: list[PreparedOrder] = []
    for order in orders:
        problems = validate(order)
        c, a = order.customer, order.address
        order_id = order.id
        row = (
            order_id,
            order.tote or None,
            _NEEDS_CORRECTION if problems else _READY,
            order.priority,
            f.ship_by(order.ship_by),
            c.name,
            c.phone,
            c.email,
            c.locale,
            a.country[:2],
            a.region,
            a.city,
            a.postcode[:16],
            a.line1,
            a.line2,
            order.carrier or None,
            f.money(order.declared_value),
            order.currency[:3],
            f.problems([{"field": p.field, "message": p.message} for p in problems])
            if problems
            else f.no_problems,
            content_hash(order),
            when,
            when,
            when,
            f.extra(extra) if (extra := order_extra(order)) else f.no_extra,
            f.day(order.deliver_by),
        )
        lines = tuple(
            [
                (
                    (
                        order_id,
                        position,
                        line.sku,
                        line.name,
                        line.qty,
                        weight(line.unit_weight_g or zero),
                        price(line.unit_price),
                        line.fragile,
                        line.liquid,
                        line.marked,
                        line.hs_code,
                        *(line.dims_mm or _NO_DIMS),
                        line.serial or None,
                    ),
                    tuple([(code, gtins[code]) for code in line.barcodes]),
                )
                for position, line in enumerate(order.lines)
            ]
        )
        contact = Contact(c.name, c.email, c.phone, c.locale) if problems else None
        prepared.append(PreparedOrder(row, lines, tuple(problems), contact))
    return prepared
