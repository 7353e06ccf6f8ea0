"""Read order files (JSON or CSV, formats in shared/fixtures/) into `OrderData`.

Intake decides only whether a file can be read as orders at all: structure,
types, order ids. Whether an order can be *packed* (postcode, contact, ...) is
`validation`'s job, so one bad postcode sends one order back to the buyer
instead of rejecting the file, while a string quantity or a missing column
rejects the file before anything is stored. Missing fields are therefore not
errors here: they get empty defaults and validation names them.

Per-line work is cheap (no per-line regex compiles, no copies). The
`iter_orders*` generators yield one order at a time (JSON is decoded order by
order, CSV is read in two passes), so an importer working in batches never
holds the whole file as objects: a 100,000-line file stays far below the
300 MB budget. The `read_orders*` functions return the full list.

Hostile or broken files are refused with one line, before anything is stored, in
bounded memory (`IntakeLimits`, each limit a parameter so tests can use small ones):
a file larger than `max_file_bytes` (64 MiB, about 300,000 lines; 100,000 lines are
about 20 MB) is refused from its size, before it is read, and never more than that
is read even from a file that grows or is not a regular file; in JSON, an order (and
any other top-level value) nested deeper than `max_json_depth` levels (32; an order
needs 4), and beyond the decoder's own recursion guard (Python's recursion limit,
about 1,000 levels) the decoder stops at once; in CSV, a physical line longer than
`max_csv_line_bytes` (1 MiB) is refused before it is decoded, and a field longer than
the csv module's `field_size_limit` (131,072 characters by default). What a file
can cost is thus its size (read once), its text (JSON: up to 4 bytes per character),
and one line or one order at a time.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import pathlib
import re
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from packstation.domain.orders import Address, Customer, LineData, OrderData

__all__ = [
    "CSV_COLUMNS",
    "CSV_REQUIRED_COLUMNS",
    "IntakeLimits",
    "OrderFileError",
    "normalise_locale",
    "read_orders",
    "read_orders_csv",
    "read_orders_json",
    "iter_orders",
    "iter_orders_csv",
    "iter_orders_json",
    "read_limited",
]

#: Columns the CSV reader understands; any other column is ignored.
CSV_COLUMNS = (
    "order_id",
    "tote",
    "priority",
    "ship_by",
    "customer_name",
    "phone",
    "email",
    "locale",
    "country",
    "region",
    "city",
    "postcode",
    "line1",
    "line2",
    "sku",
    "name",
    "barcodes",
    "qty",
    "unit_weight_g",
    "fragile",
    "liquid",
    "marked",
    "hs_code",
    "unit_price",
    "price",
    "carrier",
    "declared_value",
    "currency",
)
#: Without these a CSV row cannot even be placed in an order.
CSV_REQUIRED_COLUMNS = ("order_id", "sku", "qty")

_LOCALES = frozenset({"ru", "en"})
_DEFAULT_LOCALE = "ru"
_CSV_BOOLS = {
    "true": True,
    "yes": True,
    "1": True,
    "false": False,
    "no": False,
    "0": False,
    "": False,
}
_LEADING_SPACE = re.compile(rb"\s*")
_SHOW_MAX = 40
_MAX_DIGITS = 18  # numbers of 10**18 or more are a broken export, not data (and overflow BIGINT)
_INT_LIMIT = 10**_MAX_DIGITS
_TOP_LEVEL = 'an object with an "orders" list, or a list of orders'
_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=Decimal)
_JSON_WS = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True, slots=True)
class IntakeLimits:
    """What an order file may cost; past a limit the file is refused with one line.

    `max_file_bytes` is `[intake] max_file_mb` in the station config."""

    #: Largest file read (bytes); 100,000 lines are about 20 MB as JSON or CSV.
    max_file_bytes: int = 64 * 2**20
    #: Deepest nesting of one order (or any other top-level value), in JSON levels.
    max_json_depth: int = 32
    #: Longest physical CSV line (bytes, without its line end).
    max_csv_line_bytes: int = 2**20


DEFAULT_LIMITS = IntakeLimits()


class OrderFileError(Exception):
    """The file cannot be read as orders at all (not: an order is invalid).

    `str(e)` is one line, ``<where>: <what>``, where `where` is a JSON path
    (``orders[2].lines[0].qty``) or a CSV position (``line 5, column qty``), so
    the operator can fix the file. The file name is not repeated in it (the
    CLI already says which file); it is kept in `file` for callers that need it.
    """

    def __init__(self, file: str, where: str, detail: str) -> None:
        self.file = file
        self.where = where
        self.detail = detail
        text = f"{where}: {detail}" if where else detail
        super().__init__(" ".join(text.splitlines()))


class _FieldError(Exception):
    """A type error at a JSON path or CSV column; the caller adds the file position."""

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(where, detail)
        self.where = where
        self.detail = detail


# --------------------------------------------------------------------------- entry points


def read_orders(path: pathlib.Path, limits: IntakeLimits = DEFAULT_LIMITS) -> list[OrderData]:
    """Read a whole order file; format by suffix (.json/.csv), else by its first character."""
    return list(iter_orders(path, limits))


def read_orders_json(
    data: bytes, name: str = "<json>", limits: IntakeLimits = DEFAULT_LIMITS
) -> list[OrderData]:
    """Read ``{"orders": [...]}`` or a bare list of orders."""
    return list(iter_orders_json(data, name, limits))


def read_orders_csv(
    data: bytes, name: str = "<csv>", limits: IntakeLimits = DEFAULT_LIMITS
) -> list[OrderData]:
    """Read one row per order line; rows sharing an order_id form one order (first-seen order)."""
    return list(iter_orders_csv(data, name, limits))


def iter_orders(path: pathlib.Path, limits: IntakeLimits = DEFAULT_LIMITS) -> Iterator[OrderData]:
    """Like `read_orders`, but one order at a time so an importer can work in batches.

    A file error may be raised after some orders were yielded: import inside
    one transaction, or use `read_orders`, if a bad file must store nothing.
    """
    file = str(path)
    data = read_limited(
        path,
        limits.max_file_bytes,
        lambda detail: OrderFileError(file, "", detail),
        "an order file",
    )
    if is_json_file(path, data):
        return iter_orders_json(data, file, limits)
    return iter_orders_csv(data, file, limits)


def _size(n: int) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.1f} GiB"
    if n >= 2**20:
        return f"{n / 2**20:.1f} MiB"
    return f"{n} bytes"


def read_limited(
    path: pathlib.Path, max_bytes: int, fail: Callable[[str], Exception], what: str = "a file"
) -> bytes:
    """The file's bytes, at most `max_bytes`: a larger file is refused from its size before it
    is read, and no more than ``max_bytes + 1`` bytes are ever read (a file that grows, a
    pipe or a device). Shared by every importer of exported files."""
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size <= max_bytes:
                data = fh.read(size + 1)  # one buffer of the file's size
                if len(data) > size:  # it grew, or a pipe or device that has no size
                    data += fh.read(max_bytes + 1 - len(data))
                    size = len(data)
    except OSError as e:
        raise fail(f"cannot read the file: {e.strerror or e}") from e
    if size > max_bytes:
        raise fail(
            f"the file is {_size(size)} ({size} bytes), larger than the {_size(max_bytes)} "
            f"{what} may have"
        )
    return data


def is_json_file(path: pathlib.Path, data: bytes) -> bool:
    """JSON or CSV: by suffix, else by the first character ('{' or '[' is JSON).

    Shared by every importer of exported files (orders, carrier statuses).
    """
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    end = _content_start(data)
    return data[end : end + 1] in (b"{", b"[")


def iter_orders_json(
    data: bytes, name: str = "<json>", limits: IntakeLimits = DEFAULT_LIMITS
) -> Iterator[OrderData]:
    """Parse the orders list element by element: the full JSON tree never exists at once."""
    text = _decode(data, name)
    del data  # the text is all that is needed from here on (the caller may drop its bytes)
    pos = _skip_ws(text, 0)
    if pos == len(text):
        raise OrderFileError(name, "", "the file is empty")
    depth = limits.max_json_depth
    try:
        first = text[pos]
        if first == "[":
            pos = yield from _json_orders_array(text, pos, name, depth)
        elif first == "{":
            pos = yield from _json_top_object(text, pos, name, depth)
        else:
            value, _ = _decode_value(text, pos, name, "top level", depth)
            raise OrderFileError(name, "top level", f"expected {_TOP_LEVEL}, got {_show(value)}")
        pos = _skip_ws(text, pos)
        if pos != len(text):
            raise json.JSONDecodeError("Extra data", text, pos)
    except json.JSONDecodeError as e:
        raise OrderFileError(name, f"line {e.lineno} column {e.colno}", e.msg) from None
    except ValueError as e:  # e.g. an integer literal of thousands of digits
        raise OrderFileError(name, "", f"unreadable JSON: {e}") from None
    except RecursionError:  # not inside a value (`_decode_value` names where)
        raise OrderFileError(name, "", _too_deep(depth)) from None


def iter_orders_csv(
    data: bytes, name: str = "<csv>", limits: IntakeLimits = DEFAULT_LIMITS
) -> Iterator[OrderData]:
    """Yield each order as soon as its last row has been read, in first-seen order.

    Two passes: the first checks the structure (header, cell counts, ids,
    quoting, UTF-8) and counts each order's rows, so structural errors come
    before any order, and the second holds only orders still waiting for rows
    (one at a time when, as usual, an order's rows are contiguous).
    Order-level columns are taken from an order's first row; later rows'
    order-level cells are ignored.
    """
    if _is_blank(data):
        raise OrderFileError(name, "", "the file is empty")
    delimiter = _sniff_delimiter(data)

    max_line = limits.max_csv_line_bytes
    rows = _csv_records(data, name, delimiter, max_line)
    header = next(rows, None)
    if header is None:
        raise OrderFileError(name, "", "no header row")
    header_line, header_row = header
    ix = _csv_header(header_row, header_line, name)
    ncols = len(header_row)
    id_col = ix["order_id"]
    remaining: dict[str, int] = {}
    for line, row in rows:
        if len(row) != ncols:
            raise OrderFileError(
                name, f"line {line}", f"expected {ncols} cells as in the header, got {len(row)}"
            )
        order_id = row[id_col].strip()
        if not order_id:
            raise OrderFileError(name, f"line {line}, column order_id", "order id is empty")
        remaining[order_id] = remaining.get(order_id, 0) + 1

    pending: dict[str, OrderData] = {}
    queue: deque[str] = deque()  # ids of pending orders, first-seen first
    rows = _csv_records(data, name, delimiter, max_line)
    next(rows)  # the header, checked above
    for line, row in rows:
        order_id = row[id_col].strip()
        try:
            order = pending.get(order_id)
            if order is None:
                order = pending[order_id] = _csv_order(row, ix, order_id, line)
                queue.append(order_id)
            order.lines.append(_csv_line(row, ix))
        except _FieldError as e:
            raise OrderFileError(name, f"line {line}, column {e.where}", e.detail) from None
        remaining[order_id] -= 1
        while queue and not remaining[queue[0]]:
            yield pending.pop(queue.popleft())


# --------------------------------------------------------------------------- shared helpers


def normalise_locale(value: str) -> str:
    """'RU', 'ru-RU', 'en_GB' -> 'ru'/'en'; anything else -> 'ru' (notifications exist in ru/en)."""
    lang = value.strip().lower().replace("_", "-").partition("-")[0]
    return lang if lang in _LOCALES else _DEFAULT_LOCALE


def _content_start(data: bytes) -> int:
    """Offset of the first byte after any BOM and leading whitespace (without copying)."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    match = _LEADING_SPACE.match(data, start)
    return match.end() if match else start


def _is_blank(data: bytes) -> bool:
    return _content_start(data) == len(data)


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        offset = e.start + (len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0)
        raise _utf8_error(name, data, offset) from None


def _utf8_error(name: str, data: bytes, offset: int) -> OrderFileError:
    line = data.count(b"\n", 0, offset) + 1
    return OrderFileError(
        name, f"line {line}", f"invalid UTF-8 at byte offset {offset} (byte 0x{data[offset]:02x})"
    )


def _csv_records(
    data: bytes, name: str, delimiter: str, max_line: int
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the physical line each starts on."""
    reader = csv.reader(_decoded_lines(data, name, max_line), delimiter=delimiter, strict=True)
    last = 0  # physical line where the previous record ended
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if any(cell.strip() for cell in row):  # else a blank line or a row of empty cells
                yield start, row
    except csv.Error as e:  # raised while reading the record that starts after `last`
        raise OrderFileError(name, f"line {last + 1}", f"malformed CSV: {e}") from None


def _decoded_lines(data: bytes, name: str, max_line: int) -> Iterator[str]:
    """Decode line by line: no second full copy of the file, and errors know their line.

    A line longer than `max_line` bytes is refused before it is copied or decoded."""
    offset, size = 0, len(data)
    lineno = 0
    while offset < size:
        lineno += 1
        end = data.find(b"\n", offset, offset + max_line + 2)
        if end < 0:
            end = size
        else:
            end += 1
        length = end - offset - (data[end - 1 : end] == b"\n") - (data[end - 2 : end] == b"\r\n")
        if length > max_line:
            raise OrderFileError(
                name,
                f"line {lineno}",
                f"the line is longer than {max_line} bytes (the limit for one CSV line)",
            )
        raw = data[offset:end]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise _utf8_error(name, data, offset + e.start) from None
        if lineno == 1:
            line = line.removeprefix("\ufeff")
        offset = end
        yield line


def _show(value: object) -> str:
    """A JSON value as the file's author would recognise it, short and on one line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 1] + "…"
        return json.dumps(shown, ensure_ascii=False)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    shown = str(value)
    return shown if len(shown) <= _SHOW_MAX else shown[: _SHOW_MAX - 1] + "…"


def _cell_repr(value: str) -> str:
    return repr(value if len(value) <= _SHOW_MAX else value[: _SHOW_MAX - 1] + "…")


def _parse_datetime(text: str) -> datetime | None:
    """ISO-8601 with a timezone, or None; a deadline without a zone is ambiguous."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None and value.utcoffset() is not None else None


def _parse_decimal(text: str) -> Decimal | None:
    """A finite decimal in plain ASCII notation, or None."""
    if not text.isascii() or "_" in text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if _sane(value) else None


def _sane(value: Decimal) -> bool:
    """Finite and below 10**18: NaN or 1e999999999 is a broken export, not a weight or a price."""
    return value.is_finite() and value.adjusted() < _MAX_DIGITS


def _whole(value: Decimal) -> int | None:
    """An integral decimal of sane size as int ("1e999999999" must not become a huge int)."""
    if _sane(value) and value == value.to_integral_value():
        return int(value)
    return None


def _parse_whole(text: str) -> int | None:
    if not text.isascii() or "_" in text:
        return None
    value = _parse_decimal(text)
    return None if value is None else _whole(value)


# --------------------------------------------------------------------------- JSON


def _skip_ws(text: str, pos: int) -> int:
    match = _JSON_WS.match(text, pos)
    return match.end() if match else pos


def _too_deep(limit: int) -> str:
    return f"JSON nested deeper than {limit} levels (an order needs 4)"


def _depth_over(value: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` levels (the value itself is 1)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item if isinstance(v, dict | list))
    return False


def _decode_value(text: str, pos: int, name: str, where: str, limit: int) -> tuple[Any, int]:
    """One JSON value at `pos` and the position after it, nested at most `limit` levels.

    Deeper than the decoder's recursion guard (about 1,000 levels) it stops at once with a
    RecursionError; below that, a value whose brackets could nest deeper than `limit`
    (more of them than `limit`: rare, large orders) is measured."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except RecursionError:
        raise OrderFileError(name, where, _too_deep(limit)) from None
    if isinstance(value, dict | list) and (
        text.count("[", pos, end) + text.count("{", pos, end) > limit and _depth_over(value, limit)
    ):
        raise OrderFileError(name, where, _too_deep(limit))
    return value, end


def _json_top_object(text: str, pos: int, name: str, depth: int) -> Generator[OrderData, None, int]:
    """Walk the top-level object's keys, streaming "orders" and skipping the rest."""
    pos = _skip_ws(text, pos + 1)
    found = False
    if text.startswith("}", pos):
        pos += 1
    else:
        while True:
            if not text.startswith('"', pos):
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, pos
                )
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip_ws(text, pos)
            if not text.startswith(":", pos):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
            pos = _skip_ws(text, pos + 1)
            if key != "orders":  # unknown top-level field: ignored
                _, pos = _decode_value(text, pos, name, _show(key), depth)
            elif found:
                raise OrderFileError(name, "orders", 'the "orders" key appears twice')
            elif text.startswith("[", pos):
                found = True
                pos = yield from _json_orders_array(text, pos, name, depth)
            else:
                value, pos = _decode_value(text, pos, name, "orders", depth)
                raise OrderFileError(name, "orders", f"expected a list, got {_show(value)}")
            pos = _skip_ws(text, pos)
            if text.startswith(",", pos):
                pos = _skip_ws(text, pos + 1)
            elif text.startswith("}", pos):
                pos += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
    if not found:
        raise OrderFileError(name, "top level", f"expected {_TOP_LEVEL}, got an object")
    return pos


def _json_orders_array(
    text: str, pos: int, name: str, depth: int
) -> Generator[OrderData, None, int]:
    """Decode, convert and yield one order at a time from the list starting at `pos`."""
    pos = _skip_ws(text, pos + 1)
    if text.startswith("]", pos):
        return pos + 1
    first_seen: dict[str, int] = {}
    i = 0
    while True:
        item, pos = _decode_value(text, pos, name, f"orders[{i}]", depth)
        try:
            order = _json_order(item, f"orders[{i}]")
        except _FieldError as e:
            raise OrderFileError(name, e.where, e.detail) from None
        first = first_seen.setdefault(order.id, i)
        if first != i:
            raise OrderFileError(
                name,
                f"orders[{i}].id",
                f"duplicate order id {_show(order.id)} (first at orders[{first}])",
            )
        del item
        yield order
        i += 1
        pos = _skip_ws(text, pos)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
        elif text.startswith("]", pos):
            return pos + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


def _j_obj(parent: dict[str, Any], key: str, base: str) -> dict[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise _FieldError(f"{base}.{key}", f"expected an object, got {_show(value)}")


def _j_str(obj: dict[str, Any], key: str, base: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    raise _FieldError(f"{base}.{key}", f"expected a string, got {_show(value)}")


def _j_int(obj: dict[str, Any], key: str, base: str) -> int:
    value = obj.get(key)
    if value is None:
        return 0
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < _INT_LIMIT:
        return value
    if isinstance(value, Decimal):
        whole = _whole(value)  # 2.0 is a whole number written by a float-happy exporter
        if whole is not None:
            return whole
    raise _FieldError(f"{base}.{key}", f"expected a whole number, got {_show(value)}")


def _j_number(obj: dict[str, Any], key: str, base: str) -> Decimal | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < _INT_LIMIT:
        return Decimal(value)
    if isinstance(value, Decimal) and _sane(value):
        return value
    raise _FieldError(f"{base}.{key}", f"expected a number, got {_show(value)}")


def _j_money(obj: dict[str, Any], key: str, base: str) -> Decimal | None:
    """Money may be a JSON number or a decimal string ("5490.00"), as exporters differ."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        if not value.strip():
            return None
        parsed = _parse_decimal(value.strip())
        if parsed is not None:
            return parsed
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) < _INT_LIMIT:
        return Decimal(value)
    elif isinstance(value, Decimal) and _sane(value):
        return value
    raise _FieldError(f"{base}.{key}", f"expected an amount, got {_show(value)}")


def _j_bool(obj: dict[str, Any], key: str, base: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise _FieldError(f"{base}.{key}", f"expected true or false, got {_show(value)}")


def _j_datetime(obj: dict[str, Any], key: str, base: str) -> datetime | None:
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        parsed = _parse_datetime(value.strip())
        if parsed is not None:
            return parsed
    raise _FieldError(
        f"{base}.{key}", f"expected an ISO-8601 date-time with a timezone, got {_show(value)}"
    )


def _j_barcodes(obj: dict[str, Any], base: str) -> list[str]:
    value = obj.get("barcodes")
    if value is None:
        return []
    if not isinstance(value, list):
        raise _FieldError(f"{base}.barcodes", f"expected a list of strings, got {_show(value)}")
    codes: list[str] = []
    for k, code in enumerate(value):
        if not isinstance(code, str):
            raise _FieldError(f"{base}.barcodes[{k}]", f"expected a string, got {_show(code)}")
        code = code.strip()
        if code:
            codes.append(code)
    return codes


def _json_line(item: Any, base: str) -> LineData:
    if not isinstance(item, dict):
        raise _FieldError(base, f"expected an object, got {_show(item)}")
    price = _j_money(item, "unit_price", base)
    if price is None:
        price = _j_money(item, "price", base)
    return LineData(
        sku=_j_str(item, "sku", base),
        name=_j_str(item, "name", base),
        barcodes=_j_barcodes(item, base),
        qty=_j_int(item, "qty", base),
        unit_weight_g=_j_number(item, "unit_weight_g", base),
        fragile=_j_bool(item, "fragile", base),
        liquid=_j_bool(item, "liquid", base),
        marked=_j_bool(item, "marked", base),
        hs_code=_j_str(item, "hs_code", base),
        unit_price=price,
    )


def _json_order(item: Any, base: str) -> OrderData:
    if not isinstance(item, dict):
        raise _FieldError(base, f"expected an object, got {_show(item)}")
    if item.get("id") is None:
        raise _FieldError(f"{base}.id", "order id is missing")
    order_id = _j_str(item, "id", base)
    if not order_id:
        raise _FieldError(f"{base}.id", "order id is empty")

    cust = _j_obj(item, "customer", base)
    cbase = f"{base}.customer"
    addr = _j_obj(item, "address", base)
    abase = f"{base}.address"

    currency = _j_str(item, "currency", base)
    declared = item.get("declared_value")
    if isinstance(declared, dict):
        dbase = f"{base}.declared_value"
        declared_value = _j_money(declared, "amount", dbase)
        currency = _j_str(declared, "currency", dbase) or currency
    else:
        declared_value = _j_money(item, "declared_value", base)

    raw_lines = item.get("lines")
    if raw_lines is None:
        raw_lines = []
    elif not isinstance(raw_lines, list):
        raise _FieldError(f"{base}.lines", f"expected a list, got {_show(raw_lines)}")

    return OrderData(
        id=order_id,
        tote=_j_str(item, "tote", base),
        priority=_j_int(item, "priority", base),
        ship_by=_j_datetime(item, "ship_by", base),
        customer=Customer(
            name=_j_str(cust, "name", cbase),
            phone=_j_str(cust, "phone", cbase),
            email=_j_str(cust, "email", cbase),
            locale=normalise_locale(_j_str(cust, "locale", cbase)),
        ),
        address=Address(
            country=_j_str(addr, "country", abase).upper(),
            region=_j_str(addr, "region", abase),
            city=_j_str(addr, "city", abase),
            postcode=_j_str(addr, "postcode", abase),
            line1=_j_str(addr, "line1", abase),
            line2=_j_str(addr, "line2", abase),
        ),
        carrier=_j_str(item, "carrier", base),
        declared_value=declared_value,
        currency=currency.upper(),
        lines=[_json_line(line, f"{base}.lines[{j}]") for j, line in enumerate(raw_lines)],
        source=base,
    )


# --------------------------------------------------------------------------- CSV


def _sniff_delimiter(data: bytes) -> str:
    """Comma per the fixture; ';' or tab when the header clearly uses them (Excel in ru locale)."""
    start = _content_start(data)
    end = data.find(b"\n", start)
    header = data[start:] if end < 0 else data[start:end]
    counts = {b",": header.count(b","), b";": header.count(b";"), b"\t": header.count(b"\t")}
    best = max(counts, key=lambda d: counts[d])
    return best.decode() if counts[best] > counts[b","] else ","


def _csv_header(row: list[str], line: int, name: str) -> dict[str, int]:
    names = [cell.strip().lower() for cell in row]
    ix: dict[str, int] = {}
    duplicates: list[str] = []
    for i, column in enumerate(names):
        if column not in CSV_COLUMNS:
            continue  # unknown columns are ignored
        if column in ix:
            duplicates.append(column)
        ix[column] = i
    if duplicates:
        raise OrderFileError(name, f"line {line}", f"duplicate column(s): {', '.join(duplicates)}")
    missing = [column for column in CSV_REQUIRED_COLUMNS if column not in ix]
    if missing:
        raise OrderFileError(name, f"line {line}", f"missing column(s): {', '.join(missing)}")
    return ix


def _c(row: list[str], ix: dict[str, int], column: str) -> str:
    i = ix.get(column)
    return "" if i is None else row[i].strip()


def _c_int(row: list[str], ix: dict[str, int], column: str) -> int:
    text = _c(row, ix, column)
    if not text:
        return 0
    value = _parse_whole(text)
    if value is None:
        raise _FieldError(column, f"expected a whole number, got {_cell_repr(text)}")
    return value


def _c_number(row: list[str], ix: dict[str, int], column: str) -> Decimal | None:
    text = _c(row, ix, column)
    if not text:
        return None
    value = _parse_decimal(text)
    if value is None:
        raise _FieldError(column, f"expected a number, got {_cell_repr(text)}")
    return value


def _c_bool(row: list[str], ix: dict[str, int], column: str) -> bool:
    text = _c(row, ix, column)
    value = _CSV_BOOLS.get(text.lower())
    if value is None:
        raise _FieldError(column, f"expected true/false, yes/no or 1/0, got {_cell_repr(text)}")
    return value


def _csv_line(row: list[str], ix: dict[str, int]) -> LineData:
    weight = _c_number(row, ix, "unit_weight_g")
    price = _c_number(row, ix, "unit_price")
    if price is None:
        price = _c_number(row, ix, "price")
    barcodes = _c(row, ix, "barcodes")
    return LineData(
        sku=_c(row, ix, "sku"),
        name=_c(row, ix, "name"),
        barcodes=[code for code in (c.strip() for c in barcodes.split("|")) if code]
        if barcodes
        else [],
        qty=_c_int(row, ix, "qty"),
        unit_weight_g=weight,
        fragile=_c_bool(row, ix, "fragile"),
        liquid=_c_bool(row, ix, "liquid"),
        marked=_c_bool(row, ix, "marked"),
        hs_code=_c(row, ix, "hs_code"),
        unit_price=price,
    )


def _csv_order(row: list[str], ix: dict[str, int], order_id: str, line: int) -> OrderData:
    ship_by_text = _c(row, ix, "ship_by")
    ship_by = _parse_datetime(ship_by_text) if ship_by_text else None
    if ship_by_text and ship_by is None:
        raise _FieldError(
            "ship_by",
            f"expected an ISO-8601 date-time with a timezone, got {_cell_repr(ship_by_text)}",
        )
    return OrderData(
        id=order_id,
        tote=_c(row, ix, "tote"),
        priority=_c_int(row, ix, "priority"),
        ship_by=ship_by,
        customer=Customer(
            name=_c(row, ix, "customer_name"),
            phone=_c(row, ix, "phone"),
            email=_c(row, ix, "email"),
            locale=normalise_locale(_c(row, ix, "locale")),
        ),
        address=Address(
            country=_c(row, ix, "country").upper(),
            region=_c(row, ix, "region"),
            city=_c(row, ix, "city"),
            postcode=_c(row, ix, "postcode"),
            line1=_c(row, ix, "line1"),
            line2=_c(row, ix, "line2"),
        ),
        carrier=_c(row, ix, "carrier"),
        declared_value=_c_number(row, ix, "declared_value"),
        currency=_c(row, ix, "currency").upper(),
        source=f"line {line}",
    )
