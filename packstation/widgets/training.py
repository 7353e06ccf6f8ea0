"""Training widgets: the TRAINING banner on every training screen, and the coach's pane.

The pane shows what the coach says (a sentence, what the code is) above the code to scan,
drawn large (`big_code.py`); when the code does not fit the pane's rows (big mode, a long
code) its text is shown instead, so the sentence always fits.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches

from packstation.domain.text import printable
from packstation.widgets.big_code import code_text
from packstation.widgets.text_rows import TextRows

__all__ = ["CoachPane", "TrainingBanner"]


class TrainingBanner(TextRows):
    """One line, on every training screen: nothing here is real."""

    DEFAULT_CSS = "TrainingBanner { height: 1; }"

    def show(self, text: str) -> None:
        self.show_text(Text(" " + text, style="bold", no_wrap=True, overflow="ellipsis"))


class CoachPane(Vertical):
    """The coach's sentence, then the code to scan drawn with blocks."""

    DEFAULT_CSS = """
    CoachPane { width: 26; height: 1fr; padding: 0 1; }
    CoachPane > #coach-text { height: auto; }
    CoachPane > #coach-code { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: What `show` was last asked to draw: drawn again once the pane has its children
        #: and its size (the app may draw before the screen finished mounting).
        self._asked: tuple[list[Text], str, str, tuple[Text, ...]] = ([], "", "", ())

    def compose(self) -> ComposeResult:
        yield TextRows(id="coach-text")
        yield TextRows(id="coach-code")

    def on_mount(self) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def show(
        self, lines: list[Text], code: str = "", caption: str = "", extra: tuple[Text, ...] = ()
    ) -> None:
        """`lines` (each wraps to the pane's width), then `code` drawn if it fits the rows
        left, with `caption` (what it is) if there is a row for it. `extra` lines (a note,
        a lesson's intro) go above, each only if there is room after the code."""
        self._asked = (lines, code, caption, extra)
        self._draw()

    def _draw(self) -> None:
        try:
            text_rows = self.query_one("#coach-text", TextRows)
            code_rows = self.query_one("#coach-code", TextRows)
        except NoMatches:  # not composed yet: on_mount draws it
            return
        lines, code, caption, extra = self._asked
        width = max(self.content_region.width, 1)
        rows_left = self.content_region.height - sum(_rows(line, width) for line in lines)
        drawn = code_text(code, width) if code else None
        shown = list(lines)
        if drawn is not None and _height(drawn) <= rows_left:
            rows_left -= _height(drawn)
            if caption and rows_left > 0:
                shown.append(Text(printable(caption, limit=width), style="dim", no_wrap=True))
                rows_left -= 1
        else:
            drawn = None
            if code:
                said = Text(printable(code, limit=width * 2), style="bold")
                shown.append(said)
                rows_left -= _rows(said, width)
        above = []
        for line in extra:
            need = _rows(line, width)
            if need <= rows_left:
                above.append(line)
                rows_left -= need
        said = Text("\n").join([*above, *shown])
        text_rows.show_text(said, layout=True)
        code_rows.show_text(drawn if drawn is not None else Text(), layout=True)


def _height(text: Text) -> int:
    return len(text.plain.split("\n"))


def _rows(text: Text, width: int) -> int:
    """Lines `text` takes wrapped at `width` (words kept whole, as the widget wraps)."""
    total = 0
    for line in text.plain.split("\n"):
        used, rows = 0, 1
        for word in line.split(" "):
            size = len(word)
            if used and used + 1 + size > width:
                rows, used = rows + 1, size
            else:
                used += (1 if used else 0) + size
            while used > width:  # a word longer than the line is cut over lines
                rows, used = rows + 1, used - width
        total += rows
    return total
