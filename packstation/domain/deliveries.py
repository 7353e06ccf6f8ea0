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

import csv
import enum
import io
import json
import pathlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from packstation.domain.intake import is_json_file

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
_REQUIRED = ("parcel_id", "status", "time")
_ALIAS_OF = {alias: field for field, names in COLUMN_ALIASES.items() for alias in names}

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
_SEPARATORS = re.compile(r"[\s\-]+")
_SHOW_MAX = 40
_TOP_LEVEL_KEYS = ("statuses", "deliveries", "updates")
_TOP_LEVEL = 'an object with a "statuses" list, or a list of statuses'


def _key(name: str) -> str:
    return _SEPARATORS.sub("_", name.strip().lower())


def normalise_status(text: str) -> DeliveryStatus | None:
    """'Returned-To-Sender', 'RTS', 'undeliverable' ... -> the status; None if not a status."""
    return _STATUS_WORDS.get(_key(text))


def normalise_condition(text: str) -> Condition | None:
    """'OK', 'damaged', '' ... -> the condition; None if not a condition word."""
    return _CONDITION_WORDS.get(_key(text))


def _show(value: object) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 1] + "…"
        return json.dumps(shown, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return str(value)[:_SHOW_MAX]


class _FieldError(Exception):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(field, detail)
        self.field = field
        self.detail = detail


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _FieldError(
            "time", f"expected an ISO-8601 date-time with a timezone, got {_show(text)}"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise _FieldError("time", f"{_show(text)} has no timezone (add Z or +03:00)")
    return value


def _update(values: dict[str, str], source: str) -> DeliveryUpdate:
    """One status from its canonical fields (already stripped strings)."""
    parcel_id = values.get("parcel_id", "")
    if not parcel_id:
        raise _FieldError("parcel_id", "parcel id is empty")
    status_text = values.get("status", "")
    status = normalise_status(status_text)
    if status is None:
        raise _FieldError(
            "status",
            f"unknown status {_show(status_text)} (expected delivered, failed or returned)",
        )
    time_text = values.get("time", "")
    if not time_text:
        raise _FieldError("time", "time is empty")
    condition_text = values.get("condition", "")
    condition = normalise_condition(condition_text)
    if condition is None:
        raise _FieldError(
            "condition",
            f"unknown condition {_show(condition_text)} (expected intact, damaged or empty)",
        )
    return DeliveryUpdate(
        parcel_id=parcel_id,
        status=status,
        at=_parse_time(time_text),
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
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DeliveryFileError(file, "", f"cannot read the file: {e.strerror or e}") from e
    if is_json_file(path, data):
        return iter_deliveries_json(data, file)
    return iter_deliveries_csv(data, file)


# --------------------------------------------------------------------------- JSON


def iter_deliveries_json(data: bytes, name: str = "<json>") -> Iterator[DeliveryUpdate]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DeliveryFileError(name, f"line {line}", "invalid UTF-8") from None
    if not text.strip():
        raise DeliveryFileError(name, "", "the file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise DeliveryFileError(name, f"line {e.lineno} column {e.colno}", e.msg) from None
    except (ValueError, RecursionError) as e:
        raise DeliveryFileError(name, "", f"unreadable JSON: {e}") from None
    base = ""
    if isinstance(doc, dict):
        found = [k for k in _TOP_LEVEL_KEYS if k in doc]
        if not found:
            raise DeliveryFileError(name, "top level", f"expected {_TOP_LEVEL}, got an object")
        base = found[0]
        doc = doc[base]
        if not isinstance(doc, list):
            raise DeliveryFileError(name, base, f"expected a list, got {_show(doc)}")
    elif not isinstance(doc, list):
        raise DeliveryFileError(name, "top level", f"expected {_TOP_LEVEL}, got {_show(doc)}")
    for i, item in enumerate(doc):
        where = f"{base}[{i}]"
        keys: dict[str, str] = {}
        try:
            values, keys = _json_fields(item, where)
            yield _update(values, where)
        except _FieldError as e:
            key = keys.get(e.field, e.field)
            raise DeliveryFileError(name, f"{where}.{key}", e.detail) from None
        except _WhereError as e:
            raise DeliveryFileError(name, e.where, e.detail) from None


class _WhereError(Exception):
    def __init__(self, where: str, detail: str) -> None:
        super().__init__(where, detail)
        self.where = where
        self.detail = detail


def _json_fields(item: Any, where: str) -> tuple[dict[str, str], dict[str, str]]:
    """Canonical fields of one JSON status; the key as written is kept for messages."""
    if not isinstance(item, dict):
        raise _WhereError(where, f"expected an object, got {_show(item)}")
    values: dict[str, str] = {}
    seen: dict[str, str] = {}
    for key, value in item.items():
        field = _ALIAS_OF.get(_key(str(key)))
        if field is None:
            continue  # unknown keys are ignored
        if field in seen:
            raise _WhereError(f"{where}.{key}", f"{key!r} and {seen[field]!r} both give {field}")
        seen[field] = str(key)
        if value is None:
            values[field] = ""
        elif isinstance(value, str):
            values[field] = value.strip()
        elif field == "parcel_id" and isinstance(value, int) and not isinstance(value, bool):
            values[field] = str(value)  # numeric tracking numbers
        else:
            raise _WhereError(f"{where}.{key}", f"expected a string, got {_show(value)}")
    for field in _REQUIRED:
        if field not in values:
            raise _WhereError(f"{where}.{field}", f"{field} is missing")
    return values, seen


# --------------------------------------------------------------------------- CSV


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _decoded_lines(data: bytes, name: str) -> Iterator[str]:
    for lineno, raw in enumerate(io.BytesIO(data), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DeliveryFileError(name, f"line {lineno}", "invalid UTF-8") from None
        yield line.removeprefix("\ufeff") if lineno == 1 else line


def _csv_header(row: list[str], line: int, name: str) -> tuple[dict[str, int], dict[str, str]]:
    """Column index of each canonical field, and the column name as written in the file."""
    ix: dict[str, int] = {}
    written: dict[str, str] = {}
    for i, cell in enumerate(row):
        field = _ALIAS_OF.get(_key(cell))
        if field is None:
            continue
        if field in ix:
            raise DeliveryFileError(
                name,
                f"line {line}",
                f"columns {written[field]!r} and {cell.strip()!r} both give {field}",
            )
        ix[field] = i
        written[field] = cell.strip()
    missing = [f for f in _REQUIRED if f not in ix]
    if missing:
        raise DeliveryFileError(name, f"line {line}", f"missing column(s): {', '.join(missing)}")
    return ix, written


def iter_deliveries_csv(data: bytes, name: str = "<csv>") -> Iterator[DeliveryUpdate]:
    lines = _decoded_lines(data, name)
    first = next((ln for ln in _decoded_lines(data, name) if ln.strip()), None)
    if first is None:
        raise DeliveryFileError(name, "", "the file is empty")
    reader = csv.reader(lines, delimiter=_sniff_delimiter(first), strict=True)
    ix: dict[str, int] | None = None
    written: dict[str, str] = {}
    ncols = 0
    last = 0
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if ix is None:
                ix, written = _csv_header(row, start, name)
                ncols = len(row)
                continue
            if len(row) != ncols:
                raise DeliveryFileError(
                    name, f"line {start}", f"{len(row)} cells, the header has {ncols}"
                )
            values = {field: row[i].strip() for field, i in ix.items()}
            try:
                yield _update(values, f"line {start}")
            except _FieldError as e:
                column = written.get(e.field, e.field)
                raise DeliveryFileError(name, f"line {start}, column {column}", e.detail) from None
    except csv.Error as e:
        raise DeliveryFileError(name, f"line {last + 1}", f"malformed CSV: {e}") from None
