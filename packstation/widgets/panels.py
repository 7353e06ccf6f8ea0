"""Step panels: the checklist/documents list and the weight display."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text

from packstation.devices.base import ScaleReading
from packstation.domain.workflow import PackState
from packstation.i18n import Msg, t
from packstation.widgets.text_line import TextLine


def kg(grams: Decimal) -> str:
    return f"{grams / 1000:.3f} kg"


class ChecklistPanel(TextLine):
    DEFAULT_CSS = "ChecklistPanel { height: 1fr; padding: 0 1; }"

    def render_state(self, state: PackState, locale: str) -> None:
        text = Text()
        text.append(t(Msg("ui.checklist"), locale) + "\n", style="bold")
        for i, item in enumerate(state.checks):
            skipped = state.skipped(i)
            if skipped is not None:  # a lead's approval, not a confirmation
                note = t(Msg("ui.check_skipped", {"name": skipped.lead_name}), locale)
                text.append(f" {i + 1}. [-] {item.text}", style="yellow")
                text.append(f"  ({note})\n", style="dim yellow")
                continue
            done = i in state.checks_done
            text.append(f" {i + 1}. [{'x' if done else ' '}] ", style="green" if done else "")
            text.append(item.text + "\n", style="green" if done else "")
        text.append(t(Msg("ui.documents"), locale) + "\n", style="bold")
        for kind in state.documents:
            done = kind in state.documents_done
            text.append(f"    [{'x' if done else ' '}] {kind}", style="green" if done else "")
            if not done and state.order:
                text.append(f"   DOC:{kind}:{state.order.id}", style="dim")
            text.append("\n")
        self.show_text(text)


class WeightPanel(TextLine):
    DEFAULT_CSS = "WeightPanel { height: 1fr; padding: 0 1; }"

    def render_weight(self, state: PackState, reading: ScaleReading | None, locale: str) -> None:
        text = Text()
        if reading is None:
            text.append(t(Msg("ui.no_scale"), locale), style="dim")
        else:
            mark = (
                "▣ " + t(Msg("ui.stable"), locale)
                if reading.stable
                else "… " + t(Msg("ui.motion"), locale)
            )
            text.append(f"{kg(reading.grams)}  ", style="bold")
            text.append(mark, style="green" if reading.stable else "yellow")
            if not reading.usable:
                text.append(f"  {reading.state.name.lower()}", style="bold red")
        text.append("\n")
        if state.order and state.box:
            expected = state.expected_weight_g
            tolerance = state.weight.tolerance_g if state.weight else None
            line = t(Msg("ui.expected", {"weight": kg(expected)}), locale)
            if tolerance is not None:
                line += f" ± {tolerance:.0f} g"
            text.append(line + "\n")
        if state.weight:
            diff = state.weight.difference_g
            text.append(
                t(
                    Msg(
                        "ui.weighed", {"weight": kg(state.weight.actual_g), "diff": f"{diff:+.0f}"}
                    ),
                    locale,
                ),
                style="green" if state.weight_ok else "bold red",
            )
        self.show_text(text)
