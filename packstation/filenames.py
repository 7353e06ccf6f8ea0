"""File names made from order data (an order id, a parcel id, a manifest id): any layer may
use this (stdlib only), like `clock.py`.

Such an id comes from a marketplace's order file, so it may hold ``/``, ``..``, a NUL or
control characters. Written into a spool or output folder it must name one file in that
folder, never a path: `safe_file_name` turns it into one, `inside` joins it to the folder
and checks that the result is still in it.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

__all__ = ["MAX_NAME_BYTES", "UnsafeFileName", "inside", "safe_file_name"]

#: Most file systems allow 255 bytes per name; a temporary prefix and suffix need room too.
MAX_NAME_BYTES = 200
#: Path separators on any system we write to, and characters Windows shares refuse.
_REPLACED = frozenset('/\\<>:"|?*')


class UnsafeFileName(ValueError):
    """No file name can be made from this text (empty, only dots, or too long)."""


def safe_file_name(name: str) -> str:
    """`name` as one file name: separators, NUL and other control or format characters
    become ``_``, leading dots and spaces go (no hidden files, no ``.`` or ``..``).

    Different ids stay different in all ordinary cases (``a/b`` -> ``a_b``, not ``b``), so
    one order's file never silently replaces another's. Raises `UnsafeFileName` when
    nothing is left or the name is longer than `MAX_NAME_BYTES` in UTF-8.
    """
    cleaned = "".join(
        "_" if ch in _REPLACED or unicodedata.category(ch)[0] == "C" else ch for ch in name
    )
    cleaned = cleaned.lstrip(". ").rstrip(" ")
    if not cleaned:
        raise UnsafeFileName(f"no file name can be made from {name!r}")
    if len(cleaned.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        raise UnsafeFileName(f"file name longer than {MAX_NAME_BYTES} bytes: {name[:40]!r}…")
    return cleaned


def inside(folder: str | os.PathLike[str], name: str) -> Path:
    """``folder / safe_file_name(name)``, checked to be directly in `folder`."""
    base = Path(folder)
    path = base / safe_file_name(name)
    if path.parent != base or path.name in ("", ".", ".."):  # cannot happen; checked anyway
        raise UnsafeFileName(f"{name!r} does not name a file in {base}")
    return path
