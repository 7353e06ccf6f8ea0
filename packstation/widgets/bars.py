"""One-line bars: order header, step breadcrumb, device/database status."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from packstation.devices.base import DeviceState, DeviceStatus
from packstation.domain.text import printable
from packstation.domain.workflow import PackState, Step
from packstation.domain.workflow.state import ORDER_STEPS
from packstation.i18n import Msg, t
from packstation.widgets.text_rows import TextRows


def countdown(ship_by: datetime | None, now: datetime, locale: str) -> Text:
    if ship_by is None:
        return Text("")
    left = ship_by - now
    local = ship_by.astimezone()
    minutes = int(left.total_seconds() // 60)
    if minutes < 0:
        return Text(t(Msg("ui.late", {"time": f"{local:%H:%M}"}), locale), style="bold red")
    text = t(
        Msg(
            "ui.ship_by", {"time": f"{local:%H:%M}", "left": f"{minutes // 60}h{minutes % 60:02d}m"}
        ),
        locale,
    )
    return Text(text, style="bold yellow" if minutes < 120 else "")


class HeaderBar(TextRows):
    DEFAULT_CSS = "HeaderBar { height: 1; background: $panel; }"

    def render_state(self, station: str, state: PackState, now: datetime, locale: str) -> None:
        text = Text(f" {station}  ", style="bold")
        if state.operator:
            text.append(printable(state.operator.name, limit=20))
            text.append(f" ({state.operator.role})  ")
        order = state.order
        if order:
            text.append(printable(order.id, limit=20), style="bold")
            text.append(f"  {printable(order.city, limit=16)}  ")
            text.append_text(countdown(order.ship_by, now, locale))
        self.show_text(text)


class StepBar(TextRows):
    DEFAULT_CSS = "StepBar { height: 1; }"

    def render_state(self, state: PackState, locale: str) -> None:
        text = Text(" ")
        stage = state.stage
        for i, step in enumerate(ORDER_STEPS):
            name = t(Msg(f"step.{step.value}"), locale)
            if i:
                text.append(" ▸ ", style="dim")
            if step is stage:
                text.append(name.upper(), style="bold reverse")
            elif (
                state.order and ORDER_STEPS.index(step) < ORDER_STEPS.index(stage)
                if stage in ORDER_STEPS
                else False
            ):
                text.append(name, style="green")
            else:
                text.append(name, style="dim")
        if state.step not in ORDER_STEPS and state.step not in (
            Step.IDLE,
            Step.LOGGED_OUT,
            Step.CLOSED,
        ):
            text.append("   ")
            text.append(t(Msg(f"step.{state.step.value}"), locale).upper(), style="bold magenta")
        self.show_text(text)


_DOT = {
    DeviceState.CONNECTED: ("●", "green"),
    DeviceState.DISCONNECTED: ("○", "red"),
    DeviceState.BUSY: ("◍", "yellow"),
    DeviceState.ERROR: ("✗", "red"),
}


_NAMES = ("scanner", "scale", "printer")


class StatusBar(TextRows):
    """Device and database state: a packer sees at once why a scan did nothing."""

    DEFAULT_CSS = "StatusBar { height: 1; background: $panel; }"

    def render_status(
        self, devices: dict[str, DeviceStatus | None], db_ok: bool, weight: str, locale: str
    ) -> None:
        text = Text(" ")
        # The camera only where one is configured (`evidence/watch.py`).
        names = ("scanner", "scale", "printer", "camera") if "camera" in devices else _NAMES
        for name in names:
            status = devices.get(name)
            label = t(Msg(f"ui.device.{name}"), locale)
            if status is None:
                text.append(f"– {label}  ", style="dim")
                continue
            dot, style = _DOT.get(status.state, ("?", "red"))
            text.append(f"{dot} ", style=style)
            text.append(label)
            if name == "scale" and status.state is DeviceState.CONNECTED:
                text.append(f" {weight}")
            elif name == "camera" and not status.ok:
                # "stalled", "unplugged", "no recorder": the watch's detail starts with it.
                state = status.detail.partition(":")[0] or "unknown"
                text.append(" " + t(Msg(f"ui.camera.{state}"), locale), style="bold red")
            text.append("  ")
        text.append("● " if db_ok else "✗ ", style="green" if db_ok else "bold red")
        text.append(t(Msg("ui.device.db" if db_ok else "ui.db_down"), locale))
        self.show_text(text)
