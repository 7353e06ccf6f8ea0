"""Reading the small CSV/JSON files other systems export: carrier statuses, announced returns.

Why this module exists: the carrier-status reader (`deliveries`) and the
announced-returns reader (`returns_file`) read the same kind of file and were
two copies of the same code. What they share lives here, once, so a fix or a
new alias rule reaches both and their messages stay alike: field-name
normalisation and aliases, how a value is shown in a message, decoding (BOM,
UTF-8 errors by line), the delimiter guess, the CSV row loop with its header,
and the JSON top level and field collection. What differs is a parameter:
the `Layout` (aliases, required fields, top-level keys) and ``fail``, which
builds the reader's own file error from ``(where, detail)``.

Every message names the place: ``line 4, column qty`` (CSV) or
``returns[2].items[0].qty`` (JSON). Row rules (what a valid status or return
is) stay with each reader and raise `FieldError`, which is given the place
here. Order files (`intake`) have their own streaming reader; the JSON/CSV
choice, `intake.is_json_file`, is shared from there. Pure: no storage, no UI.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import pathlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, TypeVar

from packstation.domain.intake import DEFAULT_LIMITS, read_limited

__all__ = [
    "Fail",
    "FieldError",
    "Layout",
    "csv_records",
    "decode",
    "decoded_lines",
    "json_fields",
    "json_list",
    "naming_field",
    "norm_key",
    "parse_time",
    "read_bytes",
    "require_fields",
    "show",
]

T = TypeVar("T")

#: Builds the reader's file error from ``(where, detail)``; `where` may be "" (the whole file).
Fail = Callable[[str, str], Exception]

_SEPARATORS = re.compile(r"[\s\-]+")
_SHOW_MAX = 40
_DELIMITERS = (",", ";", "\t")


class FieldError(Exception):
    """A row rule refused one field (canonical name); the reader adds where it is written."""

    def __init__(self, field: str, detail: str) -> None:
        super().__init__(field, detail)
        self.field = field
        self.detail = detail


@dataclass(frozen=True)
class Layout:
    """What one kind of file calls its fields, and what it must have."""

    #: Canonical field -> accepted column / key names (compared as `norm_key` gives them).
    aliases: Mapping[str, tuple[str, ...]]
    #: Columns a CSV header, and keys a JSON record, must have.
    required: tuple[str, ...]
    #: Keys of a top-level JSON object that hold the list (the first present is used).
    top_keys: tuple[str, ...]
    #: The expected top level, for messages ('an object with a "x" list, or a list of x').
    top_level: str
    #: Fields a JSON integer may give (numeric ids, quantities); others must be strings.
    numbers: frozenset[str] = frozenset()
    #: What a field's JSON value must be, for messages, where not "a string".
    expected: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def _alias_of(self) -> dict[str, str]:
        return {alias: name for name, names in self.aliases.items() for alias in names}

    def field_of(self, written: str) -> str | None:
        """The canonical field a column / key name gives; None for one the reader ignores."""
        return self._alias_of.get(norm_key(written))


def norm_key(name: str) -> str:
    """'Return-ID ' -> 'return_id': lower-case, runs of spaces and '-' as '_'."""
    return _SEPARATORS.sub("_", name.strip().lower())


def show(value: object) -> str:
    """A value as the file's author would recognise it, short and on one line."""
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


def parse_time(text: str, field: str) -> datetime:
    """ISO-8601 with a timezone; else `FieldError` for `field`."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(
            field, f"expected an ISO-8601 date-time with a timezone, got {show(text)}"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise FieldError(field, f"{show(text)} has no timezone (add Z or +03:00)")
    return value


@contextmanager
def naming_field(
    fail: Fail, where: str, written: Mapping[str, str], between: str = "."
) -> Iterator[None]:
    """A `FieldError` inside becomes the file error at ``<where><between><field as written>``."""
    try:
        yield
    except FieldError as e:
        raise fail(f"{where}{between}{written.get(e.field, e.field)}", e.detail) from None


# --------------------------------------------------------------------------- bytes and text


def read_bytes(path: pathlib.Path, fail: Fail, max_bytes: int | None = None) -> bytes:
    """The file's bytes; an unreadable file, or one larger than `max_bytes` (by default the
    order files' limit, `intake.IntakeLimits.max_file_bytes`), is a file error."""
    limit = DEFAULT_LIMITS.max_file_bytes if max_bytes is None else max_bytes
    return read_limited(path, limit, lambda detail: fail("", detail))


