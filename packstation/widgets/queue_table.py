"""A DataTable whose rows are keyed and updated by diff: no clear(), no flicker.

`sync(rows)` compares the wanted rows with what is shown and only adds new
keys, removes vanished ones, updates the cells whose text or style changed and
reorders when the order changed. The cursor stays on the same key. A cell is
compared as (text, style) because rich's Text equality ignores the base style.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

#: One cell: its text and its rich style ("" for none).
Cell = tuple[str, str]
#: One row: its key and its cells, the first of which shows the key.
Row = tuple[str, tuple[Cell, ...]]


@dataclass(slots=True)
class SyncStats:
    """What the last `sync` changed (tests assert a refresh did not rebuild the table)."""

    added: int = 0
    removed: int = 0
    updated: int = 0
    reordered: bool = False


class KeyedTable(DataTable[Text]):
    DEFAULT_CSS = """
    KeyedTable {
        height: 1fr;
    }
    """

    def __init__(
        self, columns: Sequence[tuple[str, str]], *, id: str | None = None, zebra: bool = False
    ) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=zebra)
        self._column_spec = list(columns)
        self._shown: dict[str, tuple[Cell, ...]] = {}
        self._order: list[str] = []
        self.last_sync = SyncStats()

    def on_mount(self) -> None:
        for key, label in self._column_spec:
            self.add_column(label, key=key)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Column widths are measured on idle, after rows were added, without a new update
        count; DataTable's line caches are keyed on that count, so a frame drawn in between
        would stay cached with the header-wide columns (seen as "ORD-1" for "ORD-1005")."""
        super()._update_dimensions(new_rows)
        self._update_count += 1

    @property
    def keys(self) -> list[str]:
        """Row keys in display order."""
        return list(self._order)

    def cursor_key(self) -> str | None:
        if not self._order or not 0 <= self.cursor_row < len(self._order):
            return None
        return self._order[self.cursor_row]

    def set_labels(self, labels: Sequence[str]) -> None:
        for column, label in zip(self.ordered_columns, labels, strict=False):
            if column.label.plain != label:
                column.label = Text(label)
        self.refresh()

    def sync(self, rows: Sequence[Row]) -> SyncStats:
        stats = SyncStats()
        cursor = self.cursor_key()
        wanted: dict[str, tuple[Cell, ...]] = {}
        for key, cells in rows:
            wanted.setdefault(key, cells)
        for key in [k for k in self._shown if k not in wanted]:
            self.remove_row(key)
            del self._shown[key]
            stats.removed += 1
        columns = [key for key, _ in self._column_spec]
        for key, cells in wanted.items():
            before = self._shown.get(key)
            if before is None:
                self.add_row(*(Text(text, style=style) for text, style in cells), key=key)
                stats.added += 1
            elif before != cells:
                for column, old, new in zip(columns, before, cells, strict=True):
                    if old != new:
                        self.update_cell(key, column, Text(new[0], style=new[1]), update_width=True)
                        stats.updated += 1
            self._shown[key] = cells
        order = list(wanted)
        current = [k for k in self._order if k in wanted] + [
            k for k in order if k not in self._order
        ]
        if current != order:
            rank = {cells[0][0]: i for i, (_, cells) in reversed(list(enumerate(wanted.items())))}
            first = columns[0]
            self.sort(first, key=lambda cell: rank.get(cell.plain, len(rank)))
            stats.reordered = True
        self._order = order
        if cursor is not None and cursor in wanted:
            index = order.index(cursor)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False, scroll=False)
        self.last_sync = stats
        return stats
