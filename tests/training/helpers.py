"""Reading a training screen as a trainee does: the coach's sentence, and its code scanned
off the screen (the drawn blocks decoded with zxing-cpp, as a scanner would)."""

from __future__ import annotations

import zxingcpp
from PIL import Image
from rich.text import Text

from packstation.screens.training_app import TrainingApp
from packstation.widgets.text_rows import TextRows
from packstation.widgets.training import TrainingBanner

_MODULES = {"█": (1, 1), "▀": (1, 0), "▄": (0, 1), " ": (0, 0)}
_QUIET, _PX = 4, 6


def _text(widget: TextRows) -> str:
    content = widget.render()
    return content.plain if isinstance(content, Text) else str(content)


def pane_text(app: TrainingApp) -> str:
    return _text(app.screen.query_one("#coach-text", TextRows))


def banner_text(app: TrainingApp) -> str:
    return _text(app.screen.query_one(TrainingBanner))


def decode_blocks(drawn: str) -> str | None:
    """What a scanner reads off `drawn` (block characters, two modules a cell), or None."""
    lines = [line for line in drawn.split("\n") if line]
    if not lines:
        return None
    rows: list[list[int]] = []
    for line in lines:
        rows.append([_MODULES[c][0] for c in line])
        rows.append([_MODULES[c][1] for c in line])
    width, height = len(rows[0]) + 2 * _QUIET, len(rows) + 2 * _QUIET
    image = Image.new("L", (width * _PX, height * _PX), 255)
    for y, row in enumerate(rows):
        for x, module in enumerate(row):
            if module:
                left, top = (x + _QUIET) * _PX, (y + _QUIET) * _PX
                image.paste(0, (left, top, left + _PX, top + _PX))
    found = zxingcpp.read_barcodes(image)
    return found[0].bytes.decode("latin-1") if found else None


def screen_code(app: TrainingApp) -> str | None:
    """The code drawn in the coach's pane, as the station's scanner would read it."""
    return decode_blocks(_text(app.screen.query_one("#coach-code", TextRows)))
