"""Ozon JSON to packstation values and back: pure functions, no HTTP.

Kept apart from `ozon.py` so the mapping (status words, units, which product needs a
marking code, what a code check said) can be read against the schema written from
Ozon's public clients (`tests/channels/specs/ozon-fbs.schema.json`) without the call
plumbing around it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from packstation.channels.base import (
    MarkKind,
    MarkVerdict,
    Posting,
    PostingItem,
    PostingState,
    UnitMarks,
)

#: What the product API says of one Ozon SKU, JSON-ready so any cache can keep it:
#: {"barcodes": [...], "weight_g": "350" | None, "dims_mm": [l, w, h] | None}.
ProductInfo = dict[str, Any]
#: Where product facts are kept between syncs (a dict, the database): read by SKU...
ProductCache = Callable[[str], ProductInfo | None]
#: ...and written, the same two callables the Wildberries client takes.
ProductStore = Callable[[str, ProductInfo], None]

#: Ozon's `mark_type` for each kind of per-unit data it takes (the exemplar API).
MARK_TYPES: dict[MarkKind, str] = {
    MarkKind.SGTIN: "mandatory_mark",
    MarkKind.UIN: "jw_uin",
    MarkKind.IMEI: "imei",
}
_GRAMS = {"g": Decimal(1), "kg": Decimal(1000), "lb": Decimal("453.59237")}
_MILLIMETRES = {"mm": Decimal(1), "cm": Decimal(10), "in": Decimal("25.4")}
#: `/v5/.../exemplar/status` while Ozon is still checking the codes with Chestny ZNAK.
CHECKING = "validation_in_process"


def state_of(status: str) -> PostingState:
    """Ozon's posting status as packing sees it. `cancelled_from_split_pending` is a posting
    Ozon is splitting into packages, not one the buyer cancelled: OTHER, not CANCELLED."""
    if status == "awaiting_packaging":
        return PostingState.TO_PACK
    if status == "awaiting_deliver":
        return PostingState.SHIPPED
    if status == "cancelled":
        return PostingState.CANCELLED
    return PostingState.OTHER


def timestamp(at: datetime) -> str:
    """RFC 3339 in UTC, as Ozon's filters and act dates take it."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def money(value: Any) -> Decimal | None:
    """Ozon sends prices as text ("1390.0000"); anything else is no price."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def product_of(info: Mapping[str, Any] | None, attributes: Mapping[str, Any] | None) -> ProductInfo:
    """Barcodes (`/v3/product/info/list`), packed weight in grams and size in mm
    (`/v4/product/info/attributes`: `weight` + `weight_unit`, `depth`/`width`/`height` +
    `dimension_unit`). An unknown unit leaves the value out rather than guess it."""
    barcodes = [str(b) for b in (info or {}).get("barcodes") or [] if b]
    attrs = attributes or {}
    weight: str | None = None
    grams = _GRAMS.get(str(attrs.get("weight_unit", "")).lower())
    raw = attrs.get("weight")
    if grams is not None and isinstance(raw, int | float) and raw > 0:
        weight = f"{(Decimal(str(raw)) * grams).normalize():f}"
    dims: list[int] | None = None
    mm = _MILLIMETRES.get(str(attrs.get("dimension_unit", "")).lower())
    sides = [attrs.get(k) for k in ("depth", "width", "height")]
    if mm is not None and all(isinstance(s, int | float) and s > 0 for s in sides):
        dims = [round(Decimal(str(s)) * mm) for s in sides]
    if not barcodes:
        barcode = attrs.get("barcode")
        barcodes = [str(b) for b in attrs.get("barcodes") or ([barcode] if barcode else [])]
    return {"barcodes": barcodes, "weight_g": weight, "dims_mm": dims}


def _refs(values: Any) -> set[str]:
    return {str(v) for v in values or ()}


def posting_of(raw: Mapping[str, Any], products: Mapping[str, ProductInfo]) -> Posting:
    """One posting of `/v3/posting/fbs/unfulfilled/list` (or `/v3/posting/fbs/get`).

    Which units need a marking code comes with the posting itself: `requirements`
    lists the Ozon SKUs that need Chestny ZNAK (`products_requiring_mandatory_mark`) or a
    jewellery UIN (`products_requiring_jw_uin`) before the status can move on, and
    `optional.products_with_possible_mandatory_mark` those that may carry one."""
    requirements = raw.get("requirements") or {}
    sgtin = _refs(requirements.get("products_requiring_mandatory_mark"))
    uin = _refs(requirements.get("products_requiring_jw_uin"))
    possible = _refs((raw.get("optional") or {}).get("products_with_possible_mandatory_mark"))
    items = []
    for product in raw.get("products") or []:
        ref = str(product.get("sku", ""))
        info = products.get(ref) or {}
        weight = info.get("weight_g")
        dims = info.get("dims_mm")
        required = {k for k, refs in ((MarkKind.SGTIN, sgtin), (MarkKind.UIN, uin)) if ref in refs}
        items.append(
            PostingItem(
                sku=str(product.get("offer_id", "")),
                name=str(product.get("name", "")),
                qty=int(product.get("quantity", 0)),
                product_ref=ref,
                barcodes=tuple(info.get("barcodes") or ()),
                unit_weight_g=Decimal(weight) if weight else None,
                unit_price=money(product.get("price")),
                currency=str(product.get("currency_code") or ""),
                dims_mm=(int(dims[0]), int(dims[1]), int(dims[2])) if dims else None,
                required=frozenset(required),
                optional=frozenset({MarkKind.SGTIN} if ref in possible - sgtin else ()),
            )
        )
    method = raw.get("delivery_method") or {}
    analytics = raw.get("analytics_data") or {}
    address = (raw.get("customer") or {}).get("address") or {}
    barcodes = raw.get("barcodes") or {}
    extra = {
        "order_number": str(raw.get("order_number") or ""),
        "delivery_method_id": str(method.get("id") or ""),
        "upper_barcode": str(barcodes.get("upper_barcode") or ""),
        "lower_barcode": str(barcodes.get("lower_barcode") or ""),
    }
    return Posting(
        ref=str(raw["posting_number"]),
        state=state_of(str(raw.get("status", ""))),
        items=tuple(items),
        ship_by=parse_time(raw.get("shipment_date")),
        warehouse_id=str(method.get("warehouse_id") or analytics.get("warehouse_id") or ""),
        delivery=str(method.get("name") or ""),
        city=str(analytics.get("city") or address.get("city") or ""),
        extra={k: v for k, v in extra.items() if v},
    )


def label_codes(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """A posting's upper and lower barcodes (`barcodes`, whichever it has): both are printed
    on its label (diPhantxm/ozon-api-client `FBSBarcode`), so either confirms the parcel."""
    barcodes = raw.get("barcodes") or {}
    found = (str(barcodes.get(k) or "") for k in ("upper_barcode", "lower_barcode"))
    return tuple(code for code in found if code)


def skus_of(postings: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every Ozon SKU in these postings, once, in order of appearance."""
    seen: dict[str, None] = {}
    for raw in postings:
        for product in raw.get("products") or []:
            seen.setdefault(str(product.get("sku", "")), None)
    return [s for s in seen if s]


