"""How the station app draws its state: the login and pack screens' parts, each drawn again
only when what it shows changed (`_changed`), "starting" until a scan can be taken.

A base class of `StationApp` (`station_app.py`), kept apart so that the app's input and
device handling and its drawing can each be read on their own.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.console import RenderableType
from rich.text import Text
from textual.app import App
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from packstation.devices.base import DeviceStatus
from packstation.devices.base import ScaleReading as DeviceReading
from packstation.domain.signals import SignalClass, must_acknowledge, signal_for
from packstation.domain.workflow import Outcome, PackState, Step
from packstation.domain.workflow.explain import carrier_lines
from packstation.i18n import Msg, t
from packstation.screens.login import LoginScreen
from packstation.screens.pack import PackScreen
from packstation.screens.station_setup import StationSetup
from packstation.station import trace
from packstation.station.commit_gate import CommitGate
from packstation.station.input import masked
from packstation.station.runner import StationRunner
from packstation.widgets.bars import HeaderBar, StatusBar, StepBar
from packstation.widgets.instructions import InstructionsLine
from packstation.widgets.lines_table import LinesTable
from packstation.widgets.panels import ChecklistPanel, WeightPanel
from packstation.widgets.result_panel import ResultPanel
from packstation.widgets.text_rows import TextRows
from packstation.widgets.wedge import WedgeBuffer

if TYPE_CHECKING:
    from packstation.screens.returns import ReturnsScreen
    from packstation.sounds.player import Signaller

__all__ = ["StationRendering"]

log = logging.getLogger("packstation.screens.station_app")

#: A red that would mis-ship flashes the result panel this many times, this fast.
FLASHES = 3
FLASH_S = 0.2


class StationRendering(App[None]):
    """The drawing half of the station app (its state is set by `StationApp`)."""

    setup: StationSetup
    locale: str
    state: PackState
    outcome: Outcome | None
    wedge: WedgeBuffer
    reading: DeviceReading | None
    device_status: dict[str, DeviceStatus | None]
    db_ok: bool
    runner: StationRunner
    exit_stage: str | None
    _drawn: dict[str, object]
    _scanner_opened: bool
    _trace_flush_due: bool

    #: The commit the state drawn now waits for (`station/commit_gate.py`), if any.
    _gate: CommitGate | None
    #: A frame was dropped at a gate: the whole screen is drawn again once it passes.
    _frames_dropped: bool
    #: A signal whose sound waits for its commit (given once the frame is shown).
    _signal_due: Outcome | None
    signals: Signaller
    #: Times the result panel flashed (a red that would mis-ship; tests read it).
    flashes: int
    #: Results drawn and committed so far (tests and the latency benchmark wait on it).
    results_seen: int

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        """A frame is written only once the commit of the state it shows went through."""
        gate = self._gate
        if renderable is not None and gate is not None:
            if not gate.passes():
                self._frames_dropped = True  # the worker asks again once its commit is done
                return
            self._gate = None
            trace.mark("gate")
            if self._signal_due is not None:
                asyncio.get_running_loop().call_soon(self._give_due_signal)
            if self._frames_dropped:  # an earlier frame never reached the terminal
                self._frames_dropped = False
                asyncio.get_running_loop().call_soon(self.refresh)
        super()._display(screen, renderable)
        if trace.ENABLED and renderable is not None:  # the latency benchmark's profile
            trace.mark("frame")
            if not self._trace_flush_due:  # written a moment later, not by this frame
                self._trace_flush_due = True
                asyncio.get_running_loop().call_later(0.2, self._flush_trace)

    def _flush_trace(self) -> None:
        self._trace_flush_due = False
        trace.flush()

    def _take_gate(self, gate: CommitGate | None) -> None:
        """A new result from the worker: frames wait for its commit, if it has one. Frames
        dropped at an earlier gate (its commit failed) mean the screen shows less than
        was drawn: all of it is drawn again."""
        self._gate = gate
        if gate is None and self._frames_dropped:
            self._frames_dropped = False
            self.refresh()

    def _settled(self) -> None:
        """The worker says the commit of the result drawn went through."""
        self.results_seen += 1
        if self._gate is not None and self._gate.ok:
            self._gate = None
        if self._frames_dropped:  # the commit was slower than a frame's wait
            self._frames_dropped = False
            self.refresh()
        if self._signal_due is not None and self.gate_open():
            self._give_signal(self._signal_due)

    def gate_open(self) -> bool:
        """No commit is awaited by the frames now drawn (a sound may follow its result)."""
        return self._gate is None or self._gate.ok is True

    def _give_due_signal(self) -> None:
        if self._signal_due is not None and self.gate_open():
            self._give_signal(self._signal_due)

    def _give_signal(self, outcome: Outcome) -> None:
        """The burst's last result is drawn: its sound (never waited for, `sounds/`), and a
        red that would mis-ship flashes the result panel."""
        self._signal_due = None
        kind = signal_for(outcome)
        if kind is not None:
            web = self._web_write if self.is_web and not self.is_headless else None
            self.signals.give(kind, bell=outcome.bell, web_write=web)
        if must_acknowledge(outcome):
            self._flash()

    def _device_lost(self) -> None:
        """A device that worked stopped (unplugged, port taken, no reply): heard as a
        failure once, not only seen on the device bar."""
        web = self._web_write if self.is_web and not self.is_headless else None
        self.signals.give(SignalClass.FAILURE, bell=True, web_write=web)

    def _web_write(self, text: str) -> None:
        if self._driver is not None:
            self._driver.write(text)

    def _later(self, delay: float, callback: Callable[[], object]) -> None:
        """A plain loop timer (no Textual timer task on the scan's path)."""
        asyncio.get_running_loop().call_later(delay, callback)

    def _flash(self) -> None:
        """The whole result panel flashes (`-flash` in station.tcss) a few times."""
        try:
            panel = self.screen.query_one(ResultPanel)
        except NoMatches:
            return
        self.flashes += 1
        panel.add_class("-flash")
        for i in range(1, 2 * FLASHES):
            self._later(FLASH_S * i, partial(panel.set_class, i % 2 == 0, "-flash"))

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.locale)

    def render_all(self) -> None:
        """Draw the whole state; skipped while a freshly switched screen is still composing
        (its own render follows once the switch completes)."""
        try:
            self._render_all()
        except NoMatches:
            self._drawn.clear()  # what was noted as drawn may not have been

    def _render_all(self) -> None:
        screen = self.screen
        if isinstance(screen, LoginScreen):
            screen.set_texts(
                self.tr(
                    "ui.station_title", station=self.setup.station_id, name=self.setup.station_name
                ),
                self._login_prompt(),
                self._keys_line(),
            )
        elif isinstance(screen, PackScreen):
            state = self.state
            # The bars a scan rarely changes are drawn again only when what they show
            # changed (the header's clock has its own tick).
            if self._changed("header", state.operator, state.order):
                self._render_header()
            if self._changed("steps", state.stage, state.step, state.order is not None):
                screen.query_one(StepBar).render_state(state, self.locale)
            self._render_body()
            # By id: a query by type walks the whole screen, on every scan.
            screen.query_one("#instructions", InstructionsLine).render_state(state, self.locale)
            self._render_progress()
            role = state.operator.role if state.operator else ""
            if self._changed("keys", role):
                screen.query_one("#keys", TextRows).show_text(Text(self._keys_line(), style="dim"))
        else:
            return
        self._render_result()
        self._render_devices()
        log.debug("ui: rendered")

    def _changed(self, part: str, *key: object) -> bool:
        """Whether `part` of the current screen shows something other than `key` (noted
        as shown). A new screen, or the same one shown again, draws everything."""
        stamp = (self.screen, key)
        if self._drawn.get(part) == stamp:
            return False
        self._drawn[part] = stamp
        return True

    def waiting_for(self) -> list[str]:
        """What the station waits for before a scan is taken: the serial scanner open (a
        scan before that is lost: nothing reads the port) and the store's first answer.
        Empty once "ready" may be shown."""
        waiting = []
        if "scanner" in self.setup.devices and not self._scanner_opened:
            waiting.append("scanner")  # (unplugged later: the device bar says so)
        if not self.runner.recovered and not self.runner.busy:
            waiting.append("database")
        return waiting

    def _starting_text(self, waiting: list[str]) -> str:
        what = ", ".join(self.tr(f"station.waiting.{part}") for part in waiting)
        return self.tr("station.starting", what=what)

    def _login_prompt(self) -> str:
        waiting = self.waiting_for()
        return self._starting_text(waiting) if waiting else self.tr("hint.scan_badge")

    def _keys_line(self) -> str:
        if self.setup.simulators:  # the demo's own keys replace the exception keys' legend
            return self.tr("ui.demo_keys") + "  F2/F3/F4"
        role = self.state.operator.role if self.state.operator else ""
        if role in ("lead", "admin"):
            return self.tr("ui.keys_lead")
        return self.tr("ui.keys_returns" if role == "returns" else "ui.keys")

    def _render_header(self) -> None:
        self.screen.query_one(HeaderBar).render_state(
            self.setup.station_id, self.state, self.setup.clock(), self.locale
        )

    def _render_result(self) -> None:
        try:
            panel = self.screen.query_one(ResultPanel)
        except Exception:
            return
        shown = self.state.alert or self.outcome
        panel.set_big(self.setup.big)
        waiting = self.waiting_for()
        if waiting and (shown is None or shown.message.key in ("station.ready", "station.resumed")):
            # Not "ready" before a scan is taken; an error (database down, station open
            # elsewhere) says more than "starting" and stays.
            panel.show(None, self._starting_text(waiting), None, self.tr("station.wait_ready"))
            return
        hint = t(shown.next_hint, self.locale) if shown else self.tr("hint.scan_badge")
        if shown is None:
            panel.show(None, self.tr("station.ready"), None, hint)
            return
        kind = signal_for(shown) if self.setup.big else None
        headline = self.tr(f"ui.signal.{kind.value}") if kind else ""
        still = (
            self.tr("ui.still", what=t(shown.earlier.message, self.locale)) if shown.earlier else ""
        )
        panel.show(shown.ok, t(shown.message, self.locale), shown.shown_code, hint, headline, still)

    def _render_body(self) -> None:
        screen = self.screen
        if not isinstance(screen, PackScreen):
            return
        step = self.state.stage
        switcher = screen.query_one(ContentSwitcher)
        if step is Step.WEIGHT:
            switcher.current = "weight"
            screen.query_one(WeightPanel).render_weight(self.state, self.reading, self.locale)
        elif step in (Step.CHECKS, Step.LABEL):
            switcher.current = "checklist"
            panel = screen.query_one(ChecklistPanel)
            panel.render_state(self.state, self.locale)
            if step is Step.LABEL:
                self._render_carrier(panel)
        else:
            switcher.current = "lines"
            screen.query_one(LinesTable).render_state(self.state)

    def _render_carrier(self, panel: ChecklistPanel) -> None:
        """Label step: under the checklist, why this carrier and tariff (or why none fits)."""
        lines = [t(msg, self.locale) for msg in carrier_lines(self.state)]
        shown = panel.content
        if lines and isinstance(shown, Text):
            panel.show_text(shown + Text("\n".join(lines), style="bold"))

    def _render_progress(self) -> None:
        screen = self.screen
        if not isinstance(screen, PackScreen):
            return
        text = Text()
        if self.wedge.text:
            typed = "•" * len(self.wedge.text) if self.exit_stage == "pin" else self.wedge.text
            if not self.exit_stage:
                typed = masked(self.state, typed)
            text.append("> " + typed[-60:], style="bold")
        elif self.state.order:
            done, total = self.state.units_packed, self.state.units_required
            filled = int(10 * done / total) if total else 10
            text.append(self.tr("ui.units", done=done, total=total) + "  ")
            text.append("▓" * filled + "░" * (10 - filled), style="green")
        screen.query_one("#progress", TextRows).show_text(text)

    def _render_typing(self) -> None:
        if isinstance(self.screen, PackScreen):
            self._render_progress()
        elif (returns := self._returns()) is not None:
            returns.show_typing(self.wedge.text)

    def _render_devices(self) -> None:
        if not self._changed(
            "devices", tuple(self.device_status.items()), self.db_ok, self.reading
        ):
            return
        try:
            bar = self.screen.query_one(StatusBar)
        except Exception:
            del self._drawn["devices"]
            return
        weight = ""
        if self.reading is not None:
            weight = f"{self.reading.grams / 1000:.3f} kg" + (" ▣" if self.reading.stable else " …")
        bar.render_status(self.device_status, self.db_ok, weight, self.locale)

    def _returns(self) -> ReturnsScreen | None:
        """The returns desk, if it is the screen shown (its module loads with F11, not at
        start-up: no instance can exist before)."""
        module = sys.modules.get("packstation.screens.returns")
        screen = self.screen
        if module is not None and isinstance(screen, module.ReturnsScreen):
            return cast("ReturnsScreen", screen)
        return None
