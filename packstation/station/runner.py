"""The station's one worker thread: decide → commit → (print) → report.

Commands are handled strictly in arrival order (500 codes written at once are
recorded in that order). The new state is adopted only after its records are
committed; on any database error the packer sees "not recorded — scan again"
and the state stays where it was. Blocking work (database, printer) never runs
on the UI loop: the UI only calls `submit` and receives `RunResult`s through
the callback (which the Textual app turns into a posted message).

Everything that needs SQLAlchemy is in `backend.py`, imported by the worker
thread itself, so the first screen is up before the database stack is loaded.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from msgspec.structs import replace

from packstation.clock import Clock, utcnow
from packstation.config import LeaseTimings, PinLimits
from packstation.devices.base import Printer
from packstation.domain.codes import parse_code
from packstation.domain.rules import PackRules
from packstation.domain.workflow import (
    Action,
    Command,
    Decision,
    Key,
    Outcome,
    PackState,
    Scan,
    Tick,
    apply,
    hint_for,
    replay,
)
from packstation.domain.workflow.records import (
    LabelPrinted,
    OrderClaimed,
    OrderReleased,
    SessionLogin,
    SessionLogout,
)
from packstation.errors import describe_db_error
from packstation.i18n import Msg
from packstation.station import trace
from packstation.station.agent_notes import LABEL_WAITS, AgentNote
from packstation.station.commit_gate import CommitGate
from packstation.station.input import TextInput, command_for_text
from packstation.station.marketplace_orders import MarketplaceOrders
from packstation.station.printing import Printing
from packstation.station.recovery import QUICK_IDLE_S, Recovery
from packstation.station.results import DeviceNote, RunResult

if TYPE_CHECKING:
    from packstation.channels.base import CallRecord, Marketplace
    from packstation.station.marketplace_agent import MarketplaceAgent

    #: Makes the `[[channels]]` clients in the worker thread, each recording its calls.
    MarketplaceFactory = Callable[[Callable[[CallRecord], None]], dict[str, Marketplace]]
    from packstation.evidence.station import StationEvidence
    from packstation.models.db import Database
    from packstation.station.backend import StationBackend
    from packstation.station.quick_start import QuickStart


log = logging.getLogger(__name__)

#: What the worker's queue holds: commands, device and agent notes, scanned or typed text.
Queued = Command | DeviceNote | AgentNote | TextInput

#: Quiet seconds after start-up before the worker loads biip's GS1 tables (0.1 s of CPU):
#: not during start-up, and not on the first GS1 or marking code scanned.
WARM_UP_AFTER_S = 1.0
#: Quiet seconds after a claim is shown before the worker does what the order's first item
#: scan would otherwise pay for (`StationBackend.ready_for_scans`).
READY_AFTER_S = 0.05
#: Most scans committed in one transaction when several are waiting (a stored batch).
BATCH_MAX = 100
#: CMD:NEXT tries the next candidate when another station won the race.
NEXT_RETRIES = 5
#: Records whose result is shown only after the commit: a label is printed after it (and
#: may fail), a sign-in or sign-out switches the screen.
EARLY_NOT = (LabelPrinted, SessionLogin, SessionLogout)


class StationRunner(Recovery, MarketplaceOrders, Printing):
    def __init__(
        self,
        db: Database | str,
        station_id: str,
        rules: PackRules,
        on_result: Callable[[RunResult], None],
        *,
        printer: Printer | None = None,
        label_format: str = "zpl",
        station_name: str = "",
        clock: Clock = utcnow,
        ship_from: tuple[str, ...] = (),
        leases: LeaseTimings | None = None,
        pin_limits: PinLimits | None = None,
        documents_printer: Printer | None = None,
        evidence: StationEvidence | None = None,
        marketplaces: dict[str, Marketplace] | MarketplaceFactory | None = None,
        printer_dpi: int = 203,
    ) -> None:
        self.ship_from = ship_from
        #: `[[channels]]` clients (or what makes them, in the worker thread): a marketplace
        #: order's codes, ship and label go through the agent (`marketplace_agent.py`).
        self.marketplaces = marketplaces
        self.printer_dpi = printer_dpi
        self.agent: MarketplaceAgent | None = None
        #: Seconds between asks for a marketplace label that is not ready (tests shorten it).
        self.agent_waits: tuple[float, ...] = LABEL_WAITS
        #: `[floor]` lease and auto-release times; the heartbeat interval follows the lease.
        self.leases = leases or LeaseTimings()
        self.pin_limits = pin_limits or PinLimits()
        #: Invoices and CN23s, printed when an order is claimed ([documents] printer).
        self.documents_printer = documents_printer
        #: The camera ([camera]): its state for claims, a photo after each defect.
        self.evidence = evidence
        self.db = db
        self.station_id = station_id
        self.rules = rules
        self.on_result = on_result
        self.printer = printer
        self.label_format = label_format
        self.station_name = station_name
        self.clock = clock
        self.backend: StationBackend | None = None
        #: An idle station's start and first badge without SQLAlchemy (`quick_start.py`),
        #: until `_full_backend` takes over (when the worker is quiet, or for what it
        #: does not do).
        self.quick: QuickStart | None = None
        self.quick_idle_s = QUICK_IDLE_S
        self._full_due: float | None = None
        self.state = PackState()
        self._queue: queue.Queue[Queued | None] = queue.Queue()
        #: What `_more_scans` took out of the queue that is not a scan (at most one; None is
        #: the stop request): handled next, in its turn.
        self._held: list[Queued | None] = []
        self._thread = threading.Thread(target=self._run, name=f"station-{station_id}", daemon=True)
        self.db_ok = True
        self.recovered = False
        #: When the worker gets ready for the scans of the order just claimed, if it is to.
        self._ready_due: float | None = None
        #: Another process has this station id (`instance_lock.py`): no scans until it ends.
        self.busy = False
        self._last_command = 0.0
        #: Last key or scan at the station (set by the UI thread; read by the heartbeat).
        self.ui_activity: datetime | None = None
        self.devices: dict[str, dict[str, str]] = {}

    # --- called from the UI thread ---------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def submit(self, command: Command | DeviceNote | AgentNote) -> None:
        self._queue.put(command)

    def submit_text(self, text: str) -> None:
        """A scanned or typed line (from any thread: a serial scanner's comes straight from
        its driver's): read as a command by the worker, in the step it is taken in
        (`input.command_for_text`), not in the UI's state, which may be a result behind."""
        self.ui_activity = self.clock()
        self._queue.put(TextInput(text))
        trace.mark("submitted")

    def note_activity(self) -> None:
        """A key or scan the workflow does not see (returns desk, queue view): not idle."""
        self.ui_activity = self.clock()

    def idle_s(self) -> float:
        """Seconds since the worker last started a command."""
        return time.monotonic() - self._last_command

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
        if self.agent is not None:
            self.agent.stop()
        if self.evidence is not None:
            self.evidence.stop()

    # --- the worker thread -------------------------------------------------------------

    def _run(self) -> None:
        url = self.db if isinstance(self.db, str) else None
        if url is not None and self.evidence is None and not self.marketplaces:
            from packstation.station.quick_start import QuickStart

            try:  # an idle station's start and first badge without SQLAlchemy
                self.quick = QuickStart.open(
                    url,
                    self.station_id,
                    self.rules,
                    self.clock,
                    self.leases.lease_s,
                    self.station_name,
                )
            except Exception as exc:  # the models' path says what is wrong
                log.info("quick start not possible: %s", exc)
            trace.mark("start.quick_open")
        if self.quick is None:
            self._full_backend()
        try:
            self._work()
        finally:
            if self.quick is not None:
                self.quick.release()
            if self.backend is not None:
                self.backend.release()  # the station id's lock: the next process may have it

    def _full_backend(self) -> StationBackend:
        """The models' store, loaded on first need; it takes over from the quick start."""
        if self.backend is not None:
            return self.backend
        from packstation.station.backend import StationBackend

        trace.mark("start.backend_loaded")
        self.backend = backend = StationBackend(
            self.db,
            self.station_id,
            self.rules,
            self.clock,
            self.station_name,
            lease_s=self.leases.lease_s,
            auto_release_s=self.leases.auto_release_s,
            pin_limits=self.pin_limits,
            evidence=self.evidence,
        )
        if self.quick is not None:
            quick, self.quick = self.quick, None
            backend.adopt_lock(quick.hand_over())
        #: Calls the agent's clients made, stored after each of its jobs (`channel_calls`).
        calls: list[CallRecord] = []
        clients = (
            self.marketplaces(calls.append) if callable(self.marketplaces) else self.marketplaces
        )
        if clients:
            self.agent = self._marketplace_agent(backend, clients, calls)
        return backend

    def _work(self) -> None:
        self._recover()
        trace.mark("start.recovered")
        beat_s = self.leases.heartbeat_s
        beat_due = time.monotonic() + beat_s
        warm_due: float | None = time.monotonic() + WARM_UP_AFTER_S
        if self.quick is not None:
            self._full_due = time.monotonic() + self.quick_idle_s
        while True:
            # Beat every beat_s even while scans keep coming: the lease must not lapse.
            if time.monotonic() >= beat_due:
                self._heartbeat()
                beat_due = time.monotonic() + beat_s
            if warm_due is not None and time.monotonic() >= warm_due:
                parse_code("]C101" + "04601234567893")  # GS1 tables: not on the first GS1 scan
                warm_due = None
            if self._ready_due is not None and time.monotonic() >= self._ready_due:
                self._get_ready()
            if self._full_due is not None and time.monotonic() >= self._full_due:
                self._load_quietly()
            dues = (beat_due, warm_due, self._ready_due, self._full_due)
            wait = min(due for due in dues if due is not None)
            try:
                command = self._next(timeout=max(0.0, wait - time.monotonic()))
            except queue.Empty:
                continue
            if warm_due is not None:  # not while someone is scanning: once it is quiet
                warm_due = time.monotonic() + WARM_UP_AFTER_S
            if command is None:
                return
            if isinstance(command, DeviceNote):
                self._note_device(command)
                continue
            if isinstance(command, AgentNote):
                self._agent_note(command)
                continue
            batch = self._more_scans(command)
            try:
                if len(batch) > 1:
                    self._handle_batch(batch)
                else:
                    self._handle(command)
            except Exception:  # the worker must survive anything one command does
                log.exception("station worker: command %r failed", command)
                self._report_error(command, Msg("station.internal_error"))

    def _next(self, timeout: float) -> Command | DeviceNote | AgentNote | None:
        if self._held:  # taken out of the queue by `_more_scans`, not handled (None: stop)
            return self._read(self._held.pop())
        return self._read(self._queue.get(timeout=timeout))

    def _read(self, queued: Queued | None) -> Command | DeviceNote | AgentNote | None:
        return self._command(queued) if isinstance(queued, TextInput) else queued

    def _command(self, item: Command | TextInput) -> Command:
        """Scanned or typed text as the command it is in the worker's state."""
        return command_for_text(self.state, item.text) if isinstance(item, TextInput) else item

    def _more_scans(self, command: Command) -> list[Command | TextInput]:
        """`command` and the scans queued right behind it (a scanner's stored batch comes in
        one write): committed together, one fsync for all (`_handle_batch`). Text
        stays text: the batch reads it in the state the scans before it leave."""
        batch: list[Command | TextInput] = [command]
        if not isinstance(command, Scan):
            return batch
        while len(batch) < BATCH_MAX and not self._held:
            try:
                queued = self._queue.get_nowait()
            except queue.Empty:
                break
            if isinstance(queued, Scan) or (
                isinstance(queued, TextInput) and isinstance(self._command(queued), Scan)
            ):
                batch.append(queued)
            else:
                self._held.append(queued)  # handled next, in its turn
        return batch

    def _handle_batch(self, items: list[Command | TextInput]) -> None:
        """Scans decided in order and committed in one transaction. If that fails (the
        database, a lost order), nothing of it was recorded: each scan goes again on its
        own, with the single path's retries and messages."""
        self._last_command = time.monotonic()
        if self.busy or not self.recovered or not self.db_ok:
            for item in items:
                self._handle(self._command(item))
            return
        commands: list[Command] = []
        try:
            decisions = self._full_backend().decide_and_commit_batch(
                self.state, items, read=commands
            )
        except Exception as exc:
            log.warning("batch of %d scans not committed (%s): one by one", len(items), exc)
            for item in items:
                self._handle(self._command(item))
            return
        for command, decision in zip(commands, decisions, strict=True):
            self._after_commit(command, decision)

    def _db_failed(self, exc: Exception, what: str) -> bool:
        """Log a database failure of `what`; False if `exc` is not a database error."""
        from packstation.station.backend import is_db_error

        if not is_db_error(exc):
            return False
        log.error("%s failed: %s", what, describe_db_error(exc))
        return True

    def _handle(self, command: Command) -> None:
        trace.mark("worker")
        log.debug("runner: start %s", type(command).__name__)
        self._last_command = time.monotonic()
        attempts = NEXT_RETRIES if command == Key(Action.NEXT) else 1
        if self.busy:
            self._station_busy(command)
            return
        if not self.recovered:
            self._report_error(command, Msg("station.db_down", {"error": "not connected"}))
            return
        if self.quick is not None and self.db_ok and self._quick_handle(command):
            return
        backend = self._full_backend()
        from packstation.station.backend import refusal

        for attempt in range(attempts):
            shown: list[tuple[PackState, CommitGate]] = []
            try:
                if not self.db_ok and not isinstance(command, Tick):
                    self._resync()
                early = partial(self._show_early, command, shown) if attempts == 1 else None
                decision = backend.decide_and_commit(self.state, command, early)
            except Exception as exc:
                if shown:
                    shown[0][1].resolve(False)  # its frames are dropped: "not recorded" follows
                refused = refusal(exc)
                if refused is None:
                    raise
                kind, message = refused
                if kind == "busy":
                    self._station_busy(command)
                    return
                if kind == "conflict" and attempt + 1 < attempts:
                    continue
                if kind == "down":
                    self.db_ok = False
                if kind == "lost" and self.state.order is not None:
                    self.state = replay(
                        [OrderReleased(self.clock(), self.state.order.id)], self.state
                    )
                self._report_error(command, message)
                return
            break
        if shown:
            self._after_commit(command, decision, *shown[0])
        else:
            self._after_commit(command, decision)

    def _show_early(
        self, command: Command, shown: list[tuple[PackState, CommitGate]], decision: Decision
    ) -> None:
        """The rows of a scan are written: its result goes to the UI now, to be drawn while
        the COMMIT runs and shown once it returned (`commit_gate.py`). Not for what happens
        after the commit (a label printed, a sign-in that changes the screen)."""
        if not isinstance(command, Scan) or not self.db_ok:
            return
        if any(isinstance(record, EARLY_NOT) for record in decision.records):
            return
        state, gate = apply(self.state, decision), CommitGate()
        shown.append((state, gate))
        trace.mark("applied")
        self.on_result(RunResult(state, decision.outcome, command=command, gate=gate))

    def _after_commit(
        self,
        command: Command,
        decision: Decision,
        applied: PackState | None = None,
        gate: CommitGate | None = None,
    ) -> None:
        """The decision is committed: apply it, print what it printed, show the result
        (already on its way when `gate` is given: the UI is told only if it must draw again)."""
        self.db_ok = True
        log.debug("runner: committed")
        if gate is not None and applied is not None:
            self.state = applied
            gate.resolve(True)
            self.on_result(RunResult(self.state, None, settled=True))
            self._after_shown(decision)
            return
        self.state = apply(self.state, decision)
        printed = None
        outcome = decision.outcome
        marketplace = self.state.order is not None and bool(self.state.order.channel)
        for record in decision.records:
            if isinstance(record, LabelPrinted) and marketplace and not record.reprint:
                self._hand_over()  # the marketplace's label, by the agent: not ours
                break
            if isinstance(record, LabelPrinted) and not marketplace:
                error = self._print(record)
                if error is None:
                    printed = record.parcel_id
                else:
                    outcome = self._print_failed(error, record)
                    self.state = replace(self.state, alert=outcome)
        if outcome.quiet and printed is None and not isinstance(command, Scan):
            return  # nothing to show (e.g. a scale reading outside the weight step)
        trace.mark("applied")
        self.on_result(RunResult(self.state, outcome, printed=printed, command=command))
        self._after_shown(decision)

    def _after_shown(self, decision: Decision) -> None:
        """What follows a committed decision once its result is on its way to the screen."""
        for record in decision.records:
            if isinstance(record, OrderClaimed):
                self._ready_due = time.monotonic() + READY_AFTER_S
            if isinstance(record, OrderClaimed) and self.documents_printer is not None:
                self._print_documents(record.order.id)
        if self.evidence is not None:
            self.evidence.committed(decision.records)  # a photo per defect, in its thread

    def _get_ready(self) -> None:
        """The claimed order's first item scan costs what the others do (not while the
        screen draws the claim: once the worker has been quiet for READY_AFTER_S)."""
        self._ready_due = None
        if self.backend is None or not self.db_ok or self.busy:
            return
        if self._held or not self._queue.empty():  # scans are here: they do it themselves
            return
        try:
            self.backend.ready_for_scans(self.state)
        except Exception:  # only a head start: the scan does it itself otherwise
            log.exception("station worker: getting ready for scans failed")
        trace.mark("ready_for_scans")

    def _report_error(self, command: Command | None, message: Msg, hint: Msg | None = None) -> None:
        shown = command.code.text if isinstance(command, Scan) else None
        if hint is None:
            hint = hint_for(self.state, self.rules)
        outcome = Outcome(False, message, hint, True, shown)
        self.state = replace(self.state, alert=outcome)
        self.on_result(RunResult(self.state, outcome, recorded=False, command=command))
