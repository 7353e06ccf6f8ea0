"""Wildberries JSON to packstation values and back: pure functions, no HTTP.

Kept apart from `wildberries.py` so the mapping (price units, status words, the
checks WB makes on metadata) can be read against the published OpenAPI document
(`tests/channels/specs/wb-03-orders-fbs.yaml`) without the call plumbing around it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from packstation.channels.base import MarkKind, Posting, PostingItem, PostingState

#: WB publishes dates without a zone (`sellerDate` "02.06.2025"); they are Moscow dates.
MSK = timezone(timedelta(hours=3), "MSK")

#: `currencyCode` is ISO 4217 numeric; these are the currencies WB sells in.
CURRENCIES = {
    643: "RUB",
    933: "BYN",
    398: "KZT",
    51: "AMD",
    417: "KGS",
    860: "UZS",
    944: "AZN",
    981: "GEL",
    972: "TJS",
    949: "TRY",
    156: "CNY",
    840: "USD",
    978: "EUR",
}

#: `wbStatus` words that mean the order will not (or did not) reach the buyer.
CANCELLED_WB = frozenset({"canceled", "canceled_by_client", "declined_by_client", "defect"})

#: What WB checks on each metadata value (the spec's minLength/maxLength/format), so a
#: value WB would answer 400 is refused here with a reason the packer can act on.
_META_LENGTH = {
    MarkKind.SGTIN: (16, 135),
    MarkKind.UIN: (16, 16),
    MarkKind.IMEI: (15, 15),
    MarkKind.GTIN: (13, 13),
}
_DDMMYYYY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

ProductInfo = dict[str, Any]


def state_of(supplier_status: str, wb_status: str) -> PostingState:
    """`supplierStatus` is what the seller did, `wbStatus` what WB did; a cancellation on
    either side wins, then the seller's status says whether it is still ours to pack."""
    if supplier_status == "cancel" or wb_status in CANCELLED_WB:
        return PostingState.CANCELLED
    if supplier_status in ("new", "confirm"):
        return PostingState.TO_PACK
    if supplier_status == "complete":
        return PostingState.SHIPPED
    return PostingState.OTHER


def money(value: Any) -> Decimal | None:
    """WB prices are integers "multiplied by 100" (kopecks for roubles)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def marks(words: Any) -> frozenset[MarkKind]:
    """`requiredMeta`/`optionalMeta` words we know; an unknown word is not ours to capture."""
    known = {k.value for k in MarkKind}
    return frozenset(MarkKind(w) for w in words or () if isinstance(w, str) and w in known)


def product_of(card: Mapping[str, Any]) -> ProductInfo:
    """What packing needs of a product card, JSON-ready for a cache: the title, the gross
    weight (WB: kg) in grams and the packed size (WB: cm) in mm."""
    dims = card.get("dimensions") or {}
    weight: str | None = None
    try:
        kg = Decimal(str(dims.get("weightBrutto")))
        if kg.is_finite() and kg > 0:
            weight = f"{(kg * 1000).normalize():f}"
    except InvalidOperation:
        weight = None
    sides = [dims.get(k) for k in ("length", "width", "height")]
    size = [int(s) * 10 for s in sides if isinstance(s, int) and s > 0]
    return {
        "title": str(card.get("title") or card.get("subjectName") or ""),
        "weight_g": weight,
        "dims_mm": size if len(size) == 3 else None,
    }


def ship_by_of(order: Mapping[str, Any], ship_within: timedelta | None) -> datetime | None:
    """The FBS order list carries no deadline. `sellerDate` (oversized goods only: the
    recommended day to bring it to WB) is used when present, as the start of that Moscow
    day; otherwise `createdAt` + the channel's `ship_within_h` if configured; else None."""
    seller_date = order.get("sellerDate")
    if isinstance(seller_date, str) and (m := _DDMMYYYY.fullmatch(seller_date.strip())):
        day, month, year = (int(g) for g in m.groups())
        try:
            return datetime(year, month, day, tzinfo=MSK)
        except ValueError:
            pass
    created = order.get("createdAt")
    if ship_within is not None and isinstance(created, str):
        try:
            at = datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return None
        return at + ship_within if at.tzinfo is not None else None
    return None


def posting_of(
    order: Mapping[str, Any], product: ProductInfo | None, ship_within: timedelta | None
) -> Posting:
    """One WB assembly task = one unit of one product = one posting with one item."""
    info = product or {}
    article = str(order.get("article") or "")
    weight = info.get("weight_g")
    dims = info.get("dims_mm")
    item = PostingItem(
        sku=article,
        name=str(info.get("title") or article),
        qty=1,
        product_ref=str(order.get("nmId", "")),
        barcodes=tuple(str(s) for s in order.get("skus") or ()),
        unit_weight_g=Decimal(weight) if weight is not None else None,
        unit_price=money(order.get("price")),
        currency=CURRENCIES.get(order.get("currencyCode") or 0, ""),
        dims_mm=(int(dims[0]), int(dims[1]), int(dims[2])) if dims else None,
        required=marks(order.get("requiredMeta")),
        optional=marks(order.get("optionalMeta")),
    )
    extra = {
        "rid": order.get("rid"),
        "order_uid": order.get("orderUid"),
        "cargo_type": order.get("cargoType"),
        "chrt_id": order.get("chrtId"),
        "office_id": order.get("officeId"),
        "offices": ", ".join(str(o) for o in order.get("offices") or ()),
        "comment": order.get("comment"),
    }
    return Posting(
        ref=str(order.get("id", "")),
        state=PostingState.TO_PACK,
        items=(item,),
        ship_by=ship_by_of(order, ship_within),
        warehouse_id=str(order.get("warehouseId", "")),
        group_ref=str(order.get("supplyId") or ""),
        extra={k: str(v) for k, v in extra.items() if v not in (None, "")},
    )


def meta_problem(kind: MarkKind, value: str) -> str:
    """Why WB would refuse this value before it is sent ('' when it looks right)."""
    if kind is MarkKind.EXPIRATION:
        return "" if expiration(value) else "a best-before date is dd.mm.yyyy or yyyy-mm-dd"
    low, high = _META_LENGTH[kind]
    if low <= len(value) <= high:
        return ""
    want = f"{low}" if low == high else f"{low} to {high}"
    return f"WB takes a {kind.value} of {want} characters, this one has {len(value)}"


def wb_value(kind: MarkKind, value: str) -> str:
    """A captured value as WB's `meta/<kind>` takes it. A GTIN goes as 13 digits (the
    spec's minLength = maxLength = 13: an EAN-13) where the station keeps GTIN-14
    (`domain/check_digits.gtin14`), whose leading 0 only pads an EAN-13; a date as dd.mm.yyyy.
    Anything else, and a value WB cannot take, goes as it is (`meta_problem` says why)."""
    if kind is MarkKind.GTIN and len(value) == 14 and value.isdigit() and value[0] == "0":
        return value[1:]
    if kind is MarkKind.EXPIRATION:
        return expiration(value) or value
    return value


def expiration(value: str) -> str:
    """The date as WB wants it (dd.mm.yyyy); '' when it is not a date."""
    value = value.strip()
    if m := _DDMMYYYY.fullmatch(value):
        day, month, year = m.groups()
    elif m := _ISO_DATE.fullmatch(value):
        year, month, day = m.groups()
    else:
        return ""
    try:
        datetime(int(year), int(month), int(day))
    except ValueError:
        return ""
    return f"{day}.{month}.{year}"
