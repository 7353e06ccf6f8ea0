"""The big green/red panel: what happened to the last scan, and what to do next."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from packstation.domain.text import printable


class ResultPanel(Static):
    """Everything shown is a `Text`, never markup: a scanned `[red]x[/]` stays literal."""

    DEFAULT_CSS = """
    ResultPanel {
        height: 5;
        border: heavy $secondary;
        padding: 0 1;
    }
    ResultPanel.-ok { border: heavy $success; background: $success 20%; }
    ResultPanel.-error { border: heavy $error; background: $error 25%; }
    """

    def show(self, ok: bool | None, title: str, code: str | None, hint: str) -> None:
        self.set_class(ok is True, "-ok")
        self.set_class(ok is False, "-error")
        body = Text()
        mark = "✓ " if ok else ("✗ " if ok is False else "")
        body.append(mark + title, style="bold")
        if code:
            body.append("\n  ")
            body.append(printable(code, limit=70))
        body.append("\n  ")
        body.append(hint, style="italic")
        self.update(body)
