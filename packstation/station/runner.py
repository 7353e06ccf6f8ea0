"""The station's one worker thread: decide → commit → (print) → report.

Commands are handled strictly in arrival order (500 codes written at once are
recorded in that order). The new state is adopted only after its records are
committed; on any database error the packer sees "not recorded — scan again"
and the state stays where it was. Blocking work (database, printer) never runs
on the UI loop: the UI only calls `submit` and receives `RunResult`s through
the callback (which the Textual app turns into a posted message).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from packstation.devices.base import Printer, PrintError
from packstation.domain.codes import parse_code
from packstation.domain.rules import PackRules
from packstation.domain.workflow import (
    Action,
    Command,
    Decision,
    Key,
    Outcome,
    PackState,
    ScaleReading,
    Scan,
    Tick,
    apply,
    decide,
    hint_for,
    replay,
)
from packstation.domain.workflow.records import LabelPrinted
from packstation.i18n import Msg
from packstation.labels.content import LabelData
from packstation.labels.zpl import render_zpl
from packstation.models import Event, Order
from packstation.models.base import utcnow
from packstation.models.db import Database, describe_db_error
from packstation.station.context import DbContext
from packstation.station.store import ClaimConflict, StationStore

log = logging.getLogger(__name__)

#: How often the station row's heartbeat is refreshed while nothing happens.
HEARTBEAT_S = 5.0
#: CMD:NEXT tries the next candidate when another station won the race.
NEXT_RETRIES = 5


@dataclass(frozen=True, slots=True)
class DeviceNote:
    """A device changed state: written to the station row for the queue screen."""

    device: str
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What the UI renders after one command (or after recovery at start-up)."""

    state: PackState
    outcome: Outcome | None
    #: True when the command's records are committed (or it needed none).
    recorded: bool = True
    #: Parcel id of a label that reached the printer.
    printed: str | None = None
    recovered: bool = False
    command: Command | None = field(default=None, repr=False)