def decode(data: bytes, fail: Fail) -> str:
    """The whole file as text (UTF-8, a BOM dropped); invalid UTF-8 names its line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise fail(f"line {line}", "invalid UTF-8") from None


def decoded_lines(data: bytes, fail: Fail) -> Iterator[str]:
    """Decode line by line (a BOM dropped): no second copy of the file, errors know their line."""
    for lineno, raw in enumerate(io.BytesIO(data), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise fail(f"line {lineno}", "invalid UTF-8") from None
        yield line.removeprefix("\ufeff") if lineno == 1 else line


# --------------------------------------------------------------------------- JSON


def json_list(data: bytes, layout: Layout, fail: Fail) -> tuple[str, list[Any]]:
    """The records of ``{"<top key>": [...]}`` or a bare list, and the path they are at."""
    text = decode(data, fail)
    if not text.strip():
        raise fail("", "the file is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise fail(f"line {e.lineno} column {e.colno}", e.msg) from None
    except (ValueError, RecursionError) as e:
        raise fail("", f"unreadable JSON: {e}") from None
    if isinstance(doc, dict):
        found = [k for k in layout.top_keys if k in doc]
        if not found:
            raise fail("top level", f"expected {layout.top_level}, got an object")
        base = found[0]
        doc = doc[base]
        if not isinstance(doc, list):
            raise fail(base, f"expected a list, got {show(doc)}")
        return base, doc
    if not isinstance(doc, list):
        raise fail("top level", f"expected {layout.top_level}, got {show(doc)}")
    return "", doc


def json_fields(
    obj: Any, where: str, layout: Layout, fail: Fail
) -> tuple[dict[str, str], dict[str, str]]:
    """Canonical fields of one JSON record (stripped strings; null is ""), and each field's
    key as written, for messages. Unknown keys are ignored."""
    if not isinstance(obj, dict):
        raise fail(where, f"expected an object, got {show(obj)}")
    values: dict[str, str] = {}
    written: dict[str, str] = {}
    for key, value in obj.items():
        name = layout.field_of(str(key))
        if name is None:
            continue
        if name in written:
            raise fail(f"{where}.{key}", f"{key!r} and {written[name]!r} both give {name}")
        written[name] = str(key)
        if value is None:
            values[name] = ""
        elif isinstance(value, str):
            values[name] = value.strip()
        elif name in layout.numbers and type(value) is int:
            values[name] = str(value)
        else:
            expected = layout.expected.get(name, "a string")
            raise fail(f"{where}.{key}", f"expected {expected}, got {show(value)}")
    return values, written


def require_fields(values: Mapping[str, str], where: str, layout: Layout, fail: Fail) -> None:
    """A JSON record without a required key is a file error at ``<where>.<field>``."""
    for name in layout.required:
        if name not in values:
            raise fail(f"{where}.{name}", f"{name} is missing")


# --------------------------------------------------------------------------- CSV


def _sniff_delimiter(first_line: str) -> str:
    """Comma; ';' or tab when the header clearly uses them (Excel in a ru locale)."""
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _csv_header(
    row: list[str], line: int, layout: Layout, fail: Fail
) -> tuple[dict[str, int], dict[str, str]]:
    """Column index of each canonical field, and the column name as written in the file."""
    ix: dict[str, int] = {}
    written: dict[str, str] = {}
    for i, cell in enumerate(row):
        name = layout.field_of(cell)
        if name is None:
            continue  # unknown columns are ignored
        if name in ix:
            raise fail(
                f"line {line}", f"columns {written[name]!r} and {cell.strip()!r} both give {name}"
            )
        ix[name] = i
        written[name] = cell.strip()
    missing = [name for name in layout.required if name not in ix]
    if missing:
        raise fail(f"line {line}", f"missing column(s): {', '.join(missing)}")
    return ix, written


def csv_records(
    lines: Iterable[str],
    layout: Layout,
    make: Callable[[dict[str, str], str], T],
    fail: Fail,
    *,
    need_header: bool = True,
) -> Iterator[T]:
    """``make(fields, "line N")`` for each data row, in order, as the rows are read.

    `lines` are the file's text lines with their endings. Blank rows (also rows
    of empty cells) are skipped; the first other row is the header. A file with
    nothing but blank rows is a file error when `need_header`.
    """
    lines = iter(lines)
    ahead: list[str] = []
    for line in lines:
        ahead.append(line)
        if line.strip():
            break
    else:
        raise fail("", "the file is empty")
    reader = csv.reader(
        itertools.chain(ahead, lines), delimiter=_sniff_delimiter(ahead[-1]), strict=True
    )
    ix: dict[str, int] | None = None
    written: dict[str, str] = {}
    ncols = 0
    last = 0  # physical line where the previous record ended
    try:
        for row in reader:
            start, last = last + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if ix is None:
                ix, written = _csv_header(row, start, layout, fail)
                ncols = len(row)
                continue
            if len(row) != ncols:
                raise fail(f"line {start}", f"{len(row)} cells, the header has {ncols}")
            with naming_field(fail, f"line {start}", written, between=", column "):
                made = make({name: row[i].strip() for name, i in ix.items()}, f"line {start}")
            yield made
    except csv.Error as e:  # raised while reading the record that starts after `last`
        raise fail(f"line {last + 1}", f"malformed CSV: {e}") from None
    if ix is None and need_header:
        raise fail("", "no header row")
