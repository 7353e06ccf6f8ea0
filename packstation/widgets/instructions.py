"""The pack instructions of the step the packer is at, above the progress line.

Hidden when the step has none, so a screen without instructions looks as before. At most
three rows, each cut to one line (80x24): the full text of a confirm instruction is in the
checklist at the checks step, where it is confirmed by scan.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from packstation.domain.workflow import PackState, Step
from packstation.domain.workflow.instructions import shown_at
from packstation.i18n import Msg, t
from packstation.widgets.text_rows import TextRows

#: Rows the instructions may take on an 80x24 screen.
MAX_ROWS = 3
#: Cells of a row when the widget has no size yet (80 columns less the padding).
DEFAULT_WIDTH = 78


def instruction_rows(state: PackState, locale: str, width: int = DEFAULT_WIDTH) -> list[Text]:
    """One row per instruction of the current step, each at most ``width`` cells; a confirm
    one says where it is confirmed (at the checks step it is in the checklist instead)."""
    stage = state.stage
    items = [i for i in shown_at(state) if not (i.confirm and stage is Step.CHECKS)]
    rows: list[Text] = []
    for n, item in enumerate(items):
        if n == MAX_ROWS - 1 and len(items) > MAX_ROWS:
            more = t(Msg("ui.instructions_more", {"count": len(items) - n}), locale)
            rows.append(Text(f"  {more}", style="yellow"))
            break
        note = f" {t(Msg('ui.instruction_confirm'), locale)}" if item.confirm else ""
        text = Text(f"! {item.text}", style="bold yellow")
        text.truncate(max(width - cell_len(note), 1), overflow="ellipsis")
        rows.append(text + Text(note, style="yellow"))
    return rows


class InstructionsLine(TextRows):
    DEFAULT_CSS = "InstructionsLine { height: auto; padding: 0 1; display: none; }"

    _count = 0

    def render_state(self, state: PackState, locale: str) -> None:
        """Drawn on every render: nothing is laid out again unless the rows' number changed."""
        width = self.content_region.width or DEFAULT_WIDTH
        rows = instruction_rows(state, locale, width)
        if self.display != bool(rows):
            self.display = bool(rows)
        if rows or self._count:
            self.show_text(Text("\n").join(rows), layout=len(rows) != self._count)
            self._count = len(rows)
