"""Read the marketplace's announced-returns file (``packstation returns import``).

CSV: header row, then one row per returned item (``rma,order_id,sku,qty,
reason,label,announced_at``; a row without sku announces the whole order);
rows of one RMA become one return. JSON: ``{"returns": [{"rma", "order_id",
"reason", "label", "items": [{"sku", "qty"}]}]}`` or a bare list. Column and
key names have aliases (`return_id` for `rma`, `posting_number` for
`order_id`, ...). A record that cannot be understood makes the whole file a
`ReturnsFileError` naming the line and column (CSV) or the JSON path, and
nothing is imported. The file machinery is shared with the carrier-status
reader (`tabular`); the returns-desk rules are in `returns`.
"""

from __future__ import annotations

import io
import pathlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from packstation.domain.intake import is_json_file
from packstation.domain.return_rules import MAX_LABEL, MAX_REASON, MAX_RMA
from packstation.domain.tabular import (
    FieldError,
    Layout,
    csv_records,
    decode,
    json_fields,
    json_list,
    naming_field,
    parse_time,
    read_bytes,
    require_fields,
    show,
)

__all__ = [
    "COLUMN_ALIASES",
    "AnnouncedItem",
    "AnnouncedReturn",
    "ReturnsFileError",
    "read_announced",
    "validate_row",
]


@dataclass(frozen=True, slots=True)
class AnnouncedItem:
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class AnnouncedReturn:
    rma: str
    order_id: str
    items: tuple[AnnouncedItem, ...] = ()
    reason: str = ""
    label_code: str = ""
    announced_at: datetime | None = None
    #: Where in the file it came from ("line 4", "returns[2]"), for messages.
    source: str = ""


class ReturnsFileError(Exception):
    """The file cannot be read as announced returns; ``str(e)`` is ``<where>: <what>``."""

    def __init__(self, where: str, detail: str) -> None:
        self.where = where
        self.detail = detail
        text = f"{where}: {detail}" if where else detail
        super().__init__(" ".join(text.splitlines()))


#: Canonical field -> accepted column / key names (compared lower-case, ' ' and '-' as '_').
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "rma": ("rma", "return_id", "return_number", "return_no", "rma_number"),
    "order_id": ("order_id", "order", "order_number", "posting_number"),
    "sku": ("sku", "offer_id", "article"),
    "qty": ("qty", "quantity", "count"),
    "reason": ("reason", "return_reason", "customer_reason", "comment"),
    "label": ("label", "label_code", "return_label", "tracking", "tracking_number"),
    "announced_at": ("announced_at", "created_at", "time", "date"),
}
_LAYOUT = Layout(
    aliases=COLUMN_ALIASES,
    required=("rma", "order_id"),
    top_keys=("returns",),
    top_level='an object with a "returns" list, or a list of returns',
    numbers=frozenset({"qty", "order_id", "rma"}),  # numeric ids and quantities
    expected={"qty": "a whole number of at least 1"},
)


def _qty(text: str) -> int:
    if not text:
        return 1
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 1_000_000:
        raise FieldError("qty", f"expected a whole number of at least 1, got {show(text)}")
    return int(text)


def _limited(values: dict[str, str], name: str, limit: int) -> str:
    value = " ".join(values.get(name, "").split())
    if len(value) > limit:
        raise FieldError(name, f"longer than {limit} characters")
    return value


def validate_row(values: dict[str, str], source: str) -> AnnouncedReturn:
    """One announced return (or one item of it) from its canonical fields (stripped strings)."""
    rma = values.get("rma", "")
    if not rma:
        raise FieldError("rma", "return number (rma) is empty")
    if len(rma) > MAX_RMA:
        raise FieldError("rma", f"longer than {MAX_RMA} characters")
    order_id = values.get("order_id", "")
    if not order_id:
        raise FieldError("order_id", "order id is empty")
    sku = values.get("sku", "")
    items: tuple[AnnouncedItem, ...] = ()
    if sku:
        items = (AnnouncedItem(sku, _qty(values.get("qty", ""))),)
    elif values.get("qty", ""):
        raise FieldError("qty", "a quantity needs the sku it counts")
    announced_at = values.get("announced_at", "")
    return AnnouncedReturn(
        rma=rma,
        order_id=order_id,
        items=items,
        reason=_limited(values, "reason", MAX_REASON),
        label_code=_limited(values, "label", MAX_LABEL),
        announced_at=parse_time(announced_at, "announced_at") if announced_at else None,
        source=source,
    )


def _merge(rows: Iterable[AnnouncedReturn]) -> list[AnnouncedReturn]:
    """Rows of one RMA (one per item) become one return; a row naming another order is an
    error. The same sku twice adds up."""
    merged: dict[str, AnnouncedReturn] = {}
    for row in rows:
        first = merged.get(row.rma)
        if first is None:
            merged[row.rma] = row
            continue
        if first.order_id != row.order_id:
            raise ReturnsFileError(
                row.source,
                f"return {show(row.rma)} is for order {show(first.order_id)} at "
                f"{first.source}, here {show(row.order_id)}",
            )
        qty = {item.sku: item.qty for item in first.items}
        for item in row.items:
            qty[item.sku] = qty.get(item.sku, 0) + item.qty
        merged[row.rma] = replace(
            first,
            items=tuple(AnnouncedItem(sku, n) for sku, n in qty.items()),
            reason=first.reason or row.reason,
            label_code=first.label_code or row.label_code,
            announced_at=first.announced_at or row.announced_at,
        )
    return list(merged.values())


def read_announced(path: pathlib.Path) -> list[AnnouncedReturn]:
    """The whole file, or `ReturnsFileError` naming the line and column (CSV) or JSON path."""
    data = read_bytes(path, ReturnsFileError)
    rows = _json_rows(data) if is_json_file(path, data) else _csv_rows(data)
    return _merge(rows)


def _json_rows(data: bytes) -> Iterator[AnnouncedReturn]:
    base, entries = json_list(data, _LAYOUT, ReturnsFileError)
    for i, entry in enumerate(entries):
        yield from _json_return(entry, f"{base}[{i}]")


def _json_return(entry: Any, where: str) -> Iterator[AnnouncedReturn]:
    values, written = json_fields(entry, where, _LAYOUT, ReturnsFileError)
    require_fields(values, where, _LAYOUT, ReturnsFileError)
    items = entry.get("items")
    with naming_field(ReturnsFileError, where, written):
        if items is not None and not isinstance(items, list):
            raise ReturnsFileError(f"{where}.items", f"expected a list, got {show(items)}")
        whole = {k: v for k, v in values.items() if items is None or k not in ("sku", "qty")}
        row = validate_row(whole, where)
    yield row
    for j, item in enumerate(items or ()):
        at = f"{where}.items[{j}]"
        item_values, item_written = json_fields(item, at, _LAYOUT, ReturnsFileError)
        if not item_values.get("sku"):
            raise ReturnsFileError(f"{at}.sku", "sku is missing")
        with naming_field(ReturnsFileError, at, item_written):
            row = validate_row({**values, **item_values}, where)
        yield row


def _csv_rows(data: bytes) -> Iterator[AnnouncedReturn]:
    """The file is decoded whole first, so invalid UTF-8 anywhere is reported before any row."""
    text = decode(data, ReturnsFileError)
    return csv_records(io.StringIO(text, newline=""), _LAYOUT, validate_row, ReturnsFileError)
