"""The runner's database side: everything that needs SQLAlchemy, loaded in the worker thread.

Kept apart from `runner.py` so the station paints its first screen while this
module (and SQLAlchemy with it) is still being imported in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from packstation.config import PinLimits
from packstation.domain.rules import PackRules
from packstation.domain.workflow import (
    Command,
    Decision,
    PackState,
    Record,
    apply,
    decide,
    replay,
)
from packstation.domain.workflow.items import index_order
from packstation.domain.workflow.records import LabelPrinted, OrderReleased
from packstation.errors import describe_db_error
from packstation.i18n import Msg
from packstation.models import Event, Order
from packstation.models.db import Database, open_database
from packstation.models.held_connection import HeldConnection
from packstation.station import leases, trace
from packstation.station.agent_notes import OrderFacts
from packstation.station.context import DbContext
from packstation.station.input import TextInput, command_for_text
from packstation.station.instance_lock import InstanceLock, StationBusy, instance_lock
from packstation.station.store import ClaimConflict, OrderLost, StationStore

if TYPE_CHECKING:  # label and document code loads when a label or document is printed
    from packstation.channels.base import CallRecord
    from packstation.evidence.station import StationEvidence
    from packstation.labels.content import LabelData
    from packstation.labels.documents import DocumentData

log = logging.getLogger(__name__)


class StationBackend:
    def __init__(
        self,
        db: Database | str,
        station_id: str,
        rules: PackRules,
        clock: Callable[[], datetime],
        station_name: str = "",
        *,
        lease_s: float = leases.LEASE_S,
        auto_release_s: float = leases.AUTO_RELEASE_S,
        pin_limits: PinLimits | None = None,
        evidence: StationEvidence | None = None,
    ) -> None:
        self._db = db if isinstance(db, Database) else None
        self._url = db if isinstance(db, str) else None
        self.station_id = station_id
        self.rules = rules
        self.clock = clock
        self.station_name = station_name
        self.store = StationStore(station_id, lease_s)
        self.auto_release_s = auto_release_s
        self.pin_limits = pin_limits or PinLimits()
        #: The connection decisions are committed on (one writer thread: the runner's).
        self._held: HeldConnection | None = None
        #: Set by `recover` when the replayed order was released while the station was away.
        self.lost_order: str | None = None
        #: One process per station id (`instance_lock.py`): taken by `recover`, kept by
        #: `heartbeat`, let go by `release`.
        self._instance: InstanceLock | None = None
        #: The camera ([camera] configured): its state goes into every decision's context,
        #: a defect's notification waits for its photo, photos are stored through `db`.
        self.evidence = evidence
        if evidence is not None:
            from packstation.evidence.station import DEFECT_TEMPLATE, PHOTO_HOLD_S

            self.store.notify_hold[DEFECT_TEMPLATE] = timedelta(seconds=PHOTO_HOLD_S)
            evidence.attach(lambda: self.db)

    @property
    def db_open(self) -> bool:
        """True once the database was opened (other screens may then share it)."""
        return self._db is not None

    @property
    def db(self) -> Database:
        """The database, opened on first use (and again after a failed open)."""
        if self._db is None:
            assert self._url is not None
            self._db = open_database(self._url)
        return self._db

    def hold_station(self) -> None:
        """Take, or confirm, this station id's lock; `StationBusy` if another process has it."""
        if self._instance is None:
            self._instance = instance_lock(self.db.engine, self.station_id)
        if not self._instance.acquire():
            raise StationBusy(self.station_id)

    def adopt_lock(self, lock: InstanceLock | None) -> None:
        """The station id's lock as the quick start took it (`quick_start.py`): kept, not
        taken a second time (a second flock by the same process would be refused)."""
        if lock is not None:
            self._instance = lock

    def release(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
        if self._instance is not None:
            self._instance.release()

    def _writer(self) -> HeldConnection:
        if self._held is None or self._held.engine is not self.db.engine:
            self._held = HeldConnection(self.db.engine)
        return self._held

    def ready_for_scans(self, state: PackState) -> None:
        """What the first item scan of the order claimed would do once and pay for: its
        code index, and the query that checks the station still holds the order (compiled
        on first use). Run by the worker once the claim is shown and nothing is waiting."""
        order = state.order
        if order is None:
            return
        index_order(order)
        try:
            with self._writer().session() as session:
                self.store.check_holds(session, order.id)
        except (OrderLost, SQLAlchemyError) as exc:  # the next scan says so, with its own message
            log.info("getting ready for scans of %s: %s", order.id, exc)

    def recover(self) -> list[Record]:
        self.hold_station()  # before any of the station's rows are touched
        self.store.forget()
        with self.db.unit_of_work() as session:
            self.store.ensure_station(session, self.station_name)
            # Device states of a previous run are stale: each device reports afresh.
            now = self.clock()
            self.store.touch_station(session, now, devices={})
            records = self.store.load_records(session)
            order = replay(records).order
            self.lost_order = None
            if order is not None and not leases.holds(session, self.station_id, order.id):
                # Released (lease expired) while the station was away: it is not ours any more.
                log.warning("%s was released while this station was away", order.id)
                self.lost_order = order.id
                records.append(OrderReleased(now, order.id))
            return records

    def taken_away(self, order_id: str) -> str | None:
        """The order's status when this station no longer holds it (a marketplace
        cancellation, a lead's release), else None: asked at each heartbeat, so the packer
        hears of it before the next scan."""
        with self.db.unit_of_work() as session:
            row = session.execute(
                select(Order.station_id, Order.status).where(Order.id == order_id)
            ).first()
        if row is not None and row[0] == self.station_id and row[1] == "packing":
            return None
        self.store.forget()
        return row[1] if row is not None else "gone"

    def order_facts(self, order_id: str) -> OrderFacts | None:
        """A marketplace order's id there and its product ids (for the marketplace agent)."""
        with self.db.unit_of_work() as session:
            order = session.get(Order, order_id)
            if order is None or not order.channel_ref:
                return None
            extra = dict(order.extra or {})
            return OrderFacts(
                ref=order.channel_ref,
                products={str(k): str(v) for k, v in extra.get("products", {}).items()},
                required={
                    str(k): tuple(str(x) for x in v)
                    for k, v in extra.get("required_marks", {}).items()
                },
                names={line.sku: line.name for line in order.lines},
                warehouse_id=str(extra.get("warehouse_id", "")),
                extra={str(k): str(v) for k, v in extra.get("posting", {}).items()},
            )

    def record_calls(self, calls: list[CallRecord]) -> None:
        """The marketplace calls the station's agent made, for the lead (and then forgotten)."""
        from packstation.models.channel_repo import record_calls

        taken, calls[:] = list(calls), []
        if taken:
            with self.db.unit_of_work() as session:
                record_calls(session, taken, self.clock())

    def note_devices(self, devices: dict[str, dict[str, str]]) -> None:
        with self.db.unit_of_work() as session:
            self.store.touch_station(session, self.clock(), devices=dict(devices))

    def heartbeat(self, *, idle: bool = True) -> None:
        """Renew the lease, release other stations' expired orders and, when the station
        is idle, fold the SQLite WAL (a checkpoint mid-scan would delay that scan)."""
        self.hold_station()
        with self.db.unit_of_work() as session:
            self.store.touch_station(session, self.clock())
        try:
            with self.db.unit_of_work() as session:
                for gone in leases.release_expired(session, self.clock(), self.auto_release_s):
                    log.warning(
                        "released %s: station %s lease expired", gone.order_id, gone.station_id
                    )
        except SQLAlchemyError as exc:  # someone else's chore: never the station's failure
            log.warning("releasing expired leases failed: %s", describe_db_error(exc))
        if idle:
            self.db.checkpoint()

    def _context(self, session: Session) -> DbContext:
        ctx = DbContext(session, self.station_id, self.rules, self.clock)
        ctx.pin_limits = self.pin_limits
        if self.evidence is not None:
            ctx.camera = self.evidence.camera()
        return ctx

    def decide_and_commit(
        self,
        state: PackState,
        command: Command,
        before_commit: Callable[[Decision], None] | None = None,
    ) -> Decision:
        """`before_commit` is called with the decision once its rows are written, just
        before the COMMIT (the runner hands the state to the UI then: `commit_gate.py`)."""
        if before_commit is None:
            return self.decide_and_commit_batch(state, (command,))[0]
        return self.decide_and_commit_batch(
            state, (command,), lambda decisions: before_commit(decisions[0])
        )[0]

    def decide_and_commit_batch(
        self,
        state: PackState,
        commands: Sequence[Command | TextInput],
        before_commit: Callable[[list[Decision]], None] | None = None,
        read: list[Command] | None = None,
    ) -> list[Decision]:
        """Commands decided one after another and committed in one transaction: a scanner's
        stored batch costs one fsync, not one per scan. All or nothing: on any error
        nothing of them is recorded. Scanned or typed text is read as a command in the state
        the scans before it left (a card's dialog changes what "2" means); `read` gets
        the commands as read."""
        decisions: list[Decision] = []
        try:
            with self._writer().session() as session:
                ctx = self._context(session)
                held: set[str] = set()
                for n, item in enumerate(commands, start=1):
                    if isinstance(item, TextInput):
                        command = command_for_text(state, item.text)
                    else:
                        command = item
                    if read is not None:
                        read.append(command)
                    decision = decide(state, command, ctx)
                    trace.mark("decided")
                    order = state.order
                    if decision.records and order is not None and order.id not in held:
                        self.store.check_holds(session, order.id)  # once per order and batch
                        held.add(order.id)
                    if decision.records:
                        operator_id = state.operator.id if state.operator else None
                        self.store.commit_records(session, decision.records, operator_id)
                    trace.mark("written")
                    decisions.append(decision)
                    if n < len(commands):  # the next one is decided on this one's outcome
                        state = apply(state, decision)
                if before_commit is not None:
                    session.flush()  # a refusal (a duplicate code) comes here, not at COMMIT
                    before_commit(decisions)
                trace.mark("commit")  # the block's end: the COMMIT is next
        except BaseException:
            self.store.rolled_back()
            raise
        trace.mark("committed")  # COMMIT: on SQLite with synchronous=FULL, the WAL's fsync
        self.store.committed()
        return decisions

    def label_data(
        self, record: LabelPrinted, items: int, ship_from: tuple[str, ...] = ()
    ) -> LabelData | None:
        from packstation.labels.content import LabelData

        with self.db.sessions() as session:
            order = session.get(Order, record.order_id)
            if order is None:
                return None
            return LabelData(
                parcel_id=record.parcel_id,
                order_id=order.id,
                carrier=record.carrier,
                tariff=record.tariff,
                recipient=order.customer_name,
                address_lines=order.address_lines,
                country=order.country,
                weight_g=record.weight_g,
                packed_at=record.at,
                station_id=self.station_id,
                # A box of a multi-parcel order: its own units and its place, n of m.
                items=record.units or items,
                parcel_no=record.seq,
                parcel_count=record.parcel_count,
                ship_from=ship_from,
                marks=tuple(
                    mark
                    for mark, flag in (
                        ("FRAGILE", any(line.fragile for line in order.lines)),
                        ("LIQUID", any(line.liquid for line in order.lines)),
                    )
                    if flag
                ),
            )

    def documents(
        self, order_id: str, ship_from: tuple[str, ...]
    ) -> tuple[DocumentData, tuple[str, ...]] | None:
        """The order's document data and the kinds it needs (invoice, CN23 abroad)."""
        from packstation.models.documents_repo import document_data

        with self.db.sessions() as session:
            return document_data(session, order_id, self.rules, ship_from, self.clock().date())

    def record_print_failure(self, record: LabelPrinted, error: str) -> None:
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


def is_db_error(exc: BaseException) -> bool:
    from packstation.errors import DatabaseError

    return isinstance(exc, SQLAlchemyError | DatabaseError)


def refusal(exc: BaseException) -> tuple[str, Msg] | None:
    """What a failed commit means to the packer: (kind, message), None if not a database matter.

    kind is "conflict" (another station won the claim), "lost" (the station's own
    order was released after its lease expired), "constraint" (a unique
    key refused the write, e.g. a marking code stored elsewhere a moment ago),
    "down" (the database is unreachable or broken) or "busy" (another process took
    this station id while the database was away).
    """
    params: dict[str, Any]
    if isinstance(exc, StationBusy):
        return "busy", Msg("station.already_open", {"station": exc.station_id})
    if isinstance(exc, OrderLost) and exc.status == "cancelled":
        return "lost", Msg("station.order_cancelled", {"order": exc.order_id})
    if isinstance(exc, OrderLost):
        params = {"order": exc.order_id, "holder": exc.holder or exc.status or "?"}
        return "lost", Msg("station.claim_conflict", params)
    if isinstance(exc, ClaimConflict):
        params = {"order": exc.order_id, "holder": exc.holder or exc.status or "?"}
        return "conflict", Msg("station.claim_conflict", params)
    if isinstance(exc, IntegrityError):
        log.warning("commit refused by a constraint: %s", describe_db_error(exc))
        return "constraint", Msg("station.not_recorded_conflict")
    if is_db_error(exc):
        log.error("commit failed: %s", describe_db_error(exc))
        return "down", Msg("station.not_recorded", {"error": describe_db_error(exc)})
    return None
