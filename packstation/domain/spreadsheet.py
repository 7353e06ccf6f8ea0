"""CSV cells that a spreadsheet shows but never runs (CSV / formula injection).

Reports and manifests are opened in Excel or LibreOffice, and their text cells hold data
from order files and operators: a customer called ``=HYPERLINK("http://x", "click")`` or
an address starting with ``@SUM(...)`` would be a live formula there. Following the OWASP
"CSV Injection" guidance, a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return gets a single quote in front, which spreadsheets read as "text"
(the full-width forms of the four signs are treated the same way). Quoting of commas,
quotes and line breaks is left to the `csv` module.

Numbers stay numbers: an int, float or Decimal we write is never prefixed, and neither is
text that is just a plain decimal number (``-12.5``, ``+3``), which no spreadsheet can run.

The prefix only helps if the cell stays one cell: `csv.writer` with ``lineterminator="\n"``
leaves a lone carriage return unquoted, and a spreadsheet then starts a new row there, so
``"x\r=1+1"`` would put a live ``=1+1`` at the start of the next row. `writer` quotes every
cell holding ``\r`` or ``\n`` (RFC 4180 line ends) and passes every row through `safe_row`:
every CSV a person opens is written with it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

__all__ = ["FORMULA_STARTS", "SafeWriter", "safe_cell", "safe_row", "writer"]

#: First characters that make a spreadsheet evaluate a cell (OWASP), and their full-width
#: forms, which some spreadsheet locales accept as well.
FORMULA_STARTS = frozenset("=+-@\t\r" + "\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def safe_cell(value: object) -> str:
    """One cell's text: numbers as they are, text that could start a formula quoted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    if text[:1] in FORMULA_STARTS and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]


class SafeWriter:
    """`csv.writer`'s `writerow`/`writerows`, every cell through `safe_cell`."""

    def __init__(self, stream: TextIO) -> None:
        # "\r\n" (RFC 4180): the csv module quotes a cell holding any line-end character.
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, values: Iterable[object]) -> None:
        self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream: TextIO) -> SafeWriter:
    """The CSV writer for files people open in a spreadsheet (reports, manifests)."""
    return SafeWriter(stream)
