"""A keyed table that draws only its visible rows and repaints only the rows that changed.

The queue screen's tables (orders, stations) were Textual DataTables: on every
update a DataTable measures each changed cell through Rich, re-renders whole
rows through Rich's console and, on a new row set, rebuilds its caches; with a
200-row page that was most of the 130-200 ms between a filter key and its
rows. Here a row is one line of the table built straight from its cells'
strings (no Rich console), cached by its cells, and drawn through Textual's
line API (`ScrollView.render_line`) only when it is on screen.

`sync(rows)` compares the wanted rows with what is shown, keeps the cursor on
the same key, and refreshes only the lines whose row changed (all of them
when the column widths or the row count changed). A cell is compared as
(text, style) strings. Columns are as wide as their widest cell on the page
plus one space each side (as DataTable's), so a screen too narrow for them
shows a horizontal scrollbar (`tests/screens/test_fit_80x24.py` checks it never
needs one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: One cell: its text and its rich style ("" for none).
Cell = tuple[str, str]
#: One row: its key and its cells, the first of which shows the key.
Row = tuple[str, tuple[Cell, ...]]

#: Built rows kept beyond the page shown (a few pages' worth).
STRIP_CACHE = 2048


@dataclass(slots=True)
class SyncStats:
    """What the last `sync` changed (tests assert a refresh did not rebuild the table)."""

    added: int = 0
    removed: int = 0
    updated: int = 0
    reordered: bool = False


@dataclass(slots=True)
class Column:
    key: str
    label: Text


class KeyedTable(ScrollView, can_focus=True):
    """Rows of text cells under a header line, keyed by a string, with a row cursor."""

    DEFAULT_CSS = """
    KeyedTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        &:focus {
            background-tint: $foreground 5%;
            & > .keyed-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .keyed-table--header {
                background-tint: $foreground 5%;
            }
        }
        & > .keyed-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .keyed-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .keyed-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"keyed-table--header", "keyed-table--cursor"}
    BINDINGS = [
        Binding("up", "cursor(-1)", "up", show=False),
        Binding("down", "cursor(1)", "down", show=False),
        Binding("pageup", "page(-1)", "page up", show=False),
        Binding("pagedown", "page(1)", "page down", show=False),
        Binding("home", "cursor_to(0)", "first", show=False),
        Binding("end", "cursor_to(-1)", "last", show=False),
    ]

    def __init__(
        self, columns: Sequence[tuple[str, str]], *, id: str | None = None, zebra: bool = False
    ) -> None:
        super().__init__(id=id)
        self.ordered_columns = [Column(key, Text(label)) for key, label in columns]
        self._column_index = {c.key: i for i, c in enumerate(self.ordered_columns)}
        #: Cells by key, and the keys in display order.
        self._shown: dict[str, tuple[Cell, ...]] = {}
        self._order: list[str] = []
        self._cursor = 0
        #: Built lines: (cells, cursor row) -> strip, for the current widths and styles.
        self._strips: dict[tuple[tuple[Cell, ...], bool], Strip] = {}
        self._header: Strip | None = None
        self._styles_key: tuple[Style, int, Style, Style] | None = None
        self._base = Style()
        self._cursor_style = Style()
        self._header_style = Style()
        self._parsed: dict[str, Style] = {}
        #: Each column's width, padding included (the header's, until there are rows).
        self._widths: tuple[int, ...] = self._measure()
        self.last_sync = SyncStats()
        #: Row lines built so far (a refresh that changed one row builds one line).
        self.lines_built = 0

    # --- what tests and the screen read ---------------------------------------------------

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._order)

    @property
    def rows(self) -> dict[str, tuple[Cell, ...]]:
        """Cells of each row shown, by key."""
        return self._shown

    @property
    def row_count(self) -> int:
        return len(self._order)

    @property
    def cursor_row(self) -> int:
        return self._cursor

    def cursor_key(self) -> str | None:
        if not self._order or not 0 <= self._cursor < len(self._order):
            return None
        return self._order[self._cursor]

    def get_cell(self, key: str, column: str) -> Text:
        text, style = self._shown[key][self._column_index[column]]
        return Text(text, style=style)

    # --- changing it ------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._relayout()

    def set_labels(self, labels: Sequence[str]) -> None:
        for column, label in zip(self.ordered_columns, labels, strict=False):
            if column.label.plain != label:
                column.label = Text(label)
        self._widths = self._measure()
        self._relayout()

    def sync(self, rows: Sequence[Row]) -> SyncStats:
        stats = SyncStats()
        cursor = self.cursor_key()
        wanted: dict[str, tuple[Cell, ...]] = {}
        for key, cells in rows:
            wanted.setdefault(key, cells)
        old_order, old_shown = self._order, self._shown
        for key, cells in wanted.items():
            before = old_shown.get(key)
            if before is None:
                stats.added += 1
            elif before != cells:
                stats.updated += sum(1 for a, b in zip(before, cells, strict=False) if a != b)
        stats.removed = sum(1 for key in old_shown if key not in wanted)
        order = list(wanted)
        kept = [k for k in old_order if k in wanted]
        stats.reordered = kept != [k for k in order if k in old_shown]
        self._shown, self._order = wanted, order
        if cursor is not None and cursor in wanted:
            self._cursor = order.index(cursor)
        self._cursor = min(self._cursor, max(len(order) - 1, 0))
        widths = self._measure()
        if widths != self._widths or len(order) != len(old_order):
            self._widths = widths
            self._relayout()
        else:
            start = int(self.scroll_y)
            end = start + max(self.size.height - 1, 0)
            for index in range(start, min(end, len(order))):
                key = order[index]
                if (
                    index >= len(old_order)
                    or old_order[index] != key
                    or old_shown[key] != wanted[key]
                ):
                    self._refresh_row(index)
            if cursor is not None and self.cursor_key() != cursor:
                self._refresh_row(self._cursor)
        self._scroll_cursor_into_view()
        self.last_sync = stats
        return stats

    def move_cursor(
        self,
        *,
        row: int | None = None,
        column: int | None = None,
        animate: bool = False,
        scroll: bool = True,
    ) -> None:
        if row is None or not self._order:
            return
        row = min(max(row, 0), len(self._order) - 1)
        if row == self._cursor:
            return
        old, self._cursor = self._cursor, row
        self._refresh_row(old)
        self._refresh_row(row)
        if scroll:
            self._scroll_cursor_into_view()

    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self._cursor + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(row=self._cursor + step * max(self.size.height - 1, 1))

    def action_cursor_to(self, row: int) -> None:
        self.move_cursor(row=row if row >= 0 else len(self._order) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_cursor(row=int(self.scroll_y) + event.y - 1)

    # --- layout -------------------------------------------------------------------------------

    def _measure(self) -> tuple[int, ...]:
        widths = [cell_len(c.label.plain) for c in self.ordered_columns]
        count = len(widths)
        for cells in self._shown.values():
            for i in range(min(count, len(cells))):
                n = cell_len(cells[i][0])
                if n > widths[i]:
                    widths[i] = n
        return tuple(w + 2 for w in widths)

    def _relayout(self) -> None:
        self._strips.clear()
        self._header = None
        self.virtual_size = Size(sum(self._widths), len(self._order) + 1)
        self.refresh()

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_y) + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def _scroll_cursor_into_view(self) -> None:
        room = max(self.size.height - 1 - self._scrollbar_rows(), 1)
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + room:
            self.scroll_to(y=self._cursor - room + 1, animate=False, force=True)

    def _scrollbar_rows(self) -> int:
        return self.scrollbar_size_horizontal if self.show_horizontal_scrollbar else 0

    # --- drawing ------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        key = (
            self.rich_style,
            self.size.width,
            self.get_component_rich_style("keyed-table--cursor"),
            self.get_component_rich_style("keyed-table--header"),
        )
        if key != self._styles_key:
            self._styles_key = key
            self._base, _, self._cursor_style, self._header_style = key
            self._strips.clear()
            self._header = None
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        scroll_x = int(self.scroll_x)
        if y == 0:
            if self._header is None:
                self._header = self._build(
                    tuple((c.label.plain, "") for c in self.ordered_columns), self._header_style
                )
            strip = self._header
        else:
            index = int(self.scroll_y) + y - 1
            if not 0 <= index < len(self._order):
                return Strip.blank(width, self._base)
            cells = self._shown[self._order[index]]
            cursor = index == self._cursor
            strip_key = (cells, cursor)
            cached = self._strips.get(strip_key)
            if cached is None:
                if len(self._strips) > STRIP_CACHE:
                    self._strips.clear()
                row_style = self._base + self._cursor_style if cursor else self._base
                cached = self._strips[strip_key] = self._build(cells, row_style, cursor)
                self.lines_built += 1
            strip = cached
        if not scroll_x and strip.cell_length == width:
            return strip
        return strip.crop(scroll_x, scroll_x + width)

    def _build(self, cells: tuple[Cell, ...], row_style: Style, cursor: bool = False) -> Strip:
        """One line: each cell padded to its column, in the row's style and its own."""
        segments = []
        post = Style(color=self._cursor_style.color) if cursor else None
        for (text, style), width in zip(cells, self._widths, strict=False):
            body = " " + set_cell_size(text, width - 2) + " "
            cell_style = row_style + self._parse(style) if style else row_style
            if post is not None:
                cell_style += post
            segments.append(Segment(body, cell_style))
        used = sum(self._widths[: len(cells)])
        room = max(self.size.width, sum(self._widths))
        if used < room:  # the row's style (the cursor's bar) to the right edge
            segments.append(Segment(" " * (room - used), row_style))
        return Strip(segments, max(used, room))

    def _parse(self, style: str) -> Style:
        parsed = self._parsed.get(style)
        if parsed is None:
            parsed = self._parsed[style] = Style.parse(style)
        return parsed
