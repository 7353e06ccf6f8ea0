"""Read carrier status files (CSV or JSON) into `DeliveryUpdate`s.

A carrier reports what happened to each parcel: delivered (with the condition
on arrival), failed (undeliverable, with a reason), or returned to sender.
Carriers spell things differently, so column/key names and status words have
aliases (`parcel` for `parcel_id`, `delivered_at` for `time`, `RTS` for
returned, ...). A row that cannot be understood makes the whole file an error
naming the line and column (CSV) or the JSON path: the importer then stores
nothing, as with order files.

CSV: header row, then one status per row; comma, or ``;``/tab when the
header clearly uses them; UTF-8 with or without BOM; LF or CRLF. Rows are
read one at a time (`iter_deliveries_csv`). JSON: ``{"statuses": [...]}``
(also ``"deliveries"``/``"updates"``) or a bare list of objects; it is decoded
as a whole, carrier status exports being small next to order files.
"""

from __future__ import annotations

import enum
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from packstation.domain.intake import is_json_file
from packstation.domain.tabular import (
    FieldError,
    Layout,
    csv_records,
    decoded_lines,
    json_fields,
    json_list,
    naming_field,
    norm_key,
    parse_time,
    read_bytes,
    require_fields,
    show,
)

__all__ = [
    "COLUMN_ALIASES",
    "Condition",
    "DeliveryFileError",
    "DeliveryStatus",
    "DeliveryUpdate",
    "iter_deliveries",
    "iter_deliveries_csv",
    "iter_deliveries_json",
    "normalise_condition",
    "normalise_status",
    "read_deliveries",
]


class DeliveryStatus(enum.StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    RETURNED = "returned"


class Condition(enum.StrEnum):
    INTACT = "intact"
    DAMAGED = "damaged"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class DeliveryUpdate:
    parcel_id: str
    status: DeliveryStatus
    #: When the carrier says it happened (timezone-aware).
    at: datetime
    reason: str = ""
    condition: Condition = Condition.UNKNOWN
    #: Where in the file it came from ("line 4", "statuses[2]"), for messages.
    source: str = ""


class DeliveryFileError(Exception):
    """The file cannot be read as carrier statuses; ``str(e)`` is ``<where>: <what>``."""

    def __init__(self, file: str, where: str, detail: str) -> None:
        self.file = file
        self.where = where
        self.detail = detail
        text = f"{where}: {detail}" if where else detail
        super().__init__(" ".join(text.splitlines()))


#: Canonical field -> accepted column / key names (compared lower-case, ' ' and '-' as '_').
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "parcel_id": ("parcel_id", "parcel", "parcel_no", "parcel_number", "tracking", "tracking_id",
                  "tracking_number", "shipment_id"),
    "status": ("status", "state", "delivery_status"),
    "time": ("time", "at", "timestamp", "datetime", "event_time", "status_time", "delivered_at",
             "date"),
    "reason": ("reason", "failure_reason", "comment", "note"),
    "condition": ("condition", "condition_on_arrival", "arrival_condition", "parcel_condition"),
}  # fmt: skip

_STATUS_WORDS: dict[str, DeliveryStatus] = {
    **dict.fromkeys(
        ("delivered", "delivery", "handed_over", "received", "completed"), DeliveryStatus.DELIVERED
    ),
    **dict.fromkeys(
        ("failed", "fail", "undeliverable", "not_delivered", "delivery_failed", "failed_attempt"),
        DeliveryStatus.FAILED,
    ),
    **dict.fromkeys(
        ("returned", "returned_to_sender", "return_to_sender", "rts", "returning_to_sender"),
        DeliveryStatus.RETURNED,
    ),
}
_CONDITION_WORDS: dict[str, Condition] = {
    **dict.fromkeys(("intact", "ok", "good", "undamaged", "fine"), Condition.INTACT),
    **dict.fromkeys(("damaged", "damage", "broken", "crushed", "wet", "torn"), Condition.DAMAGED),
    **dict.fromkeys(("", "unknown", "n/a", "na", "-"), Condition.UNKNOWN),
}
_LAYOUT = Layout(
    aliases=COLUMN_ALIASES,
    required=("parcel_id", "status", "time"),
    top_keys=("statuses", "deliveries", "updates"),
    top_level='an object with a "statuses" list, or a list of statuses',
    numbers=frozenset({"parcel_id"}),  # numeric tracking numbers
)


def normalise_status(text: str) -> DeliveryStatus | None:
    """'Returned-To-Sender', 'RTS', 'undeliverable' ... -> the status; None if not a status."""
    return _STATUS_WORDS.get(norm_key(text))


def normalise_condition(text: str) -> Condition | None:
    """'OK', 'damaged', '' ... -> the condition; None if not a condition word."""
    return _CONDITION_WORDS.get(norm_key(text))


def _update(values: dict[str, str], source: str) -> DeliveryUpdate:
    """One status from its canonical fields (already stripped strings)."""
    parcel_id = values.get("parcel_id", "")
    if not parcel_id:
        raise FieldError("parcel_id", "parcel id is empty")
    status_text = values.get("status", "")
    status = normalise_status(status_text)
    if status is None:
        raise FieldError(
            "status",
            f"unknown status {show(status_text)} (expected delivered, failed or returned)",
        )
    time_text = values.get("time", "")
    if not time_text:
        raise FieldError("time", "time is empty")
    condition_text = values.get("condition", "")
    condition = normalise_condition(condition_text)
    if condition is None:
        raise FieldError(
            "condition",
            f"unknown condition {show(condition_text)} (expected intact, damaged or empty)",
        )
    return DeliveryUpdate(
        parcel_id=parcel_id,
        status=status,
        at=parse_time(time_text, "time"),
        reason=" ".join(values.get("reason", "").split()),
        condition=condition,
        source=source,
    )


# --------------------------------------------------------------------------- entry points


def read_deliveries(path: pathlib.Path) -> list[DeliveryUpdate]:
    """The whole file; a `DeliveryFileError` means nothing in it may be used."""
    return list(iter_deliveries(path))


def iter_deliveries(path: pathlib.Path) -> Iterator[DeliveryUpdate]:
    """Format by suffix (.json/.csv), else by the first character ('{' or '[' is JSON).

    The error for a bad row may come after earlier rows were yielded: consume
    it inside one transaction (as `import_deliveries` callers do).
    """
    file = str(path)
    data = read_bytes(path, partial(DeliveryFileError, file))
    if is_json_file(path, data):
        return iter_deliveries_json(data, file)
    return iter_deliveries_csv(data, file)


def iter_deliveries_json(data: bytes, name: str = "<json>") -> Iterator[DeliveryUpdate]:
    fail = partial(DeliveryFileError, name)
    base, records = json_list(data, _LAYOUT, fail)
    for i, record in enumerate(records):
        where = f"{base}[{i}]"
        values, written = json_fields(record, where, _LAYOUT, fail)
        require_fields(values, where, _LAYOUT, fail)
        with naming_field(fail, where, written):
            update = _update(values, where)
        yield update


def iter_deliveries_csv(data: bytes, name: str = "<csv>") -> Iterator[DeliveryUpdate]:
    """Rows are read (and decoded) one at a time."""
    fail = partial(DeliveryFileError, name)
    return csv_records(decoded_lines(data, fail), _LAYOUT, _update, fail, need_header=False)
