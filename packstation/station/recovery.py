"""Start (quick or through the models), recovery, heartbeat and resync of the worker
thread, apart to keep runner.py to its loop."""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from packstation.clock import Clock
from packstation.domain.rules import PackRules
from packstation.domain.workflow import (
    Command,
    Decision,
    Outcome,
    PackState,
    Record,
    Tick,
    hint_for,
    replay,
)
from packstation.errors import describe_db_error
from packstation.i18n import Msg
from packstation.station.agent_notes import AgentNote
from packstation.station.instance_lock import StationBusy
from packstation.station.results import DeviceNote, RunResult

if TYPE_CHECKING:
    from packstation.station.backend import StationBackend
    from packstation.station.quick_start import QuickStart

log = logging.getLogger("packstation.station.runner")

#: Seconds without a command after which the station counts as idle (checkpoints then).
IDLE_S = 2.0
#: Quiet seconds after the quick start's last step (`quick_start.py`) before the worker
#: loads the models: after the screen has drawn the badge, before the packer's next scan.
QUICK_IDLE_S = 0.2


class Recovery:
    backend: StationBackend | None
    quick: QuickStart | None
    _full_due: float | None
    quick_idle_s: float
    _held: list[Any]
    _queue: queue.Queue[Any]
    station_id: str
    rules: PackRules
    clock: Clock
    state: PackState
    on_result: Callable[[RunResult], None]
    devices: dict[str, dict[str, str]]
    db_ok: bool
    recovered: bool
    busy: bool
    ui_activity: datetime | None
    _last_command: float

    if TYPE_CHECKING:  # the runner's own, and `MarketplaceOrders`'

        def submit(self, command: Command | DeviceNote | AgentNote) -> None: ...

        def _db_failed(self, exc: Exception, what: str) -> bool: ...

        def _report_error(
            self, command: Command | None, message: Msg, hint: Msg | None = None
        ) -> None: ...

        def _hand_over(self) -> None: ...

        def _still_ours(self, order_id: str) -> None: ...

        def _full_backend(self) -> StationBackend: ...

        def _after_commit(self, command: Command, decision: Decision) -> None: ...

    def _recover(self) -> None:
        """Replay this station's records: after a crash it is back on the same order and step."""
        records = self._quick_recover() if self.quick is not None else None
        if records is None:
            backend = self._full_backend()
            try:
                records = backend.recover()
                if self.devices:  # reported while another process had the station
                    backend.note_devices(self.devices)
            except StationBusy:
                self._station_busy(None)
                return
            except Exception as exc:
                if not self._db_failed(exc, "station recovery"):
                    raise
                self.db_ok = False
                self._report_error(None, Msg("station.db_down", {"error": describe_db_error(exc)}))
                return
        self.state = replay(records)
        self.db_ok = True
        self.recovered = True
        self.busy = False
        self._hand_over()  # a marketplace label that had not come before the restart
        # Released (lease expired) while the station was away: no longer ours.
        lost = self.backend.lost_order if self.backend is not None else None
        outcome = Outcome(
            lost is None,
            Msg("order.released", {"order": lost})
            if lost
            else Msg("station.resumed" if self.state.order else "station.ready"),
            hint_for(self.state, self.rules),
        )
        self.on_result(RunResult(self.state, outcome, recovered=True))

    def _quick_recover(self) -> list[Record] | None:
        """The quick start's recovery (`quick_start.py`); None: the models' store does it."""
        from packstation.station.quick_start import NeedsStore

        assert self.quick is not None
        try:
            records = self.quick.recover()
            if self.devices:
                self.quick.note_devices(self.devices)
            return records
        except NeedsStore as exc:
            log.info("station start through the models: %s", exc)
        except StationBusy:  # the models' store finds it so too, and says it
            pass
        except Exception as exc:  # the models' store tries again, and says what is wrong
            log.warning("quick start failed (%s): through the models", exc)
        return None

    def _quick_handle(self, command: Command) -> bool:
        """A command of an idle station through the quick start; False: the models' store
        is to decide it (the quick start wrote nothing)."""
        from packstation.station.quick_start import NeedsStore

        assert self.quick is not None
        try:
            decision = self.quick.decide_and_commit(self.state, command)
        except NeedsStore as exc:
            log.info("%s: through the models", exc)
            return False
        except Exception as exc:
            log.warning("quick start: %s failed (%s): through the models", command, exc)
            return False
        self._full_due = time.monotonic() + self.quick_idle_s
        self._after_commit(command, decision)
        return True

    def _load_quietly(self) -> None:
        """The models' store, loaded while nothing waits (a scan first, if one came)."""
        self._full_due = None
        if self.quick is None:
            return
        if self._held or not self._queue.empty():
            self._full_due = time.monotonic() + self.quick_idle_s
            return
        try:
            self._full_backend()
        except Exception:  # loaded again by the next command that needs it
            log.exception("station worker: loading the store failed")

    def _note_device(self, note: DeviceNote) -> None:
        self.devices[note.device] = {"state": note.state, "detail": note.detail}
        if self.busy:
            return  # the station row is the other process's; written once this one has it
        if self.quick is not None:
            try:
                self.quick.note_devices(self.devices)
                return
            except Exception as exc:
                log.warning("quick start: device state not written (%s): through the models", exc)
        try:
            self._full_backend().note_devices(self.devices)
        except Exception as exc:
            if not self._db_failed(exc, "recording a device state"):
                raise

    def _heartbeat(self) -> None:
        if not self.recovered:
            self._recover()  # the database was away at start-up: try again
            return
        try:
            self._full_backend().heartbeat(idle=time.monotonic() - self._last_command > IDLE_S)
            if not self.db_ok and not self._resync():
                self.on_result(RunResult(self.state, None))
            elif self.db_ok and self.state.order is not None:
                self._still_ours(self.state.order.id)
        except StationBusy:  # its session was lost and another process took the station
            self._station_busy(None)
            return
        except Exception as exc:
            if not self._db_failed(exc, "heartbeat"):
                raise
            if self.db_ok:
                self.db_ok = False
                self._report_error(None, Msg("station.db_down", {"error": describe_db_error(exc)}))
        if self.state.operator is not None:
            self.submit(Tick(self.clock(), self.ui_activity))

    def _resync(self) -> bool:
        """The database answers again after a failure. A commit whose reply was lost with
        the connection (the packer was told "not recorded") may have gone through all the
        same: adopt the committed records when they differ from what the station believes,
        so a re-scan is judged against what is really recorded. True if they differed."""
        backend = self._full_backend()
        records = backend.recover()
        if self.devices:
            backend.note_devices(self.devices)  # recover() forgets the device states
        self.db_ok = True
        committed = replay(records)
        if committed.durable() == self.state.durable():
            return False
        log.warning("committed records differ from what the station showed: reloaded them")
        self.state = committed
        lost = backend.lost_order
        message = Msg("order.released", {"order": lost}) if lost else Msg("station.resumed")
        self.on_result(
            RunResult(self.state, Outcome(lost is None, message, hint_for(self.state, self.rules)))
        )
        return True

    def _station_busy(self, command: Command | None) -> None:
        """Another process has this station id: red, and no scans, until it ends (the
        heartbeat tries again). Told once, and again at each refused command."""
        first = not self.busy
        self.busy, self.recovered = True, False
        if first:
            log.warning("station %s is open in another process: waiting", self.station_id)
            self.state = PackState()  # the order and step are the other process's
        elif command is None or isinstance(command, Tick):
            return
        message = Msg("station.already_open", {"station": self.station_id})
        self._report_error(command, message, Msg("station.already_open_hint"))
