"""Order files on disk: read within the limits, then JSON or CSV by suffix or first character."""

from __future__ import annotations

import hashlib
import pathlib
from collections.abc import Iterable, Iterator
from itertools import islice

from packstation.domain.intake.csv_orders import iter_orders_csv
from packstation.domain.intake.decoding import _content_start
from packstation.domain.intake.errors import OrderFileError
from packstation.domain.intake.json_orders import iter_orders_json
from packstation.domain.intake.limits import DEFAULT_LIMITS, IntakeLimits, read_limited
from packstation.domain.orders import OrderData


def read_orders(path: pathlib.Path, limits: IntakeLimits = DEFAULT_LIMITS) -> list[OrderData]:
    """Read a whole order file; format by suffix (.json/.csv), else by its first character."""
    return list(iter_orders(path, limits))


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


def is_json_file(path: pathlib.Path, data: bytes) -> bool:
    """JSON or CSV: by suffix, else by the first character ('{' or '[' is JSON).

    Shared by every importer of exported files (orders, carrier statuses).
    """
    suffix = path.suffix.lower()
    if suffix in (".json", ".csv"):
        return suffix == ".json"
    end = _content_start(data)
    return data[end : end + 1] in (b"{", b"[")


#: Orders per chunk of an import: one stored-state query and one write per table each.
CHUNK = 1000


def chunks(orders: Iterable[OrderData], size: int = CHUNK) -> Iterator[list[OrderData]]:
    it = iter(orders)
    while chunk := list(islice(it, size)):
        yield chunk


def file_key(path: pathlib.Path, limits: object) -> str:
    """The file's bytes and the limits it was read under (a file refused under smaller
    limits must be refused again): what `models/imported_files` remembers a file by."""
    digest = hashlib.sha256(repr(limits).encode())
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
