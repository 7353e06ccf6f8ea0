"""Practice orders for a lesson: real catalogue items, the station's own rules, a fake buyer.

The items come from the real orders (`sandbox.read_catalog`), so a trainee scans the
codes they will meet on the floor; boxes, checklists, documents and carriers are the
station config's, so the steps are the real ones. What is "in the tote" is decided here
too: the codes in the order a picker's tote would give them, marked goods with fresh
marking codes, and, for a lesson with a wrong-item fault, a wrong item in place of one
unit. Pure: the caller passes the clock's `now` and a seeded `random.Random`.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from packstation.domain.codes import parse_code
from packstation.domain.orders import Address, Customer, LineData, OrderData
from packstation.domain.rules import PackRules
from packstation.domain.validation import SIX_DIGIT_POSTCODE_COUNTRIES
from packstation.training.lessons import FaultKind, Lesson, OrderSpec

__all__ = [
    "CatalogItem",
    "PracticeError",
    "PracticeOrder",
    "PracticePlan",
    "ToteUnit",
    "catalog_from_orders",
    "marking_code",
    "practice_plan",
]

#: Practice orders are due well after any tariff's delivery time: no lesson is "late".
SHIP_BY_AFTER = timedelta(days=30)
#: A foreign country when no configured tariff names one.
FALLBACK_ABROAD = "KZ"
_SERIAL = string.ascii_letters + string.digits


class PracticeError(ValueError):
    """The catalogue cannot make this lesson (too few items, no GTIN for marked goods)."""


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One item of the real orders, as a practice order line needs it."""

    sku: str
    name: str
    #: The code printed on it (the one a trainee scans).
    barcode: str
    unit_weight_g: Decimal
    #: Its 14-digit GTIN, when the code carries one (marked goods need it).
    gtin: str | None = None
    fragile: bool = False
    liquid: bool = False
    marked: bool = False
    dims_mm: tuple[int, int, int] | None = None
    hs_code: str = ""
    unit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ToteUnit:
    """One thing in the tote: the code it carries and what it is."""

    code: str
    sku: str
    name: str
    #: Not an item of this order (the wrong-item fault).
    wrong: bool = False


@dataclass(frozen=True, slots=True)
class PracticeOrder:
    order: OrderData
    #: What the tote holds, in the order the trainee takes it out.
    tote: tuple[ToteUnit, ...]
    fault: FaultKind | None = None
    #: WRONG_ITEM: the line one unit of which is the wrong item.
    fault_sku: str = ""
    #: MISSING_DOCUMENT: the document that is not in the tray.
    missing_document: str = ""
    #: Boxes the order is packed in (CMD:NEWBOX between them).
    boxes: int = 1

    @property
    def id(self) -> str:
        return self.order.id

    @property
    def units(self) -> int:
        return sum(line.qty for line in self.order.lines)


@dataclass(frozen=True, slots=True)
class PracticePlan:
    lesson: Lesson
    #: The lesson's number in this session (order ids carry it: TRN-<seq>-<n>).
    seq: int
    orders: tuple[PracticeOrder, ...]

    def order(self, order_id: str) -> PracticeOrder | None:
        return next((o for o in self.orders if o.id == order_id), None)

    @property
    def units(self) -> int:
        return sum(o.units for o in self.orders)


def catalog_from_orders(orders: Iterable[OrderData]) -> list[CatalogItem]:
    """Distinct items (by SKU, first seen wins) of orders that have a scannable code."""
    found: dict[str, CatalogItem] = {}
    for order in orders:
        for line in order.lines:
            if line.sku in found or not line.barcodes or line.unit_weight_g is None:
                continue
            code = line.barcodes[0]
            found[line.sku] = CatalogItem(
                sku=line.sku,
                name=line.name,
                barcode=code,
                unit_weight_g=line.unit_weight_g,
                gtin=parse_code(code).gtin,
                fragile=line.fragile,
                liquid=line.liquid,
                marked=line.marked,
                dims_mm=line.dims_mm,
                hs_code=line.hs_code,
                unit_price=line.unit_price,
            )
    return list(found.values())


def marking_code(gtin14: str, rng: random.Random) -> str:
    """A Chestny ZNAK code in its short form (01 GTIN 21 serial GS 93 key): a DataMatrix of
    20x20 modules, small enough to be drawn on an 80x24 screen and scanned from it."""
    serial = "".join(rng.choice(_SERIAL) for _ in range(6))
    key = "".join(rng.choice(_SERIAL) for _ in range(4))
    return f"01{gtin14}21{serial}\x1d93{key}"