class StationRunner:
    def __init__(
        self,
        db: Database,
        station_id: str,
        rules: PackRules,
        on_result: Callable[[RunResult], None],
        *,
        printer: Printer | None = None,
        label_format: str = "zpl",
        station_name: str = "",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.db = db
        self.station_id = station_id
        self.rules = rules
        self.on_result = on_result
        self.printer = printer
        self.label_format = label_format
        self.station_name = station_name
        self.clock = clock
        self.store = StationStore(station_id)
        self.state = PackState()
        self._queue: queue.Queue[Command | DeviceNote | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"station-{station_id}", daemon=True)
        self.db_ok = True
        self.devices: dict[str, dict[str, str]] = {}

    # --- called from the UI thread ---------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def submit(self, command: Command | DeviceNote) -> None:
        self._queue.put(command)

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    # --- the worker thread -------------------------------------------------------------

    def _run(self) -> None:
        self._recover()
        parse_code("]C101" + "04601234567893")  # load the GS1 tables now, not on the first scan
        while True:
            try:
                command = self._queue.get(timeout=HEARTBEAT_S)
            except queue.Empty:
                self._heartbeat()
                continue
            if command is None:
                return
            if isinstance(command, DeviceNote):
                self._note_device(command)
                continue
            try:
                self._handle(command)
            except Exception:  # the worker must survive anything one command does
                log.exception("station worker: command %r failed", command)
                self._report_error(command, Msg("station.internal_error"))

    def _recover(self) -> None:
        """Replay this station's records: after a crash it is back on the same order and step."""
        try:
            with self.db.unit_of_work() as session:
                self.store.ensure_station(session, self.station_name)
                # Device states of a previous run are stale: each device reports afresh.
                self.store.touch_station(session, self.clock(), devices={})
                records = self.store.load_records(session)
            self.state = replay(records)
            self.db_ok = True
            outcome = Outcome(
                True,
                Msg("station.resumed" if self.state.order else "station.ready"),
                hint_for(self.state, self.rules),
            )
            self.on_result(RunResult(self.state, outcome, recovered=True))
        except SQLAlchemyError as exc:
            self.db_ok = False
            log.error("station recovery failed: %s", describe_db_error(exc))
            self._report_error(None, Msg("station.db_down", {"error": describe_db_error(exc)}))

    def _note_device(self, note: DeviceNote) -> None:
        self.devices[note.device] = {"state": note.state, "detail": note.detail}
        try:
            with self.db.unit_of_work() as session:
                self.store.touch_station(session, self.clock(), devices=dict(self.devices))
        except SQLAlchemyError as exc:
            log.warning("could not record device state: %s", describe_db_error(exc))

    def _heartbeat(self) -> None:
        try:
            with self.db.unit_of_work() as session:
                self.store.touch_station(session, self.clock())
            self.db.checkpoint()
            if not self.db_ok:
                self.db_ok = True
                self.on_result(RunResult(self.state, None))
        except SQLAlchemyError:
            if self.db_ok:
                self.db_ok = False
                self._report_error(None, Msg("station.db_down", {"error": "heartbeat"}))
        if self.state.operator is not None:
            self.submit(Tick(self.clock()))

    def _decide_and_commit(self, session: Session, command: Command) -> Decision:
        ctx = DbContext(session, self.station_id, self.rules, self.clock)
        decision = decide(self.state, command, ctx)
        if decision.records:
            operator_id = self.state.operator.id if self.state.operator else None
            self.store.commit_records(session, decision.records, operator_id)
        return decision

    def _handle(self, command: Command) -> None:
        log.debug("runner: start %s", type(command).__name__)
        attempts = NEXT_RETRIES if command == Key(Action.NEXT) else 1
        for attempt in range(attempts):
            try:
                with self.db.sessions.begin() as session:
                    decision = self._decide_and_commit(session, command)
            except ClaimConflict as exc:
                if attempt + 1 < attempts:
                    continue
                self._report_error(
                    command,
                    Msg(
                        "station.claim_conflict",
                        {"order": exc.order_id, "holder": exc.holder or exc.status or "?"},
                    ),
                )
                return
            except IntegrityError as exc:
                log.warning("commit refused by a constraint: %s", describe_db_error(exc))
                self._report_error(command, Msg("station.not_recorded_conflict"))
                return
            except SQLAlchemyError as exc:
                self.db_ok = False
                log.error("commit failed: %s", describe_db_error(exc))
                self._report_error(
                    command, Msg("station.not_recorded", {"error": describe_db_error(exc)})
                )
                return
            break
        self.db_ok = True
        log.debug("runner: committed")
        self.state = apply(self.state, decision)
        printed = None
        outcome = decision.outcome
        for record in decision.records:
            if isinstance(record, LabelPrinted):
                error = self._print(record)
                if error is None:
                    printed = record.parcel_id
                else:
                    outcome = self._print_failed(error, record)
                    self.state = replace(self.state, alert=outcome)
        if outcome.quiet and printed is None and not isinstance(command, Scan):
            return  # nothing to show (e.g. a scale reading outside the weight step)
        self.on_result(RunResult(self.state, outcome, printed=printed, command=command))

    def _report_error(self, command: Command | None, message: Msg) -> None:
        shown = command.code.text if isinstance(command, Scan) else None
        outcome = Outcome(False, message, hint_for(self.state, self.rules), True, shown)
        self.state = replace(self.state, alert=outcome)
        self.on_result(RunResult(self.state, outcome, recorded=False, command=command))

    # --- labels -------------------------------------------------------------------------

    def _print(self, record: LabelPrinted) -> str | None:
        """Render and send the label; the error text, or None once the printer took it."""
        if self.printer is None:
            return "no printer configured"
        try:
            with self.db.sessions() as session:
                data = self._label_bytes(session, record)
            self.printer.send(data, f"{record.parcel_id}.{self.label_format}")
        except PrintError as exc:
            return str(exc)
        except SQLAlchemyError as exc:
            return describe_db_error(exc)
        return None

    def _label_bytes(self, session: Session, record: LabelPrinted) -> bytes:
        order = session.get(Order, record.order_id)
        if order is None:
            raise PrintError(f"order {record.order_id} is gone")
        label = LabelData(
            parcel_id=record.parcel_id,
            order_id=order.id,
            carrier=record.carrier,
            tariff=record.tariff,
            recipient=order.customer_name,
            address_lines=tuple(
                x
                for x in (order.line1, order.line2, f"{order.postcode} {order.city}", order.region)
                if x.strip()
            ),
            country=order.country,
            weight_g=record.weight_g,
            packed_at=record.at,
            station_id=self.station_id,
            items=self.state.units_packed,
        )
        if self.label_format == "png":
            from packstation.labels.images import render_png  # Pillow only when needed

            return render_png(label)
        return render_zpl(label).encode("utf-8")

    def _print_failed(self, error: str, record: LabelPrinted) -> Outcome:
        try:
            with self.db.unit_of_work() as session:
                session.add(
                    Event(
                        at=self.clock(),
                        kind="printer.failed",
                        order_id=record.order_id,
                        station_id=self.station_id,
                        payload={"parcel_id": record.parcel_id, "error": error},
                    )
                )
        except SQLAlchemyError as exc:
            log.error("could not record the printer failure: %s", describe_db_error(exc))
        return Outcome(
            False,
            Msg("station.print_failed", {"error": error, "parcel": record.parcel_id}),
            Msg("station.print_retry"),
            True,
        )


def wants_reading(state: PackState, reading: ScaleReading) -> bool:
    """Only the weight step listens to the scale: other readings never reach the worker."""
    return state.step.value == "weight" and reading.stable
