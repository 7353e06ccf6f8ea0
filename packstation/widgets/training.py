"""Training widgets: the TRAINING banner on every training screen, the coach's pane, and
the label preview.

The pane shows what the coach says (a sentence, what the code is) above the code to scan,
drawn large (`big_code.py`); when the code does not fit the pane's rows (big mode, a long
code) its text is shown instead, so the sentence always fits. At the label step the body
beside it shows the label as printed (`LabelPreview`): a training station prints nothing.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.css.query import NoMatches

from packstation.domain.text import printable
from packstation.widgets.big_code import CODE_STYLE, code_text
from packstation.widgets.text_rows import TextRows

__all__ = ["CoachPane", "LabelPreview", "TrainingBanner", "label_rows"]


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


def label_rows(lines: tuple[str, ...], barcode: str, rows: int) -> list[str]:
    """The label's lines that fit `rows`, the barcode's text last. When they do not all fit,
    what a packer checks least goes first: the sender block (our own address), the order
    line, then the ship-to address from its end (the country, its last line, stays); the
    carrier, "To:", "Parcel n of m", the marks and the barcode stay."""
    shown = [*lines, barcode] if barcode else list(lines)
    if len(shown) <= rows:
        return shown
    to = next((i for i, line in enumerate(lines) if line.startswith("To: ")), None)
    order = next((i for i, line in enumerate(lines) if line.startswith("Order ")), None)
    drop: list[int] = []
    if to is not None:
        drop += range(1, to)  # the sender
        if order is not None:
            drop.append(order)
            drop += range(order - 2, to, -1)  # the address, the country (order - 1) kept
    keep = set(range(len(shown)))
    for index in drop:
        if len(keep) <= rows:
            break
        keep.discard(index)
    kept = [line for i, line in enumerate(shown) if i in keep]
    if len(kept) > rows:  # a tiny body: the barcode's text is what is scanned, it stays
        kept = [*kept[: rows - 1], kept[-1]] if barcode and rows > 0 else kept[:rows]
    return kept


class LabelPreview(TextRows):
    """The label just printed, as the printer would print it: its text fields in black on
    white, the barcode's text last (the barcode itself is drawn in the coach's pane)."""

    DEFAULT_CSS = "LabelPreview { height: 1fr; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._asked: tuple[str, tuple[str, ...], str] = ("", (), "")

    def on_resize(self) -> None:
        self._draw()

    def show_label(self, title: str, lines: tuple[str, ...], barcode: str) -> None:
        self._asked = (title, lines, barcode)
        self._draw()

    def _draw(self) -> None:
        title, lines, barcode = self._asked
        width, height = self.content_region.width, self.content_region.height
        if width < 4 or height < 2:
            return
        fitted = [
            printable(line, limit=width - 2) for line in label_rows(lines, barcode, height - 1)
        ]
        paper = max((len(line) for line in fitted), default=0) + 2
        shown = [Text(" " + printable(title, limit=width - 1), style="bold", no_wrap=True)]
        for i, line in enumerate(fitted):
            last = bool(barcode) and i == len(fitted) - 1
            text = Text(f" {line}".ljust(paper), style=CODE_STYLE, no_wrap=True)
            if last:
                text.stylize("bold")
            shown.append(text)
        self.show_text(Text("\n").join(shown), layout=True)