def practice_plan(
    lesson: Lesson,
    seq: int,
    items: Sequence[CatalogItem],
    rules: PackRules,
    now: datetime,
    rng: random.Random,
) -> PracticePlan:
    """The lesson's orders, numbered TRN-<seq>-1, -2, ...; the first is claimed first."""
    pool = [i for i in items if i.barcode]
    made = []
    for n, spec in enumerate(lesson.orders):
        order_id = f"TRN-{seq}-{n + 1}"
        chosen = _pick(spec, pool, rng)
        # Later lessons go first (an abandoned lesson's orders stay behind), then by number.
        priority = seq * 10 + len(lesson.orders) - n
        made.append(_practice_order(order_id, priority, spec, chosen, pool, rules, now, rng))
    return PracticePlan(lesson, seq, tuple(made))


def _pick(spec: OrderSpec, pool: list[CatalogItem], rng: random.Random) -> list[CatalogItem]:
    """Marked items first, then a fragile one if asked, then any others; all different."""
    wanted = spec.lines + (1 if spec.fault is FaultKind.WRONG_ITEM else 0)
    if len(pool) < wanted:
        raise PracticeError(
            f"the catalogue has {len(pool)} items with a barcode; this lesson needs {wanted}"
        )
    shuffled = rng.sample(pool, len(pool))
    marked = sorted((i for i in shuffled if i.gtin), key=lambda i: not i.marked)[: spec.marked]
    if len(marked) < spec.marked:
        raise PracticeError("marked goods need items with a GTIN (EAN-13, UPC, GTIN-14)")
    # A plain line gets a plain item where there is one (a marked item scanned by its EAN
    # would teach the wrong habit); a fragile one first when the lesson asks for it.
    others = sorted(
        (i for i in shuffled if i not in marked),
        key=lambda i: (i.marked, not (spec.fragile and i.fragile)),
    )
    return [*marked, *others[: spec.lines - len(marked)]]


def _practice_order(
    order_id: str,
    priority: int,
    spec: OrderSpec,
    chosen: list[CatalogItem],
    pool: list[CatalogItem],
    rules: PackRules,
    now: datetime,
    rng: random.Random,
) -> PracticeOrder:
    lines = [
        LineData(
            sku=item.sku,
            name=item.name,
            barcodes=[item.barcode],
            qty=spec.qty if i == 0 else 1,
            unit_weight_g=item.unit_weight_g,
            fragile=item.fragile,
            liquid=item.liquid,
            marked=i < spec.marked,
            hs_code=item.hs_code,
            unit_price=item.unit_price,
            dims_mm=item.dims_mm,
        )
        for i, item in enumerate(chosen)
    ]
    country = _abroad(rules) if spec.international else rules.documents.domestic_country
    prices = [line.unit_price * line.qty for line in lines if line.unit_price is not None]
    order = OrderData(
        id=order_id,
        tote=f"TOTE-{order_id}",
        priority=priority,
        ship_by=now + SHIP_BY_AFTER,
        customer=Customer(name="Training customer", phone="+79990000000", locale="ru"),
        address=Address(
            country=country,
            city="Training city",
            postcode="101000" if country.upper() in SIX_DIGIT_POSTCODE_COUNTRIES else "10115",
            line1="1 Practice street",
        ),
        declared_value=sum(prices, Decimal(0)) if prices else None,
        currency="RUB" if prices else "",
        lines=lines,
        source="training",
    )
    tote = [
        ToteUnit(
            marking_code(item.gtin, rng) if line.marked and item.gtin else item.barcode,
            item.sku,
            item.name,
        )
        for item, line in zip(chosen, lines, strict=True)
        for _ in range(line.qty)
    ]
    fault_sku = missing = ""
    if spec.fault is FaultKind.WRONG_ITEM:
        wrong = next(i for i in pool if i not in chosen)
        fault_sku = lines[-1].sku
        place = max(i for i, unit in enumerate(tote) if unit.sku == fault_sku)
        tote[place] = ToteUnit(wrong.barcode, wrong.sku, wrong.name, wrong=True)
    if spec.fault is FaultKind.MISSING_DOCUMENT:
        missing = rules.documents.required_for(country)[-1]
    return PracticeOrder(
        order, tuple(tote), spec.fault, fault_sku, missing, max(1, min(spec.boxes, len(tote)))
    )


def _abroad(rules: PackRules) -> str:
    """A country a configured tariff ships to, other than the home country."""
    home = rules.documents.domestic_country.upper()
    for carrier in rules.carriers:
        for tariff in carrier.tariffs:
            for country in tariff.countries:
                if country.upper() != home:
                    return country.upper()
    return FALLBACK_ABROAD if home != FALLBACK_ABROAD else "BY"
