"""The station app: renders the runner's state and turns keys and device frames into commands.

Nothing here blocks: the runner thread does database and printer work, the
device drivers run their own threads, and both report through posted messages.
Its drawing is `station_render.py`, its kiosk exit and crash handling `station_kiosk.py`
(its base classes), what it is made of `station_setup.py`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from contextlib import suppress
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from textual import events
from textual.binding import Binding
from textual.css.query import NoMatches

from packstation.devices.base import DeviceState, DeviceStatus
from packstation.devices.base import ScaleReading as DeviceReading
from packstation.domain.workflow import Action, Key, Outcome, PackState, Step
from packstation.domain.workflow import ScaleReading as WorkflowReading
from packstation.screens.login import LoginScreen
from packstation.screens.messages import DeviceChanged, ScaleUpdate, ScannerLine, WorkflowUpdated
from packstation.screens.pack import PackScreen
from packstation.screens.station_kiosk import StationKiosk
from packstation.screens.station_setup import StationSetup
from packstation.sounds.player import Signaller
from packstation.station import trace
from packstation.station.courier import Courier
from packstation.station.demo import WRONG_ITEM, next_action
from packstation.station.recovery import IDLE_S
from packstation.station.results import DeviceNote, RunResult
from packstation.station.runner import StationRunner
from packstation.widgets.result_panel import ResultPanel
from packstation.widgets.wedge import WedgeBuffer

if TYPE_CHECKING:
    from packstation.models.db import Database

__all__ = ["StationApp", "StationSetup"]

log = logging.getLogger(__name__)

#: The collector's default thresholds, applied by the station between scans (`_collect`).
GC_THRESHOLDS = (700, 10, 10)
#: Seconds after start-up by which the memory is settled even without the database.
SETTLE_AFTER_S = 10.0
#: How long after a result is drawn the collector may run (its frame is out by then).
GC_DELAY_S = 0.02


class StationApp(StationKiosk):
    CSS_PATH = "station.tcss"
    #: Serial scans at the login and pack screens skip the UI (False: `submit_text` sees all).
    SCANS_TO_WORKER = True
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
            "scanner": None,
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
        self._gate = None
        self._frames_dropped = False
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
        #: Kiosk only: an unhandled error closed the app (a red screen waits for a lead).
        self.crashed = False
        self._exit_badge = ""
        #: Serial devices open once this process has the station id (the runner's first
        #: answer that is not "already open"): not the scanner of another process.
        self._devices_started = False
        #: The serial scanner has been open once: start-up is no longer waiting for it.
        self._scanner_opened = False
        #: The worker's results, posted from a thread of their own (`station/courier.py`).
        self._courier: Courier[RunResult] = Courier(self._post_result, "station-results")
        self.runner = StationRunner(
            setup.db,
            setup.station_id,
            setup.rules,
            self._courier.put,
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
        self._courier.start()
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
        trace.mark(f"gc{generation}")

    def _wire(self, name: str, device: Any) -> None:
        post = self.post_message
        device.on_status = lambda status, n=name: post(DeviceChanged(n, status))
        if name == "scanner":

            def on_code(text: str) -> None:
                trace.mark("read")
                if self._scans_to_worker():
                    self.runner.submit_text(text)
                else:
                    post(ScannerLine(text))

            device.on_code = on_code
        elif name == "scale":
            device.on_reading = lambda reading: post(ScaleUpdate(reading))

    def _scans_to_worker(self) -> bool:
        """(On the driver's thread.) At the login and pack screens a scan goes straight to the
        worker; elsewhere (returns desk, queue view, kiosk exit) the UI routes it."""
        if not self.SCANS_TO_WORKER or self.exit_stage:
            return False
        try:
            screen = self.screen
        except Exception:  # no screen yet, or one being switched: the UI decides
            return False
        return isinstance(screen, PackScreen | LoginScreen)

    def on_unmount(self) -> None:
        if self._gc_paused and self._gc_was_enabled:  # the process goes on (tests)
            gc.enable()
        self._gc_paused = False
        self.runner.stop()
        self._courier.stop()
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
        self.runner.submit_text(text)  # read in the worker's state, as a scan straight from it

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
            training_scores=self.setup.training_scores() if self.setup.training_scores else None,
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
            self.runner.submit_text(text)

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
        status, before = message.status, self.device_status.get(message.device)
        self.device_status[message.device] = status
        if before is not None and before.ok and not status.ok:
            self._device_lost()
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
        if result.settled:  # the commit of the result drawn went through
            self._settled()
            return
        if result.gate is None:  # a scan's result drawn before its commit counts once settled
            self.results_seen += 1
        if not self._devices_started and not self.runner.busy:
            self._devices_started = True
            trace.mark("start.devices")
            for device in self.setup.devices.values():
                device.start()
        if result.recovered:  # the worker has loaded everything it needs
            self.call_after_refresh(self._settle_memory)
        log.debug("ui: result %s", result.outcome.message.key if result.outcome else None)
        self._take_gate(result.gate)
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
        if self._signal_due is not None and self.gate_open():  # else once its frame is shown
            self._give_signal(self._signal_due)
        if self._gc_paused:  # a plain loop timer: no Textual timer task on the scan's path
            asyncio.get_running_loop().call_later(GC_DELAY_S, self._collect)

    def _tick_clock(self) -> None:
        trace.mark("tick")
        self._collect()
        if isinstance(self.screen, PackScreen) and self.state.order:
            with suppress(NoMatches):  # a screen still composing after a switch
                self._render_header()
