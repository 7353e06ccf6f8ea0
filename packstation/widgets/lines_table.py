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
from packstation.widgets.text_line import TextLine

#: (header, width) of each column; the item column takes what is left.
SKU_W, QTY_W, MARK_W = 15, 9, 2


def _cell(text: str, width: int) -> str:
    return set_cell_size(text, width)


class LinesTable(TextLine):
    DEFAULT_CSS = """
    LinesTable { height: 1fr; padding: 0 1; }
    """

    rows_shown: int = 0

    def _focus_index(self, state: PackState) -> int:
        """Row to keep in view: the line of the last accepted scan, else the first open one."""
        lines = state.lines
        if state.scans:
            last = state.scans[-1].line_id
            for i, line in enumerate(lines):
                if line.line_id == last:
                    return i
        first_open = state.open_lines(limit=1)
        if first_open:
            target = first_open[0].line_id
            for i, line in enumerate(lines):
                if line.line_id == target:
                    return i
        return 0

    def render_state(self, state: PackState) -> None:
        lines = state.lines
        room = max(self.size.height - 1, 1) if self.size.height else 20
        start = 0
        if len(lines) > room:
            start = min(max(self._focus_index(state) - room // 2, 0), len(lines) - room)
        window = lines[start : start + room]
        name_w = max((self.size.width or 78) - 2 - SKU_W - QTY_W - MARK_W - 3, 10)
        text = Text()
        header = f"{_cell('SKU', SKU_W)} {_cell('Item', name_w)} {'Qty':>{QTY_W}} "
        text.append(
            header
            + (
                f"  {start + 1}-{start + len(window)}/{len(lines)}"
                if start or len(window) < len(lines)
                else ""
            ),
            style="bold",
        )
        for line, packed, required in state.line_counts(window):
            text.append("\n")
            text.append_text(self._row(line, packed, required, name_w))
        self.rows_shown = len(window)
        self.show_text(text)

    @staticmethod
    def _row(line: LineView, packed: int, required: int, name_w: int) -> Text:
        flags = (" ⚠fragile" if line.fragile else "") + (" ⚠liquid" if line.liquid else "")
        flags += " ▣marked" if line.marked else ""
        done = packed >= required
        style = "green" if done else ("yellow" if packed else "")
        qty = f"{packed} / {required}" + ("*" if required < line.qty else "")
        name = printable(line.name, limit=200)
        row = Text(style=style)
        row.append(_cell(printable(line.sku, limit=40), SKU_W) + " ")
        row.append(_cell(name[: max(name_w - len(flags), 1)] + flags, name_w) + " ")
        row.append(f"{qty:>{QTY_W}} ")
        row.append("✓" if done else " ", style="bold green")
        return row

    def on_resize(self) -> None:
        app_state = getattr(self.app, "state", None)
        if isinstance(app_state, PackState):
            self.render_state(app_state)
