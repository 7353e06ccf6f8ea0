"""The pack screen: header, steps, result panel, then the step's own panel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from packstation.widgets.bars import HeaderBar, StatusBar, StepBar
from packstation.widgets.instructions import InstructionsLine
from packstation.widgets.lines_table import LinesTable
from packstation.widgets.panels import ChecklistPanel, WeightPanel
from packstation.widgets.result_panel import ResultPanel
from packstation.widgets.text_rows import TextRows


class PackScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield StepBar(id="steps")
        yield ResultPanel(id="result")
        with ContentSwitcher(id="body", initial="lines"):
            yield LinesTable(id="lines")
            yield WeightPanel(id="weight")
            yield ChecklistPanel(id="checklist")
        yield InstructionsLine(id="instructions")
        yield TextRows(id="progress")
        yield TextRows(id="keys")
        yield StatusBar(id="status")
