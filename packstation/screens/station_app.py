"""The station app: renders the runner's state and turns keys and device frames into commands.

Nothing here blocks: the runner thread does database and printer work, the
device drivers run their own threads, and both report through posted messages.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from packstation.clock import Clock, utcnow
from packstation.config import LeaseTimings, PinLimits
from packstation.devices.base import DeviceState, DeviceStatus
from packstation.devices.base import ScaleReading as DeviceReading
from packstation.domain.rules import PackRules
from packstation.domain.signals import must_acknowledge, signal_for
from packstation.domain.workflow import Action, Key, Outcome, PackState, Step
from packstation.domain.workflow import ScaleReading as WorkflowReading
from packstation.domain.workflow.explain import carrier_lines
from packstation.i18n import Msg, t
from packstation.screens.login import LoginScreen
from packstation.screens.messages import DeviceChanged, ScaleUpdate, ScannerLine, WorkflowUpdated
from packstation.screens.pack import PackScreen
from packstation.sounds.player import Signaller
from packstation.sounds.settings import SoundSettings
from packstation.station import trace
from packstation.station.demo import WRONG_ITEM, next_action
from packstation.station.input import command_for_text, masked
from packstation.station.runner import IDLE_S, DeviceNote, RunResult, StationRunner
from packstation.widgets.bars import HeaderBar, StatusBar, StepBar
from packstation.widgets.instructions import InstructionsLine
from packstation.widgets.lines_table import LinesTable
from packstation.widgets.panels import ChecklistPanel, WeightPanel
from packstation.widgets.result_panel import ResultPanel
from packstation.widgets.text_rows import TextRows
from packstation.widgets.wedge import WedgeBuffer

if TYPE_CHECKING:
    from packstation.evidence.station import StationEvidence
    from packstation.models.db import Database
    from packstation.screens.returns import ReturnsScreen

log = logging.getLogger(__name__)

#: The collector's default thresholds (young allocations, then collections of each
#: generation), applied by the station itself between scans (`StationApp._collect`).
GC_THRESHOLDS = (700, 10, 10)
#: Seconds after start-up by which the memory is settled even without the database.
SETTLE_AFTER_S = 10.0
#: How long after a result is drawn the collector may run (its frame is out by then).
GC_DELAY_S = 0.02
#: A red that would mis-ship flashes the result panel this many times, this fast.
FLASHES = 3
FLASH_S = 0.2


@dataclass
class StationSetup:
    """Everything the app needs, built by the CLI (`run`, `demo`) or a test."""

    #: An open database, or its URL (then the runner opens it off the UI thread).
    db: Database | str
    station_id: str
    rules: PackRules
    locale: str = "ru"
    station_name: str = ""
    #: Started by the app, stopped on exit: objects with start()/stop().
    devices: dict[str, Any] = field(default_factory=dict)
    printer: Any = None
    #: Invoices and CN23s are printed here when an order is claimed ([documents] printer).
    documents_printer: Any = None
    label_format: str = "zpl"
    #: Demo only: simulators the demo keys drive ("scanner", "scale").
    simulators: dict[str, Any] = field(default_factory=dict)
    #: The station's clock (tests and snapshots pin it).
    clock: Clock = utcnow
    #: Kiosk: no key leaves the app; exit needs a lead's badge and PIN (F12).
    kiosk: bool = False
    #: Sender block printed on labels ([shipper] in the config).
    ship_from: tuple[str, ...] = ()
    #: Lease and auto-release times ([floor] in the config); None: the defaults.
    leases: LeaseTimings | None = None
    #: Wrong PINs before a lead badge locks, and for how long ([security]).
    pin_limits: PinLimits = field(default_factory=PinLimits)
    #: `[sounds]`: a sound per class of result (None: one terminal bell per red, as before).
    sounds: SoundSettings | None = None
    #: `[station] big`: the result in big letters, readable from two metres.
    big: bool = False
    #: `[[channels]]`: the marketplace clients, made in the station's worker thread (HTTP
    #: loads only where marketplace orders are packed, never before the first screen).
    marketplaces: Callable[[Callable[[Any], None]], dict[str, Any]] | None = None
    #: `[printer] dpi`: a marketplace's PDF label is drawn at it for a raw printer.
    printer_dpi: int = 203
    #: The camera ([camera] configured): its watch is `devices["camera"]`.
    evidence: StationEvidence | None = None


class StationApp(App[None]):
    CSS_PATH = "station.tcss"
    TITLE = "packstation"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f2", "workflow('DEFECT')", "defect", priority=True),
        Binding("f3", "workflow('UNDO')", "undo", priority=True),
        Binding("f4", "workflow('CANCEL')", "cancel", priority=True),
        Binding("f5", "workflow('REPRINT')", "reprint", priority=True),
        Binding("f9", "workflow('LEAD')", "lead", priority=True),
        Binding("f10", "workflow('LOGOUT')", "logout", priority=True),
        Binding("f11", "returns", "returns", priority=True),
        Binding("f1", "queue", "queue", priority=True),
        Binding("f6", "demo('next')", "demo: next", priority=True, show=False),
        Binding("f7", "demo('wrong')", "demo: wrong item", priority=True, show=False),
        Binding("f8", "demo('heavy')", "demo: wrong weight", priority=True, show=False),
        Binding("f12", "kiosk_exit", "exit", priority=True, show=False),
    ]
    #: Actions that would leave the app or open a tool: refused in kiosk mode.
    KIOSK_BLOCKED = frozenset(
        {
            "quit",
            "help_quit",
            "command_palette",
            "suspend_process",
            "screenshot",
            "toggle_dark",
            "change_theme",
            "show_help_panel",
            "hide_help_panel",
            "maximize",
        }
    )

    #: The screens it switches between (training shows its own, with the TRAINING banner).
    login_screen: type[LoginScreen] = LoginScreen
    pack_screen: type[PackScreen] = PackScreen

    def __init__(self, setup: StationSetup) -> None:
        super().__init__()
        self.setup = setup
        self.locale = setup.locale
        self.state = PackState()
        self.outcome: Outcome | None = None
        self.wedge = WedgeBuffer()
        self.reading: DeviceReading | None = None
        self.device_status: dict[str, DeviceStatus | None] = {
            "scanner": None if "scanner" in setup.devices else None,
            "scale": None,
            "printer": DeviceStatus(DeviceState.CONNECTED, "") if setup.printer else None,
        }
        if "camera" in setup.devices:  # on the device bar once configured ("–" until read)
            self.device_status["camera"] = None
        self.db_ok = True
        #: Results rendered so far (tests and the latency benchmark wait on it).
        self.results_seen = 0
        self._render_pending = False
        self._trace_flush_due = False
        #: The last result of a burst not yet signalled (sound, bells, flash): one per burst.
        self._signal_due: Outcome | None = None
        self.signals = Signaller(setup.sounds, lambda: self.bell(), self._later)
        #: Times the result panel flashed (a red that would mis-ship; tests read it).
        self.flashes = 0
        #: What each part of the screen was last drawn for (`_changed`).
        self._drawn: dict[str, object] = {}
        #: The automatic collector is off once the station is up (`_settle_memory`).
        self._gc_paused = False
        self._gc_was_enabled = True
        #: Kiosk exit dialog: None, "badge" or "pin" (then `_exit_badge` holds the badge).
        self.exit_stage: str | None = None
        #: Kiosk only: an unhandled error closed the app (`packstation run` shows the red
        #: screen that waits for a lead).
        self.crashed = False
        self._exit_badge = ""
        #: Serial devices open once this process has the station id (the runner's first
        #: answer that is not "already open"): a second process must not read the scanner
        #: or poll the scale of the one that has it.
        self._devices_started = False
        #: The serial scanner has been open once: start-up is no longer waiting for it.
        self._scanner_opened = False
        self.runner = StationRunner(
            setup.db,
            setup.station_id,
            setup.rules,
            self._post_result,
            printer=setup.printer,
            label_format=setup.label_format,
            station_name=setup.station_name,
            clock=setup.clock,
            ship_from=setup.ship_from,
            leases=setup.leases,
            pin_limits=setup.pin_limits,
            documents_printer=setup.documents_printer,
            evidence=setup.evidence,
            marketplaces=setup.marketplaces,
            printer_dpi=setup.printer_dpi,
        )

    def _post_result(self, result: RunResult) -> None:
        self.post_message(WorkflowUpdated(result))

    # --- start / stop --------------------------------------------------------------

    async def on_mount(self) -> None:
        trace.mark("start.mount")
        await self.push_screen(self.login_screen())
        for name, device in self.setup.devices.items():
            self._wire(name, device)
        self.runner.start()
        self.signals.start(web=self.is_web)
        self.set_interval(1.0, self._tick_clock)
        # Settled when the worker has loaded the station; at the latest after this (a
        # database that is away at start-up must not leave the collector off for good).
        self.set_timer(SETTLE_AFTER_S, self._settle_memory)
        self.render_all()

    def _settle_memory(self) -> None:
        """Objects alive once the station is up (SQLAlchemy, biip tables, Textual) live as
        long as the app: move them out of the collector's way, so a full collection never
        lands in the middle of a scan. Not collected first (`packstation run` starts with
        the collector off, and a full collection then takes 50 ms, a tenth of the start):
        what start-up left of cycles stays, once. From here on the collector runs between
        scans (`_collect`), not whenever a scan's allocations cross its threshold (a scan
        allocates enough for a young collection or two, and one in ten of those took the
        middle generation with it: milliseconds inside the scan)."""
        if self._gc_paused:
            return
        gc.freeze()
        self._gc_was_enabled = gc.isenabled()
        gc.disable()
        self._gc_paused = True

    def _collect(self) -> None:
        """What the automatic collector would have done by now (its default thresholds),
        run after a frame is out or on the clock tick: never inside a scan's work. A full
        collection (tens of ms: the next scan may come sooner) waits until the station is
        idle, or until it is ten times overdue."""
        if not self._gc_paused:
            return
        young, middle, old = gc.get_count()
        if young < GC_THRESHOLDS[0]:
            return
        generation = 0
        if middle + 1 >= GC_THRESHOLDS[1]:
            generation = 1
            if old + 1 >= GC_THRESHOLDS[2] and (
                self.runner.idle_s() > IDLE_S or old + 1 >= 10 * GC_THRESHOLDS[2]
            ):
                generation = 2
        gc.collect(generation)

    def _wire(self, name: str, device: Any) -> None:
        post = self.post_message
        device.on_status = lambda status, n=name: post(DeviceChanged(n, status))
        if name == "scanner":

            def on_code(text: str) -> None:
                trace.mark("read")
                post(ScannerLine(text))

            device.on_code = on_code
        elif name == "scale":
            device.on_reading = lambda reading: post(ScaleUpdate(reading))

    def on_unmount(self) -> None:
        if self._gc_paused and self._gc_was_enabled:  # the process goes on (tests)
            gc.enable()
        self._gc_paused = False
        self.runner.stop()
        self.signals.stop()
        for device in self.setup.devices.values():
            device.stop()

    # --- input -----------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.setup.kiosk and action in self.KIOSK_BLOCKED:
            self._kiosk_message(self.tr("ui.kiosk.locked"))
            return False
        # The pack workflow's keys wait until the returns or queue screen is left.
        return not (action in ("workflow", "demo") and self._away_from_packing())

    def _away_from_packing(self) -> bool:
        """The returns desk or the lead's queue view is on top of the pack screen."""
        if isinstance(self.screen, PackScreen | LoginScreen):
            return False  # (without importing the queue screens: the first scan would)
        from packstation.screens.queue_app import QueueScreen
        from packstation.screens.queue_modal import LeadActionScreen

        trainees = sys.modules.get("packstation.screens.trainees")  # loaded by the queue's `t`
        if trainees is not None and isinstance(
            self.screen, trainees.TraineesScreen | trainees.ReadyScreen
        ):
            return True
        return self._returns() is not None or isinstance(
            self.screen, QueueScreen | LeadActionScreen
        )

    def _returns(self) -> ReturnsScreen | None:
        """The returns desk, if it is the screen shown (its module loads with F11, not at
        start-up: no instance can exist before)."""
        module = sys.modules.get("packstation.screens.returns")
        screen = self.screen
        if module is not None and isinstance(screen, module.ReturnsScreen):
            return cast("ReturnsScreen", screen)
        return None

    # --- kiosk: a crash never shows a traceback ----------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """Outside a kiosk, Textual's own handling (exit with the traceback). In a kiosk the
        error goes to the log and the app closes with `CRASH_EXIT`, no traceback: its message
        loop may be gone, so `packstation run` puts up a fresh red screen that waits for a
        lead (`screens/kiosk_crash.py`)."""
        if not self.setup.kiosk:
            super()._handle_exception(error)
            return
        from packstation.screens.kiosk_crash import CRASH_EXIT

        log.error("unhandled error in the kiosk station", exc_info=error)
        self.crashed = True
        self._return_code = CRASH_EXIT
        self._close_messages_no_wait()

    def action_kiosk_exit(self) -> None:
        if not self.setup.kiosk:
            self.exit()
            return
        self.exit_stage = "badge"
        self._kiosk_message(self.tr("ui.kiosk.badge"))

    def _kiosk_message(self, text: str) -> None:
        try:
            panel = self.screen.query_one(ResultPanel)
        except Exception:
            return
        panel.show(None, text, None, self.tr("ui.kiosk.cancel") if self.exit_stage else "")

    def _kiosk_text(self, text: str) -> None:
        if self.exit_stage == "badge":
            self._exit_badge, self.exit_stage = text, "pin"
            self._kiosk_message(self.tr("ui.kiosk.pin"))
            return
        badge, self.exit_stage = self._exit_badge, None
        self.run_worker(lambda: self._check_lead(badge, text), thread=True, group="kiosk")

    def _check_lead(self, badge: str, pin: str) -> None:
        """Worker thread: the PIN is checked against the database, never on the UI loop."""
        from packstation.models.operators_repo import PinCheck, PinStatus, kiosk_exit

        backend = self.runner.backend
        check: PinCheck | None = None
        if backend is not None:
            try:
                # A unit of work: the exit is audited (`kiosk.exit`); wrong PINs count
                # towards the badge lockout (committed by operators_repo on their own).
                with backend.db.unit_of_work() as session:
                    check = kiosk_exit(
                        session,
                        badge,
                        pin,
                        station_id=self.setup.station_id,
                        now=self.setup.clock(),
                        limit=self.setup.pin_limits.attempts,
                        lock_for=self.setup.pin_limits.lock_for,
                    )
            except Exception:  # database away: stay locked
                log.exception("kiosk exit check failed")
        self.call_from_thread(self._kiosk_verdict, check is not None and check.ok)
        if check is not None and check.status is PinStatus.LOCKED:
            locked = self.tr("ui.kiosk.badge_locked", until=check.until_local())
            self.call_from_thread(self._kiosk_message, locked)

    def _kiosk_verdict(self, allowed: bool) -> None:
        if allowed:
            self.exit()
        else:
            self.bell()
            self._kiosk_message(self.tr("ui.kiosk.denied"))

    async def on_event(self, event: events.Event) -> None:
        # Any key or click, whichever screen or field takes it, means someone is at the
        # station: the idle logout counts from here (returns desk, queue view included).
        if isinstance(event, events.Key | events.MouseDown) and not event.is_forwarded:
            self.runner.note_activity()
        await super().on_event(event)

    def on_key(self, event: events.Key) -> None:
        if self._away_from_packing() and self._returns() is None and not self.exit_stage:
            return  # the queue view's own keys and fields (search, the lead's PIN)
        if self.exit_stage and event.key == "escape":
            self.exit_stage = None
            self.wedge.clear()
            self.render_all()
            event.stop()
            return
        text = self.wedge.feed(event.key, event.character)
        event.stop()
        if text is not None:
            self.submit_text(text)
        else:
            self._render_typing()

    def on_scanner_line(self, message: ScannerLine) -> None:
        trace.mark("ui_line")
        log.debug("ui: scanner line %r", message.text)
        self.submit_text(message.text)

    def submit_text(self, text: str) -> None:
        self.runner.note_activity()
        if self.exit_stage:
            self._kiosk_text(text)
            return
        returns = self._returns()
        if returns is not None:
            returns.submit_text(text)
            return
        if self._away_from_packing():
            # A scan at the queue view (or its lead dialog): back to packing, and it counts.
            from packstation.screens.queue_app import QueueScreen

            stack = self.screen_stack
            queues = [i for i, screen in enumerate(stack) if isinstance(screen, QueueScreen)]
            above = queues[-1] if queues else len(stack) - 1
            for _ in range(len(stack) - above):
                self.pop_screen()
        self.runner.submit(command_for_text(self.state, text))
        trace.mark("submitted")

    def action_queue(self) -> None:
        """F1: the floor's queue for a lead or admin at this station (F1 or q returns)."""
        from packstation.screens.queue_app import QueueScreen, QueueSetup
        from packstation.screens.queue_modal import LeadActionScreen

        screen, operator = self.screen, self.state.operator
        if isinstance(screen, QueueScreen):
            screen.action_close()
            return
        if isinstance(screen, LeadActionScreen) or operator is None:
            return
        if not operator.is_lead or not isinstance(screen, PackScreen):
            self.bell()
            if isinstance(screen, PackScreen):
                refusal = self.tr("ui.queue.leads_only", role=operator.role)
                screen.query_one(ResultPanel).show(False, refusal, None, "")
            return
        backend = self.runner.backend
        setup = QueueSetup(
            # The station's own database once its worker opened it, else the same URL.
            db=backend.db if backend is not None and backend.db_open else self.setup.db,
            locale=self.locale,
            clock=self.setup.clock,
            pin_limits=self.setup.pin_limits,
            evidence=self.setup.evidence.settings if self.setup.evidence else None,
        )
        self.push_screen(QueueScreen(setup), callback=lambda _: self.render_all())

    def action_workflow(self, name: str) -> None:
        self.runner.submit(Key(Action(name)))

    def action_returns(self) -> None:
        """F11: the returns screen (lead, admin, returns desk; not in the middle of an order)."""
        from packstation.domain.returns import may_open_returns
        from packstation.screens.returns import ReturnsScreen

        screen, operator = self.screen, self.state.operator
        if isinstance(screen, ReturnsScreen):
            screen.action_leave()
            return
        if operator is None or not isinstance(screen, PackScreen):
            return
        refusal = ""
        if not may_open_returns(operator.role):
            refusal = self.tr("returns.not_allowed", role=operator.role)
        elif self.state.order is not None:
            refusal = self.tr("returns.finish_order_first", order=self.state.order.id)
        if refusal:
            self.bell()
            screen.query_one(ResultPanel).show(False, refusal, None, "")
            return

        def database() -> Database | None:
            backend = self.runner.backend
            return backend.db if backend is not None else None

        returns = ReturnsScreen(
            operator=operator,
            station_id=self.setup.station_id,
            locale=self.locale,
            database=database,
            clock=self.setup.clock,
        )
        self.push_screen(returns, callback=lambda _: self.render_all())

    def action_demo(self, what: str) -> None:
        """Demo keys act through the simulators, so the real serial path is exercised."""
        scanner = self.setup.simulators.get("scanner")
        scale = self.setup.simulators.get("scale")
        if what == "wrong":
            self._demo_scan(scanner, WRONG_ITEM)
            return
        action = next_action(self.state, self.setup.rules)
        if what == "heavy" and self.state.step is Step.WEIGHT:
            grams = self.state.expected_weight_g + Decimal(400)
            if scale is not None:
                scale.set_weight(grams, stable=True)
            return
        if self.state.step in (Step.IDLE, Step.CLOSED) and scale is not None:
            scale.set_weight(0, stable=True)  # the last parcel leaves the scale
        if action.kind == "weigh":
            if scale is not None:
                scale.set_weight(Decimal(action.value), stable=True)
            else:
                self.runner.submit(WorkflowReading(Decimal(action.value), True))
        else:
            self._demo_scan(scanner, action.value)

    def _demo_scan(self, scanner: Any, text: str) -> None:
        if scanner is not None:
            scanner.send(text)
        else:
            self.runner.submit(command_for_text(self.state, text))

    # --- device and runner messages ------------------------------------------------------

    def on_scale_update(self, message: ScaleUpdate) -> None:
        reading = message.reading
        self.reading = reading
        if self.state.step is Step.WEIGHT and reading.stable and reading.usable:
            self.runner.submit(WorkflowReading(reading.grams, True))
        self._render_devices()
        if self.state.step is Step.WEIGHT:
            with suppress(NoMatches):
                self._render_body()

    def on_device_changed(self, message: DeviceChanged) -> None:
        self.device_status[message.device] = message.status
        status = message.status
        self.runner.submit(DeviceNote(message.device, status.state.value, status.detail))
        if message.device == "scale" and not message.status.ok:
            self.reading = None
        if message.device == "scanner" and status.ok and not self._scanner_opened:
            self._scanner_opened = True
            trace.mark("start.scanner_open")
            self.render_all()  # "starting" becomes "ready" (or back) with the scanner
        else:
            self._render_devices()

    async def on_workflow_updated(self, message: WorkflowUpdated) -> None:
        trace.mark("ui_result")
        result: RunResult = message.result
        self.results_seen += 1
        if not self._devices_started and not self.runner.busy:
            self._devices_started = True
            trace.mark("start.devices")
            for device in self.setup.devices.values():
                device.start()
        if result.recovered:  # the worker has loaded everything it needs
            self.call_after_refresh(self._settle_memory)
        log.debug("ui: result %s", result.outcome.message.key if result.outcome else None)
        self.state = result.state
        self.db_ok = self.runner.db_ok
        if result.outcome is not None and not result.outcome.quiet:
            self.outcome = result.outcome
            self._signal_due = result.outcome
        if result.printed:
            self.device_status["printer"] = DeviceStatus(DeviceState.CONNECTED, result.printed)
        elif result.outcome and result.outcome.message.key == "station.print_failed":
            self.device_status["printer"] = DeviceStatus(DeviceState.ERROR, "")
        logged_in = self.state.operator is not None
        if not logged_in and self._returns() is not None:
            await self.pop_screen()  # logged out (idle): the returns desk closes with the session
        if logged_in and isinstance(self.screen, LoginScreen):
            await self.switch_screen(self.pack_screen())
        elif not logged_in and isinstance(self.screen, PackScreen):
            await self.switch_screen(self.login_screen())
        # A burst of results (500 codes in one write) renders once, not 500 times.
        if not self._render_pending:
            self._render_pending = True
            self.call_later(self._render_now)

    def _render_now(self) -> None:
        self._render_pending = False
        self.render_all()
        trace.mark("rendered")
        if self._signal_due is not None:
            self._give_signal(self._signal_due)
        if self._gc_paused:  # a plain loop timer: no Textual timer task on the scan's path
            asyncio.get_running_loop().call_later(GC_DELAY_S, self._collect)

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

    def _tick_clock(self) -> None:
        self._collect()
        if isinstance(self.screen, PackScreen) and self.state.order:
            with suppress(NoMatches):  # a screen still composing after a switch
                self._render_header()

    # --- rendering -----------------------------------------------------------------------

    if trace.ENABLED:  # the latency benchmark's profile: when each frame was handed on

        def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
            super()._display(screen, renderable)
            if renderable is not None:
                trace.mark("frame")
                if not self._trace_flush_due:  # written a moment later, not by this frame
                    self._trace_flush_due = True
                    asyncio.get_running_loop().call_later(0.2, self._flush_trace)

        def _flush_trace(self) -> None:
            self._trace_flush_due = False
            trace.flush()

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
            for line in screen.query(InstructionsLine):
                line.render_state(state, self.locale)
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
        panel.show(shown.ok, t(shown.message, self.locale), shown.shown_code, hint, headline)

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
