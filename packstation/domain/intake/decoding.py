"""An order file's bytes as text: the BOM, leading whitespace, and where UTF-8 breaks."""

from __future__ import annotations

import codecs
import io
import re

from packstation.domain.intake.errors import OrderFileError

_LEADING_SPACE = re.compile(rb"\s*")


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
