"""Order lines with scanned/expected counts, updated by diff (no flicker, no rebuild per scan).

Orders of up to WINDOW lines are shown whole. Larger ones (a 2,000-line
order) show a window of WINDOW lines that starts near the first open line and
moves in steps of STEP, so a scan updates one row instead of re-laying-out
thousands.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from packstation.domain.text import printable
from packstation.domain.workflow import LineView, PackState

COLUMNS = (("sku", "SKU", 14), ("name", "Item", 40), ("qty", "Qty", 8), ("mark", "", 2))
WINDOW = 100
STEP = 50

Cells = tuple[Text, Text, Text, Text]


def line_cells(line: LineView, packed: int, required: int) -> Cells:
    flags = (" ⚠fragile" if line.fragile else "") + (" ⚠liquid" if line.liquid else "")
    flags += " ▣marked" if line.marked else ""
    done = packed >= required
    style = "green" if done else ("yellow" if packed else "")
    qty = f"{packed} / {required}" + ("*" if required < line.qty else "")
    return (
        Text(printable(line.sku, limit=14), style=style),
        Text(printable(line.name, limit=40 - len(flags)) + flags, style=style),
        Text(qty, style=style, justify="right"),
        Text("✓" if done else "", style="bold green"),
    )


def window_start(state: PackState) -> int:
    lines = state.lines
    if len(lines) <= WINDOW:
        return 0
    first_open = state.open_lines(limit=1)
    index = lines.index(first_open[0]) if first_open else len(lines) - 1
    return min((index // STEP) * STEP, max(len(lines) - WINDOW, 0))


class LinesTable(DataTable[Text]):
    """Rows keyed by line id; a scan touches only the row whose count changed."""

    DEFAULT_CSS = """
    LinesTable { height: 1fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.can_focus = False
        self._view: tuple[str | None, int] = (None, 0)
        self._shown: dict[str, tuple[int, int]] = {}

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def render_state(self, state: PackState) -> None:
        start = window_start(state)
        view = (state.order.id if state.order else None, start)
        if view != self._view:
            self.clear()
            self._shown.clear()
            self._view = view
        for line, packed, required in state.line_counts(state.lines[start : start + WINDOW]):
            key = str(line.line_id)
            before = self._shown.get(key)
            if before == (packed, required):
                continue
            cells = line_cells(line, packed, required)
            self._shown[key] = (packed, required)
            if before is None:
                self.add_row(*cells, key=key)
                continue
            for (col, _label, _width), value in zip(COLUMNS, cells, strict=True):
                self.update_cell(key, col, value)
