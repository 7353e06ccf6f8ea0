"""The order's lines as a fixed-column table: sku, item, scanned/expected, state colour.

Drawn as one `rich.text.Text` of just the rows that fit, not a DataTable: a
DataTable re-renders every visible cell through Rich on each update, which
made a scan on a 2,000-line order several times slower than on a 3-line one.
Here a scan costs the same whatever the order's size: the rows shown are a
window that keeps the last scanned line (or the first open one) in view.
"""

from __future__ import annotations

from rich.cells import set_cell_size
from rich.text import Text

from packstation.domain.text import printable
from packstation.domain.workflow import LineView, PackState
from packstation.widgets.text_rows import TextRows

#: (header, width) of each column; the item column takes what is left.
SKU_W, QTY_W, MARK_W = 15, 9, 2


#: Rows kept built (a few windows' worth; cleared beyond four times this).
ROW_CACHE = 1024


def _cell(text: str, width: int) -> str:
    return set_cell_size(text, width)


class LinesTable(TextRows):
    DEFAULT_CSS = """
    LinesTable { height: 1fr; padding: 0 1; }
    """

    rows_shown: int = 0

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        #: Each line's row as last drawn, by (line, packed, required, width): a row is
        #: built once, not on every scan that shows it.
        self._rows: dict[tuple[int, int, int, int], tuple[LineView, Text]] = {}
        #: Position of each line id in the order last shown.
        self._positions: tuple[tuple[LineView, ...], dict[int, int]] = ((), {})

    def _position(self, lines: tuple[LineView, ...], line_id: int) -> int | None:
        if self._positions[0] is not lines:
            self._positions = (lines, {line.line_id: i for i, line in enumerate(lines)})
        return self._positions[1].get(line_id)

    def _focus_index(self, state: PackState) -> int:
        """Row to keep in view: the line of the last accepted scan, else the first open one."""
        lines = state.lines
        if state.scans:
            found = self._position(lines, state.scans[-1].line_id)
            if found is not None:
                return found
        first_open = state.open_lines(limit=1)
        if first_open:
            return self._position(lines, first_open[0].line_id) or 0
        return 0

    def render_state(self, state: PackState) -> None:
        lines = state.lines
        room = max(self.size.height - 1, 1) if self.size.height else 20
        start = 0
        if len(lines) > room:
            start = min(max(self._focus_index(state) - room // 2, 0), len(lines) - room)
        window = lines[start : start + room]
        name_w = max((self.size.width or 78) - 2 - SKU_W - QTY_W - MARK_W - 3, 10)
        item = "Item"
        if start or len(window) < len(lines):  # which rows of how many, inside the line
            item += f"  {start + 1}-{start + len(window)}/{len(lines)}"
        header = Text(f"{_cell('SKU', SKU_W)} {_cell(item, name_w)} {'Qty':>{QTY_W}} ")
        header.stylize("bold")
        shown = [header]
        if len(self._rows) > 4 * ROW_CACHE:
            self._rows.clear()
        for line, packed, required in state.line_counts(window):
            key = (id(line), packed, required, name_w)
            cached = self._rows.get(key)
            if cached is None or cached[0] is not line:
                cached = self._rows[key] = (line, self._row(line, packed, required, name_w))
            shown.append(cached[1])
        self.rows_shown = len(window)
        self.show_lines(shown)

    @staticmethod
    def _row(line: LineView, packed: int, required: int, name_w: int) -> Text:
        """One row, styled as a line of the table's text: the row's colour over all of it,
        then the tick."""
        flags = (" ⚠fragile" if line.fragile else "") + (" ⚠liquid" if line.liquid else "")
        flags += " ▣marked" if line.marked else ""
        done = packed >= required
        style = "green" if done else ("yellow" if packed else "")
        qty = f"{packed} / {required}" + ("*" if required < line.qty else "")
        name = printable(line.name, limit=200)
        body = (
            _cell(printable(line.sku, limit=40), SKU_W)
            + " "
            + _cell(name[: max(name_w - len(flags), 1)] + flags, name_w)
            + " "
            + f"{qty:>{QTY_W}} "
        )
        row = Text(body + ("✓" if done else " "))
        if style:
            row.stylize(style)
        row.stylize("bold green", len(body))
        return row

    def on_resize(self) -> None:
        app_state = getattr(self.app, "state", None)
        if isinstance(app_state, PackState):
            self.render_state(app_state)
