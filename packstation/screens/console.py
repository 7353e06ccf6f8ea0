"""Plain-ASCII output for the Linux console (TERM=linux) and other limited terminals.

The Linux console's fonts have no check marks, bullets or most box-drawing
glyphs: they come out as blanks or diamonds. With ``ascii = true`` in the
station config, every frame is translated on its way to the terminal, so
borders, table rules and status marks all become ASCII in one place rather
than in every widget. Each replacement is one cell wide, like the glyph it
replaces, so layout is unchanged. Colours need nothing here: under
TERM=linux Rich already reduces them to the 16 of the console.

The driver is chosen through Textual's ``TEXTUAL_DRIVER`` variable, which
Textual reads when it is imported (`packstation.cli.station_cmd.plain_console`).
"""

from __future__ import annotations

import unicodedata

from textual.drivers.linux_driver import LinuxDriver

__all__ = ["ASCII_TABLE", "AsciiDriver", "to_ascii"]

#: Marks used on the station and queue screens, by meaning.
_MARKS = {
    "●": "*",  # device connected
    "○": "o",  # device disconnected
    "◍": "~",  # device busy
    "✓": "+",
    "✔": "+",
    "✗": "x",
    "✘": "x",
    "⚠": "!",
    "▣": "#",  # stable weight, marked item
    "▸": ">",
    "▶": ">",
    "◀": "<",
    "…": ".",
    "⏸": "=",  # on hold
    "·": ".",
    "•": "*",
    "←": "<",
    "→": ">",
    "↑": "^",
    "↓": "v",
}


def _box_char(char: str) -> str:
    """'-' for horizontal lines, '|' for vertical ones, '+' for corners and crossings."""
    name = unicodedata.name(char, "")
    horizontal = "HORIZONTAL" in name
    vertical = "VERTICAL" in name
    if horizontal and not vertical:
        return "-"
    if vertical and not horizontal:
        return "|"
    if "DIAGONAL" in name:
        return "/" if "UPPER RIGHT TO LOWER LEFT" in name else "\\"
    return "+"


def _table() -> dict[int, str]:
    table = {ord(k): v for k, v in _MARKS.items()}
    table.update({code: _box_char(chr(code)) for code in range(0x2500, 0x2580)})  # box drawing
    # Block elements: scroll bars, progress bars and half-block borders.
    for code in range(0x2580, 0x25A0):
        name = unicodedata.name(chr(code), "")
        table[code] = "." if "SHADE" in name and "LIGHT" in name else "#"
    return table


#: str.translate table: every glyph the screens use, to one ASCII character.
ASCII_TABLE = _table()


def to_ascii(text: str) -> str:
    return text.translate(ASCII_TABLE)


class AsciiDriver(LinuxDriver):
    """Textual's Linux driver with every frame translated to ASCII glyphs."""

    def write(self, data: str) -> None:
        super().write(data.translate(ASCII_TABLE))
