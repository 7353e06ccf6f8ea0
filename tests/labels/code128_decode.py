"""A small Code128 reader for tests: proves a rendered image really encodes a value.

It reads one pixel row across the bars, turns it into run lengths, and maps
each six-run symbol onto python-barcode's own pattern table.
"""

from __future__ import annotations

from barcode.charsets.code128 import CODES
from PIL import Image

_PATTERN = {pattern: value for value, pattern in enumerate(CODES)}


def _runs(row: list[int]) -> list[int]:
    dark = [p < 128 for p in row]
    start = dark.index(True)
    end = len(dark) - dark[::-1].index(True)
    runs, current, length = [], dark[start], 0
    for px in dark[start:end]:
        if px == current:
            length += 1
        else:
            runs.append(length)
            current, length = px, 1
    runs.append(length)
    return runs


def _symbol(runs: list[int]) -> int:
    total = sum(runs)
    pattern = ""
    for i, width in enumerate(runs):
        modules = max(1, round(width * 11 / total))
        pattern += ("1" if i % 2 == 0 else "0") * modules
    if pattern not in _PATTERN:
        raise ValueError(f"unreadable symbol {pattern}")
    return _PATTERN[pattern]


def decode_row(row: list[int]) -> str:
    runs = _runs(row)
    # Start + data + checksum are 6 runs each; the stop symbol is 7 runs.
    body = runs[:-7]
    if len(body) % 6:
        raise ValueError(f"{len(runs)} runs is not a Code128 symbol sequence")
    values = [_symbol(body[i : i + 6]) for i in range(0, len(body), 6)]
    start, data, check = values[0], values[1:-1], values[-1]
    if (start + sum((i + 1) * v for i, v in enumerate(data))) % 103 != check:
        raise ValueError("checksum mismatch")
    mode = {103: "A", 104: "B", 105: "C"}[start]
    out = []
    for v in data:
        if mode == "C" and v < 100:
            out.append(f"{v:02d}")
        elif v == 99:
            mode = "C"
        elif v == 100:
            mode = "B"
        elif v == 101:
            mode = "A"
        elif mode == "B":
            out.append(chr(v + 32))
        elif mode == "A":
            out.append(chr(v + 32) if v < 64 else chr(v - 64))
    return "".join(out)


def decode_image(image: Image.Image, y: int) -> str:
    gray = image.convert("L")
    return decode_row([gray.getpixel((x, y)) for x in range(gray.width)])  # type: ignore[misc]
