"""The big green/red panel: what happened to the last scan, and what to do next."""

from __future__ import annotations

from rich.text import Text

from packstation.domain.text import printable
from packstation.widgets.big_text import big_lines, big_width
from packstation.widgets.text_rows import TextRows


class ResultPanel(TextRows):
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

    def set_big(self, big: bool) -> None:
        """Big mode (`[station] big`): a headline in block letters above the result."""
        self.set_class(big, "-big")

    def show(
        self,
        ok: bool | None,
        title: str,
        code: str | None,
        hint: str,
        headline: str = "",
        still: str = "",
    ) -> None:
        """`still`: an earlier red not yet acknowledged, shown in the code's place (it says
        what to do first; the code refused now matters less)."""
        self.set_class(ok is True, "-ok")
        self.set_class(ok is False, "-error")
        body = Text()
        width = self.content_region.width or 76
        if headline and self.has_class("-big") and big_width(headline) <= width:
            body.append("\n".join(big_lines(headline)) + "\n", style="bold")
        mark = "✓ " if ok else ("✗ " if ok is False else "")
        body.append(mark + title, style="bold")
        if still:
            body.append("\n")
            body.append("⚠ " + still, style="bold reverse")
        elif code:
            body.append("\n  ")
            body.append(printable(code, limit=70))
        body.append("\n  ")
        body.append(hint, style="italic")
        self.show_text(body)
