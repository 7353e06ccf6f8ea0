"""Login: the station waits for a badge."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Static

from packstation.widgets.bars import StatusBar
from packstation.widgets.result_panel import ResultPanel
from packstation.widgets.text_line import TextLine


class LoginScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        with Middle(id="login-box"):
            with Center():
                yield Static(id="login-title")
            with Center():
                yield Static(id="login-prompt")
            yield ResultPanel(id="result")
        yield TextLine(id="keys")
        yield StatusBar(id="status")

    def set_texts(self, title: str, prompt: str, keys: str) -> None:
        self.query_one("#login-title", Static).update(Text(title, style="bold"))
        self.query_one("#login-prompt", Static).update(Text(prompt))
        self.query_one("#keys", TextLine).show_text(Text(keys, style="dim"))
