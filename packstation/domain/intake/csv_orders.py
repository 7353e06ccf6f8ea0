"""CSV order files: one row per order line, read in two passes (structure, then orders)."""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator
from decimal import Decimal
from operator import itemgetter

from packstation.domain.dimensions import DIM_FIELDS
from packstation.domain.instructions import (
    MAX_INSERT_TEXT,
    Instruction,
    InstructionError,
    instruction_from,
)
from packstation.domain.intake.decoding import _content_start, _is_blank, _text, _utf8_error
from packstation.domain.intake.errors import OrderFileError, _FieldError
from packstation.domain.intake.fields import (
    _MAX_DIGITS,
    DAY_EXPECTED,
    _cell_repr,
    _dims,
    _parse_datetime,
    _parse_day,
    _parse_decimal,
    _parse_whole,
    _serial_kind,
    normalise_locale,
)
from packstation.domain.intake.limits import DEFAULT_LIMITS, IntakeLimits
from packstation.domain.orders import Address, Customer, LineData, OrderData

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
    *DIM_FIELDS,
    "deliver_by",
    "serial",
    "instructions",
    "gift_note",
)
#: Without these a CSV row cannot even be placed in an order.
CSV_REQUIRED_COLUMNS = ("order_id", "sku", "qty")

_CSV_BOOLS = {
    "true": True,
    "yes": True,
    "1": True,
    "false": False,
    "no": False,
    "0": False,
    "": False,
}


def read_orders_csv(
    data: bytes, name: str = "<csv>", limits: IntakeLimits = DEFAULT_LIMITS
) -> list[OrderData]:
    """Read one row per order line; rows sharing an order_id form one order (first-seen order)."""
    return list(iter_orders_csv(data, name, limits))


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
    *DIM_FIELDS,
    "serial",
    "instructions",
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
    "deliver_by",
    "gift_note",
)


def _csv_instructions(cell: str, sku: str) -> list[Instruction]:
    """A line's ``instructions`` cell: texts separated by "|", each shown at the items step
    without a confirmation (a confirm or another step needs a JSON file or the config)."""
    try:
        return [
            instruction_from(text, "instructions", f"sku:{sku}")
            for text in map(str.strip, cell.split("|"))
            if text
        ]
    except InstructionError as e:
        raise _FieldError("instructions", e.detail) from None


def _csv_line(cells: Iterable[str]) -> LineData:
    """One line from its cells (`_CSV_LINE_COLUMNS`); type errors in the columns' order."""
    (sku, name, codes, qty, weight, fragile, liquid, marked, hs_code, unit_price, price,
     length, width, height, serial, instructions) = map(str.strip, cells)  # fmt: skip
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
        dims_mm=None if not (length or width or height) else _csv_dims(length, width, height),
        serial=_serial_kind(serial, "serial", _cell_repr(serial)) if serial else "",
        instructions=_csv_instructions(instructions, sku) if instructions else [],
    )


def _csv_dims(*cells: str) -> tuple[int, int, int] | None:
    sizes = [_cell_number(text, field) for text, field in zip(cells, DIM_FIELDS, strict=True)]
    return _dims(sizes, "")


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
        deliver_by_text,
        gift_note,
    ) = map(str.strip, cells)
    ship_by = _parse_datetime(ship_by_text) if ship_by_text else None
    if ship_by_text and ship_by is None:
        raise _FieldError(
            "ship_by",
            f"expected an ISO-8601 date-time with a timezone, got {_cell_repr(ship_by_text)}",
        )
    deliver_by = _parse_day(deliver_by_text) if deliver_by_text else None
    if deliver_by_text and deliver_by is None:
        shown = _cell_repr(deliver_by_text)
        raise _FieldError("deliver_by", f"expected {DAY_EXPECTED}, got {shown}")
    if len(gift_note) > MAX_INSERT_TEXT:
        raise _FieldError("gift_note", f"longer than {MAX_INSERT_TEXT} characters")
    return OrderData(
        id=order_id,
        tote=tote,
        priority=_cell_int(priority, "priority"),
        ship_by=ship_by,
        deliver_by=deliver_by,
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
        gift_note=gift_note,
        source=f"line {line}",
    )
