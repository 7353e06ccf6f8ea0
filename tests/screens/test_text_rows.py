"""`TextRows` draws a text exactly as a Static does (colours included), line by line."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from packstation.widgets.text_rows import TextRows

CSS = """
Static, TextRows { height: 5; padding: 0 1; }
.panel { background: $success 20%; border: heavy $success; }
.bar { background: $panel; color: $text-muted; }
"""

TEXTS = [
    Text(""),
    Text("plain"),
    Text("a base style", style="green"),
    Text("bold yellow base", style="bold yellow"),
    Text("dim", style="dim"),
    Text.assemble(("bold", "bold"), " then ", ("dim", "dim"), " ", ("italic", "italic")),
    Text.assemble(("ITEMS", "bold reverse"), (" ▸ ", "dim"), ("box", "green"), ("weight", "dim")),
    Text.assemble(Text("S1   Item 1   1 / 1 ", style="green"), ("✓", "bold green")),
    Text.assemble(("● ", "green"), "scanner  ", ("✗ ", "bold red"), ("database", "bold magenta")),
    Text("▓▓▓░░░░░░░", style="green"),
    Text.assemble(("✓ accepted", "bold"), "\n  4601234567893\n  ", ("next: scan", "italic")),
    Text("[red]not markup[/] \\ [b]", style="bold"),
    Text("широкий текст: кириллица", style="yellow"),
]


class Pair(App[None]):
    CSS = CSS

    def __init__(self, classes: str) -> None:
        super().__init__()
        self.classes_ = classes

    def compose(self) -> ComposeResult:
        yield Static(id="static", classes=self.classes_)
        yield TextRows(id="rows", classes=self.classes_)


def _drawn(widget: Widget) -> list[list[tuple[str, str]]]:
    """Each line as (text, style) runs, adjacent runs of one style merged, empty ones
    dropped; without the offsets a Static adds to its styles' meta (used for selecting
    text, not drawn)."""
    size = widget.outer_size
    out = []
    strip: Strip
    for strip in widget.render_lines(Region(0, 0, size.width, size.height)):
        runs: list[tuple[str, str]] = []
        for segment in strip:
            if not segment.text:
                continue
            style = str(segment.style.copy()) if segment.style else ""
            style = style.split(" meta")[0]
            if runs and runs[-1][1] == style:
                runs[-1] = (runs[-1][0] + segment.text, style)
            else:
                runs.append((segment.text, style))
        out.append(runs)
    return out


async def test_text_rows_draw_what_a_static_draws() -> None:
    for classes in ("", "panel", "bar"):
        app = Pair(classes)
        async with app.run_test(size=(40, 16)) as pilot:
            static, rows = app.query_one(Static), app.query_one(TextRows)
            for text in TEXTS:
                static.update(text)
                rows.show_text(text)
                await pilot.pause()
                assert _drawn(rows) == _drawn(static), (classes, text)


async def test_a_line_too_wide_is_wrapped_like_a_static() -> None:
    long = Text("a message far too long for the panel: it wraps " * 2, style="bold")
    app = Pair("panel")
    async with app.run_test(size=(40, 16)) as pilot:
        static, rows = app.query_one(Static), app.query_one(TextRows)
        for text in (Text("short"), long, Text("short again")):
            static.update(text)
            rows.show_text(text)
            await pilot.pause()
            assert _drawn(rows) == _drawn(static), text


def _spy_on_drawing(rows: TextRows) -> list[int]:
    """The rows `rows` draws from now on (each call of its `render_line`)."""
    drawn: list[int] = []
    original = rows.render_line

    def spy(y: int) -> Strip:
        drawn.append(y)
        return original(y)

    rows.render_line = spy  # type: ignore[method-assign]
    return drawn


async def test_only_changed_lines_are_drawn_again() -> None:
    app = Pair("")
    async with app.run_test(size=(40, 16)) as pilot:
        rows = app.query_one(TextRows)
        rows.show_text(Text("one\ntwo\nthree"))
        await pilot.pause()
        drawn = _spy_on_drawing(rows)
        rows.show_text(Text("one\nTWO\nthree"))
        await pilot.pause()
        assert set(drawn) == {1}
        assert rows.content.plain == "one\nTWO\nthree"


async def test_a_line_that_only_moved_is_not_drawn_again() -> None:
    """The lines table's window follows the scanned line: its rows move up or down, and
    only the rows new to the window (or changed) are drawn; what shows is what a Static
    shows."""
    app = Pair("bar")
    async with app.run_test(size=(40, 16)) as pilot:
        rows, static = app.query_one(TextRows), app.query_one(Static)
        a, b, c, d = (Text(f"row {n}") for n in "abcd")
        for line in (b, d):  # styled as the lines table styles its rows: spans
            line.stylize("green")
        changed = Text("row c")
        changed.stylize("bold", 4)
        rows.show_lines([a, b, c])
        await pilot.pause()
        drawn = _spy_on_drawing(rows)
        rows.show_lines([b, c, d])  # the window moved down by one
        static.update(Text("\n").join([b, c, d]))
        await pilot.pause()
        assert drawn == [2]
        assert _drawn(rows) == _drawn(static)
        drawn.clear()
        rows.show_lines([a, b, changed])  # back up, the last one changed
        static.update(Text("\n").join([a, b, changed]))
        await pilot.pause()
        assert drawn == [2]
        assert _drawn(rows) == _drawn(static)
        rows.set_class(False, "bar")  # restyled: every line drawn again
        static.set_class(False, "bar")
        drawn.clear()
        await pilot.pause()
        assert _drawn(rows) == _drawn(static)
        assert {0, 1, 2} <= set(drawn)