def check_result(status: str, mark: Mapping[str, Any] | None) -> tuple[bool, str]:
    """One code's verdict from `/v5/.../exemplar/status` once the check is over: accepted
    when Chestny ZNAK passed it; otherwise Ozon's own error codes are the reason."""
    if mark is None:
        if status == "ship_available":
            return True, ""
        return False, f"Ozon did not report this code ({status})"
    errors = [str(e) for e in mark.get("error_codes") or [] if e]
    check = str(mark.get("check_status") or "")
    if errors:
        return False, "; ".join(errors)
    if check == "passed" or (not check and status == "ship_available"):
        return True, ""
    return False, check or status


def warehouse_of(raw: Mapping[str, Any]) -> str:
    method = raw.get("delivery_method") or {}
    analytics = raw.get("analytics_data") or {}
    return str(method.get("warehouse_id") or analytics.get("warehouse_id") or "")


def exemplar_set(
    ref: str, current: Mapping[str, Any], assigned: Mapping[int, list[dict[str, str]]]
) -> dict[str, Any]:
    """The complete set Ozon wants: every exemplar of every product, ours with the codes
    scanned, the others as they were. A missing GTD/RNPT is declared absent."""
    products = []
    for product in current.get("products") or []:
        exemplars = []
        for exemplar in product.get("exemplars") or []:
            exemplar_id = int(exemplar["exemplar_id"])
            marks = assigned.get(exemplar_id) or [
                {"mark": str(m.get("mark")), "mark_type": str(m.get("mark_type"))}
                for m in exemplar.get("marks") or []
            ]
            item: dict[str, Any] = {"exemplar_id": exemplar_id, "marks": marks}
            for field in ("gtd", "rnpt"):
                if exemplar.get(field):
                    item[field] = str(exemplar[field])
                item[f"is_{field}_absent"] = not exemplar.get(field)
            exemplars.append(item)
        products.append({"product_id": int(product["product_id"]), "exemplars": exemplars})
    return {
        "multi_box_qty": int(current.get("multi_box_qty") or 0),
        "posting_number": ref,
        "products": products,
    }


def contents_of(raw: Mapping[str, Any]) -> dict[str, int]:
    """A posting's products: {Ozon SKU: quantity}."""
    found: dict[str, int] = {}
    for product in raw.get("products") or []:
        sku = str(product.get("sku", ""))
        found[sku] = found.get(sku, 0) + int(product.get("quantity", 0))
    return found


