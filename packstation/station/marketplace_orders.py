"""The runner's side of marketplace orders, apart from runner.py to keep it to its loop."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from msgspec.structs import replace

from packstation.clock import Clock
from packstation.devices.base import Printer
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Command, Outcome, PackState, hint_for, replay
from packstation.domain.workflow.records import OrderReleased
from packstation.i18n import Msg
from packstation.station.agent_notes import AgentNote
from packstation.station.results import DeviceNote, RunResult

if TYPE_CHECKING:
    from packstation.channels.base import CallRecord, Marketplace
    from packstation.station.backend import StationBackend
    from packstation.station.marketplace_agent import MarketplaceAgent


class MarketplaceOrders:
    backend: StationBackend | None
    printer: Printer | None
    printer_dpi: int
    agent: MarketplaceAgent | None
    agent_waits: tuple[float, ...]
    station_id: str
    rules: PackRules
    clock: Clock
    state: PackState
    on_result: Callable[[RunResult], None]

    if TYPE_CHECKING:  # the runner's own

        def submit(self, command: Command | DeviceNote | AgentNote) -> None: ...

        def _report_error(
            self, command: Command | None, message: Msg, hint: Msg | None = None
        ) -> None: ...

    # --- marketplace orders (`marketplace_agent.py`) -------------------------------------

    def _marketplace_agent(
        self, backend: StationBackend, clients: dict[str, Marketplace], calls: list[CallRecord]
    ) -> MarketplaceAgent:
        from packstation.labels.marketplace import for_printer
        from packstation.models.marketplace_hold import ShelfRows
        from packstation.station.marketplace_agent import MarketplaceAgent

        return MarketplaceAgent(
            clients,
            backend.order_facts,
            self.printer,
            self.submit,
            self._tell,
            lambda: self.state.order.id if self.state.order else None,
            convert=partial(for_printer, dpi=self.printer_dpi),
            waits=self.agent_waits,
            after_job=partial(backend.record_calls, calls),
            shelf=ShelfRows(backend.db, self.station_id, self.clock),
        )

    def _tell(self, message: Msg, ok: bool) -> None:
        self.submit(AgentNote(message, ok))

    def _hand_over(self) -> None:
        """A marketplace order whose labels have not all come: the agent fetches them."""
        order = self.state.order
        if order is None or not order.channel:  # not a marketplace order: no agent to load
            return
        from packstation.station.marketplace_agent import job_for

        job = job_for(self.state)
        if job is None or all(p.barcode for p in self.state.parcels):
            return
        if self.agent is None:  # no [[channels]] here: the packer must not wait for nothing
            why = f"channel {job.channel} is not configured at this station"
            self._tell(
                Msg("station.marketplace_failed", {"order": job.order_id, "error": why}), False
            )
            return
        self.agent.hand_over(job)

    def _agent_note(self, note: AgentNote) -> None:
        hint = hint_for(self.state, self.rules)
        outcome = Outcome(note.ok, note.message, hint, not note.ok)
        if not note.ok:
            self.state = replace(self.state, alert=outcome)
        self.on_result(RunResult(self.state, outcome, recorded=True))

    def _still_ours(self, order_id: str) -> None:
        """Cancelled at the marketplace (or released by a lead) while on this bench: red
        now, with what to do, not at the next scan."""
        assert self.backend is not None
        status = self.backend.taken_away(order_id)
        if status is None:
            return
        self.state = replay([OrderReleased(self.clock(), order_id)], self.state)
        if status == "cancelled":
            message, hint = (
                Msg("station.order_cancelled", {"order": order_id}),
                Msg("station.order_cancelled_hint"),
            )
        else:
            message, hint = Msg("order.released", {"order": order_id}), None
        self._report_error(None, message, hint)
