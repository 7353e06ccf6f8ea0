"""A marketplace posting as a packstation order: the same validation and storage as files.

What differs from a file: the marketplace hides the buyer's name, phone and address
(the label and the buyer chat are the marketplace's), so those are not required;
the items, barcodes, weights and the ship-by are, like any order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from packstation.channels.base import MarkKind, Posting
from packstation.domain.orders import Address, Customer, LineData, OrderData, Problem
from packstation.domain.units import SerialKind
from packstation.domain.validation import validate_channel_order
from packstation.domain.workflow.units import EXPIRY, UIN

#: Order ids by marketplace: Ozon's posting number is what its pick lists and labels show;
#: a WB order id is a bare number, so it gets a prefix no file order id is likely to have.
_PREFIX = {"ozon": "", "wildberries": "WB-"}
_TITLE = {"ozon": "Ozon", "wildberries": "Wildberries"}


#: What a line asks after each unit (its `serial` flag: the station's serial step) for
#: each marketplace requirement, first first: a line asks for one thing per unit, and no
#: marketplace product needs two of these (a phone has no УИН, jewellery no best-before).
#: A marking code (`marked`) and the GTIN (the code scanned) are never asked for.
_ASKS = (
    (MarkKind.IMEI, SerialKind.IMEI.value),
    (MarkKind.UIN, UIN),
    (MarkKind.EXPIRATION, EXPIRY),
)


def order_id(kind: str, ref: str) -> str:
    return f"{_PREFIX[kind]}{ref}"


def unit_ask(required: Collection[str]) -> str:
    """The line flag for what the marketplace requires of each unit ("" for nothing to
    ask). The station's agent reads a unit's asked value back by the same rule."""
    return next((ask for kind, ask in _ASKS if kind in required), "")


def to_order(kind: str, channel: str, posting: Posting) -> OrderData:
    """The order to import for `posting`; items of the same SKU become one line."""
    lines: dict[str, LineData] = {}
    currency = ""
    for item in posting.items:
        line = lines.get(item.sku)
        if line is None:
            lines[item.sku] = LineData(
                sku=item.sku,
                name=item.name,
                barcodes=list(dict.fromkeys(item.barcodes)),
                qty=item.qty,
                unit_weight_g=item.unit_weight_g,
                marked=MarkKind.SGTIN in item.required,
                # The marketplace wants each unit's IMEI, УИН or best-before date: the
                # station asks for it after the item (a date only if the code has none).
                serial=unit_ask(item.required),
                unit_price=item.unit_price,
                dims_mm=item.dims_mm,
            )
        else:
            line.qty += item.qty
            line.barcodes.extend(b for b in item.barcodes if b not in line.barcodes)
        currency = currency or item.currency
    return OrderData(
        id=order_id(kind, posting.ref),
        ship_by=posting.ship_by,
        customer=Customer(name=f"{_TITLE[kind]} buyer", locale="ru"),
        address=Address(city=posting.city),
        carrier=(posting.delivery or _TITLE[kind])[:64],
        currency=currency[:3],
        lines=list(lines.values()),
        source=f"channel {channel}, {posting.ref}",
    )


def channel_extra(kind: str, posting: Posting) -> dict[str, Any]:
    """What the station needs of the marketplace later (kept in `orders.extra`): which
    marks each line needs before the label, the product ids, the supply or warehouse."""
    required = {
        item.sku: sorted(k.value for k in item.required) for item in posting.items if item.required
    }
    return {
        "marketplace": kind,
        "products": {item.sku: item.product_ref for item in posting.items},
        "required_marks": required,
        "warehouse_id": posting.warehouse_id,
        "group_ref": posting.group_ref,
        #: The marketplace's own facts the station hands back (WB: cargo type, rid).
        "posting": dict(posting.extra),
    }


def validator(barcode_problem: Callable[[str], str | None]) -> Callable[[OrderData], list[Problem]]:
    def validate(order: OrderData) -> list[Problem]:
        return validate_channel_order(order, barcode_problem)

    return validate
