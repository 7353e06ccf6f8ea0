"""A Static that repaints only when its text really changed.

Results, device readings (5 a second) and the clock all re-render their bars;
skipping identical content keeps the compositor idle and scans fast.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class TextLine(Static):
    _shown: Text | None = None

    def show_text(self, text: Text, *, layout: bool = False) -> None:
        if text == self._shown:
            return
        self._shown = text
        self.update(text, layout=layout)
