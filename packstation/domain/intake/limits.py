"""What an order file may cost (`IntakeLimits`), and reading a file within a size limit."""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable
from dataclasses import dataclass


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