def box_order(
    numbers: list[str],
    contents: Mapping[str, Mapping[str, int]],
    boxes: Sequence[Sequence[tuple[str, int]]],
) -> list[str]:
    """The package postings in the order of the boxes they hold; as given when the
    contents do not tell them apart."""
    left = list(numbers)
    ordered = []
    for box in boxes:
        want: dict[str, int] = {}
        for ref, qty in box:
            want[ref] = want.get(ref, 0) + qty
        match = next((n for n in left if dict(contents[n]) == want), None)
        if match is None:
            return numbers
        ordered.append(match)
        left.remove(match)
    return ordered


#: What a unit sends: its product's Ozon SKU and its marks ({"mark", "mark_type"}).
Sent = list[tuple[str, list[dict[str, str]]]]


def assign(
    current: Mapping[str, Any], units: Sequence[UnitMarks]
) -> tuple[list[MarkVerdict], dict[int, list[dict[str, str]]], Sent]:
    """Each unit's marks on a free exemplar of its product (create-or-get's `current`):
    (verdicts of what cannot go, {exemplar_id: marks}, what is sent per unit)."""
    slots = {
        str(p.get("product_id")): [e for e in p.get("exemplars") or [] if isinstance(e, dict)]
        for p in current.get("products") or []
    }
    verdicts: list[MarkVerdict] = []
    assigned: dict[int, list[dict[str, str]]] = {}
    sent: Sent = []
    for unit in units:
        marks = []
        for kind, value in unit.marks.items():
            if kind in MARK_TYPES:
                marks.append({"mark": value, "mark_type": MARK_TYPES[kind]})
            else:
                reason = f"Ozon takes no {kind.value} per unit"
                verdicts.append(MarkVerdict(unit.product_ref, value, False, reason))
        if not marks:
            continue
        free = slots.get(unit.product_ref, [])
        used = sum(1 for product_ref, _ in sent if product_ref == unit.product_ref)
        if used >= len(free):
            why = "more units than the posting has" if free else "not in this posting"
            verdicts.extend(MarkVerdict(unit.product_ref, m["mark"], False, why) for m in marks)
            continue
        assigned[int(free[used]["exemplar_id"])] = marks
        sent.append((unit.product_ref, marks))
    return verdicts, assigned, sent


def validation_body(ref: str, sent: Sent) -> dict[str, Any]:
    """`/v5/.../exemplar/validate`: one exemplar per unit, grouped by product."""
    products: dict[str, list[dict[str, Any]]] = {}
    for product_ref, marks in sent:
        products.setdefault(product_ref, []).append({"marks": marks})
    return {
        "posting_number": ref,
        "products": [{"product_id": int(p), "exemplars": e} for p, e in products.items()],
    }


def validation_problems(answer: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """Ozon's form check of every code: {(product_ref, code): why} for those it refuses."""
    problems: dict[tuple[str, str], str] = {}
    for product in answer.get("products") or []:
        product_ref = str(product.get("product_id"))
        for exemplar in product.get("exemplars") or []:
            shared = [str(e) for e in exemplar.get("errors") or []]
            for mark in exemplar.get("marks") or []:
                errors = [str(e) for e in mark.get("errors") or []] or shared
                if mark.get("valid") is False or errors:
                    why = "; ".join(errors) or str(product.get("error") or "invalid code")
                    problems[(product_ref, str(mark.get("mark")))] = why
    return problems


def reported_marks(status: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """`/v5/.../exemplar/status` by (product_ref, code)."""
    return {
        (str(product.get("product_id")), str(mark.get("mark"))): mark
        for product in status.get("products") or []
        for exemplar in product.get("exemplars") or []
        for mark in exemplar.get("marks") or []
    }


def already_set(current: Mapping[str, Any], assigned: Mapping[int, list[dict[str, str]]]) -> bool:
    """Whether Ozon's exemplars (create-or-get) already carry exactly these marks: set by an
    earlier attempt (a retry, a held order picked up again), so they are not set again."""
    stored = {
        int(exemplar["exemplar_id"]): sorted(
            (str(m.get("mark")), str(m.get("mark_type"))) for m in exemplar.get("marks") or []
        )
        for product in current.get("products") or []
        for exemplar in product.get("exemplars") or []
    }
    return bool(assigned) and all(
        stored.get(exemplar_id) == sorted((m["mark"], m["mark_type"]) for m in marks)
        for exemplar_id, marks in assigned.items()
    )


def marks_taken(status: Mapping[str, Any], sent: Sent) -> bool:
    """Whether `/v5/.../exemplar/status` shows every code sent on its product's exemplars:
    after a lost reply to set, that is how we know Ozon took them."""
    reported = reported_marks(status)
    return all((product_ref, m["mark"]) in reported for product_ref, marks in sent for m in marks)
