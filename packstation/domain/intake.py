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
import functools
import io
import json
import os
import pathlib
import re
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
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

    Two passes: the first checks the structure (line lengths, UTF-8, quoting,
    header, cell counts, ids) and counts each order's rows, so structural errors
    come before any order, and the second holds only orders still waiting for
    rows (one at a time when, as usual, an order's rows are contiguous).
    Order-level columns are taken from an order's first row; later rows'
    order-level cells are ignored.
    """
    if _is_blank(data):
        raise OrderFileError(name, "", "the file is empty")
    delimiter = _sniff_delimiter(data)

    rows = _csv_records(data, name, delimiter, limits.max_csv_line_bytes)
    header = next(rows, None)
    if header is None:
        raise OrderFileError(name, "", "no header row")
    header_line, header_row = header
    ix = _csv_header(header_row, header_line, name)
    ncols = len(header_row)
    id_col = ix["order_id"]
    remaining: dict[str, int] = {}
    count = remaining.get
    for line, row in rows:
        if len(row) != ncols:
            raise OrderFileError(
                name, f"line {line}", f"expected {ncols} cells as in the header, got {len(row)}"
            )
        order_id = row[id_col].strip()
        if not order_id:
            raise OrderFileError(name, f"line {line}, column order_id", "order id is empty")
        remaining[order_id] = count(order_id, 0) + 1
    yield from _csv_orders(data, name, delimiter, ix, ncols, remaining)


def _csv_orders(
    data: bytes,
    name: str,
    delimiter: str,
    ix: dict[str, int],
    ncols: int,
    remaining: dict[str, int],
) -> Iterator[OrderData]:
    """The second pass, over a file the first found well-formed: rows into orders.

    The hot loop of a large import (see benchmarks/import_process.py): the csv module
    reads straight from the bytes, and each row's cells are fetched in one call."""
    id_col = ix["order_id"]
    pad = not all(column in ix for column in _CSV_ORDER_COLUMNS + _CSV_LINE_COLUMNS)
    order_cells = itemgetter(*(ix.get(column, ncols) for column in _CSV_ORDER_COLUMNS))
    line_cells = itemgetter(*(ix.get(column, ncols) for column in _CSV_LINE_COLUMNS))
    pending: dict[str, OrderData] = {}
    queue: deque[str] = deque()  # ids of pending orders, first-seen first
    reader = csv.reader(_text(data), delimiter=delimiter, strict=True)
    last = 0  # physical line where the previous record ended
    header = True
    for row in reader:
        line, last = last + 1, reader.line_num
        if not (row and (row[0].strip() or "".join(row).strip())):
            continue  # a blank line or a row of empty cells
        if header:
            header = False
            continue
        if pad:
            row.append("")  # what a column the header lacks reads as
        order_id = row[id_col].strip()
        try:
            order = pending.get(order_id)
            if order is None:
                order = pending[order_id] = _csv_order(order_cells(row), order_id, line)
                queue.append(order_id)
            order.lines.append(_csv_line(line_cells(row)))
        except _FieldError as e:
            raise OrderFileError(name, f"line {line}, column {e.where}", e.detail) from None
        left = remaining[order_id] - 1
        remaining[order_id] = left
        if not left:  # only an order's own last row can let the queue move
            while queue and not remaining[queue[0]]:
                yield pending.pop(queue.popleft())


# --------------------------------------------------------------------------- shared helpers


def normalise_locale(value: str) -> str:
    """'RU', 'ru-RU', 'en_GB' -> 'ru'/'en'; anything else -> 'ru' (notifications exist in ru/en)."""
    if value in _LOCALES:
        return value
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


def _text(data: bytes) -> io.TextIOWrapper:
    """The file as text lines ending in "\\n", decoded as they are read (no second full copy)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="\n")


def _csv_records(
    data: bytes, name: str, delimiter: str, max_line: int
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with the physical line each starts on, then the file's first error.

    Errors come in file order, as if the file were read line by line: a line longer
    than `max_line` bytes (found before anything is decoded) or invalid UTF-8 ends the
    text just before its line, so a malformed record above it is still reported first."""
    end, error = len(data), None
    long_line = _first_long_line(data, max_line)
    if long_line is not None:
        lineno = data.count(b"\n", 0, long_line) + 1
        end, error = (
            long_line,
            OrderFileError(
                name,
                f"line {lineno}",
                f"the line is longer than {max_line} bytes (the limit for one CSV line)",
            ),
        )
    done = 0  # records already yielded: a second reading after a UTF-8 error skips them
    while True:
        text = _text(data if end == len(data) else data[:end])
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        last = 0  # physical line where the previous record ended
        seen = 0
        try:
            for row in reader:
                start, last = last + 1, reader.line_num
                if row and (row[0].strip() or "".join(row).strip()):  # else a blank row
                    seen += 1
                    if seen > done:
                        done = seen
                        yield start, row
        except UnicodeDecodeError:  # decoded ahead of the reader: read again up to its line
            offset = _utf8_offset(data, end)
            end, error = data.rfind(b"\n", 0, offset) + 1, _utf8_error(name, data, offset)
            continue
        except csv.Error as e:  # raised while reading the record that starts after `last`
            # A quoted record cut where the text ends early: the error that ended it counts.
            if error is None or "unexpected end of data" not in str(e):
                raise OrderFileError(name, f"line {last + 1}", f"malformed CSV: {e}") from None
        break
    if error is not None:
        raise error


def _first_long_line(data: bytes, max_line: int) -> int | None:
    """Offset of the first line longer than `max_line` bytes (without its "\\n" or "\\r\\n"),
    found without copying or decoding: one search per `max_line` bytes of the file."""
    size, start = len(data), 0
    while size - start > max_line:  # else the rest cannot hold a long line
        window = start + max_line + 2  # a line of max_line bytes and "\r\n" ends before this
        newline = data.find(b"\n", start, window)
        if newline < 0:
            return start
        if newline - start - (data[newline - 1 : newline] == b"\r") > max_line:
            return start
        # Every other line ending inside the window is shorter than the window.
        start = data.rfind(b"\n", newline, window) + 1
    return None


def _utf8_offset(data: bytes, end: int) -> int:
    """The offset of the first byte of `data[:end]` that is not UTF-8 (there is one)."""
    try:
        data[:end].decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start
    raise AssertionError("the decoder saw invalid UTF-8 that is not there")  # pragma: no cover


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


@functools.lru_cache(maxsize=4096)  # a file's orders share a few ship-by times
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


def _cell_int(text: str, column: str) -> int:
    if text.isdigit() and text.isascii() and len(text) <= _MAX_DIGITS:
        return int(text)  # the usual whole number: nothing to check
    if not text:
        return 0
    value = _parse_whole(text)
    if value is None:
        raise _FieldError(column, f"expected a whole number, got {_cell_repr(text)}")
    return value


def _cell_number(text: str, column: str) -> Decimal | None:
    if not text:
        return None
    if text.isdigit() and text.isascii() and len(text) <= _MAX_DIGITS:
        return Decimal(text)  # the usual whole number: nothing to check
    value = _parse_decimal(text)
    if value is None:
        raise _FieldError(column, f"expected a number, got {_cell_repr(text)}")
    return value


def _cell_bool(text: str, column: str) -> bool:
    value = _CSV_BOOLS.get(text)
    if value is None:
        value = _CSV_BOOLS.get(text.lower())
        if value is None:
            raise _FieldError(column, f"expected true/false, yes/no or 1/0, got {_cell_repr(text)}")
    return value


#: The cells `_csv_line` and `_csv_order` take, in their order (a missing column reads as "").
_CSV_LINE_COLUMNS = (
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
)
_CSV_ORDER_COLUMNS = (
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
    "carrier",
    "declared_value",
    "currency",
)


def _csv_line(cells: Iterable[str]) -> LineData:
    """One line from its cells (`_CSV_LINE_COLUMNS`); type errors in the columns' order."""
    sku, name, codes, qty, weight, fragile, liquid, marked, hs_code, unit_price, price = map(
        str.strip, cells
    )
    unit_weight_g = (
        Decimal(weight)
        if weight.isdigit() and weight.isascii() and len(weight) <= _MAX_DIGITS
        else _cell_number(weight, "unit_weight_g")
    )
    price_value = (
        _cell_number(unit_price, "unit_price") if unit_price else _cell_number(price, "price")
    )
    if not codes:
        barcodes = []
    elif "|" not in codes:
        barcodes = [codes]
    else:
        barcodes = [code for code in map(str.strip, codes.split("|")) if code]
    whole = (
        int(qty)
        if qty.isdigit() and qty.isascii() and len(qty) <= _MAX_DIGITS
        else _cell_int(qty, "qty")
    )
    flags = _CSV_BOOLS.get(fragile), _CSV_BOOLS.get(liquid), _CSV_BOOLS.get(marked)
    if None in flags:  # not in the usual spelling: the careful path names the column
        flags = (
            _cell_bool(fragile, "fragile"),
            _cell_bool(liquid, "liquid"),
            _cell_bool(marked, "marked"),
        )
    return LineData(
        sku=sku,
        name=name,
        barcodes=barcodes,
        qty=whole,
        unit_weight_g=unit_weight_g,
        fragile=flags[0] is True,
        liquid=flags[1] is True,
        marked=flags[2] is True,
        hs_code=hs_code,
        unit_price=price_value,
    )


def _csv_order(cells: Iterable[str], order_id: str, line: int) -> OrderData:
    """An order from its first row's cells (`_CSV_ORDER_COLUMNS`), without lines yet."""
    (
        tote,
        priority,
        ship_by_text,
        customer_name,
        phone,
        email,
        locale,
        country,
        region,
        city,
        postcode,
        line1,
        line2,
        carrier,
        declared_value,
        currency,
    ) = map(str.strip, cells)
    ship_by = _parse_datetime(ship_by_text) if ship_by_text else None
    if ship_by_text and ship_by is None:
        raise _FieldError(
            "ship_by",
            f"expected an ISO-8601 date-time with a timezone, got {_cell_repr(ship_by_text)}",
        )
    return OrderData(
        id=order_id,
        tote=tote,
        priority=_cell_int(priority, "priority"),
        ship_by=ship_by,
        customer=Customer(
            name=customer_name, phone=phone, email=email, locale=normalise_locale(locale)
        ),
        address=Address(
            country=country.upper(),
            region=region,
            city=city,
            postcode=postcode,
            line1=line1,
            line2=line2,
        ),
        carrier=carrier,
        declared_value=_cell_number(declared_value, "declared_value"),
        currency=currency.upper(),
        source=f"line {line}",
    )
