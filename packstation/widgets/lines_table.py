"""Order lines with scanned/expected counts, updated by diff (no flicker, no rebuild per scan)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from packstation.domain.text import printable
from packstation.domain.workflow import PackState

COLUMNS = (("sku", "SKU", 14), ("name", "Item", 40), ("qty", "Qty", 8), ("mark", "", 2))


def line_cells(state: PackState) -> dict[str, tuple[Text, Text, Text, Text]]:
    cells: dict[str, tuple[Text, Text, Text, Text]] = {}
    if state.order is None:
        return cells
    for line in state.order.lines:
        packed, required = state.packed(line.line_id), state.required(line)
        flags = (" ⚠fragile" if line.fragile else "") + (" ⚠liquid" if line.liquid else "")
        flags += " ▣marked" if line.marked else ""
        done = packed >= required
        style = "green" if done else ("yellow" if packed else "")
        short = required < line.qty
        qty = f"{packed} / {required}" + ("*" if short else "")
        cells[str(line.line_id)] = (
            Text(printable(line.sku, limit=14), style=style),
            Text(printable(line.name, limit=40 - len(flags)) + flags, style=style),
            Text(qty, style=style, justify="right"),
            Text("✓" if done else "", style="bold green"),
        )
    return cells


class LinesTable(DataTable[Text]):
    DEFAULT_CSS = """
    LinesTable { height: 1fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.can_focus = False
        self._order_id: str | None = None

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def render_state(self, state: PackState) -> None:
        order_id = state.order.id if state.order else None
        if order_id != self._order_id:
            self.clear()
            self._order_id = order_id
        wanted = line_cells(state)
        existing = {str(key.value) for key in self.rows}
        for key in existing - wanted.keys():
            self.remove_row(key)
        for key, cells in wanted.items():
            if key not in existing:
                self.add_row(*cells, key=key)
                continue
            for (col, _label, _w), value in zip(COLUMNS, cells, strict=True):
                if self.get_cell(key, col) != value:
                    self.update_cell(key, col, value)
