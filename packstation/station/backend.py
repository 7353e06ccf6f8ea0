"""The runner's database side: everything that needs SQLAlchemy, loaded in the worker thread.

Kept apart from `runner.py` so the station paints its first screen while this
module (and SQLAlchemy with it) is still being imported in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from packstation.domain.rules import PackRules
from packstation.domain.workflow import Command, Decision, PackState, Record, decide
from packstation.domain.workflow.records import LabelPrinted
from packstation.errors import describe_db_error
from packstation.i18n import Msg
from packstation.labels.content import LabelData
from packstation.models import Event, Order
from packstation.models.db import Database, open_database
from packstation.station.context import DbContext
from packstation.station.store import ClaimConflict, StationStore

log = logging.getLogger(__name__)


class StationBackend:
    def __init__(
        self,
        db: Database | str,
        station_id: str,
        rules: PackRules,
        clock: Callable[[], datetime],
        station_name: str = "",
    ) -> None:
        self._db = db if isinstance(db, Database) else None
        self._url = db if isinstance(db, str) else None
        self.station_id = station_id
        self.rules = rules
        self.clock = clock
        self.station_name = station_name
        self.store = StationStore(station_id)

    @property
    def db(self) -> Database:
        """The database, opened on first use (and again after a failed open)."""
        if self._db is None:
            assert self._url is not None
            self._db = open_database(self._url)
        return self._db

    def recover(self) -> list[Record]:
        with self.db.unit_of_work() as session:
            self.store.ensure_station(session, self.station_name)
            # Device states of a previous run are stale: each device reports afresh.
            self.store.touch_station(session, self.clock(), devices={})
            return self.store.load_records(session)

    def note_devices(self, devices: dict[str, dict[str, str]]) -> None:
        with self.db.unit_of_work() as session:
            self.store.touch_station(session, self.clock(), devices=dict(devices))

    def heartbeat(self) -> None:
        with self.db.unit_of_work() as session:
            self.store.touch_station(session, self.clock())
        self.db.checkpoint()

    def decide_and_commit(self, state: PackState, command: Command) -> Decision:
        with self.db.sessions.begin() as session:
            ctx = DbContext(session, self.station_id, self.rules, self.clock)
            decision = decide(state, command, ctx)
            if decision.records:
                operator_id = state.operator.id if state.operator else None
                self.store.commit_records(session, decision.records, operator_id)
        return decision

    def label_data(self, record: LabelPrinted, items: int) -> LabelData | None:
        with self.db.sessions() as session:
            order = session.get(Order, record.order_id)
            if order is None:
                return None
            lines = (order.line1, order.line2, f"{order.postcode} {order.city}", order.region)
            return LabelData(
                parcel_id=record.parcel_id,
                order_id=order.id,
                carrier=record.carrier,
                tariff=record.tariff,
                recipient=order.customer_name,
                address_lines=tuple(x for x in lines if x.strip()),
                country=order.country,
                weight_g=record.weight_g,
                packed_at=record.at,
                station_id=self.station_id,
                items=items,
            )

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

    kind is "conflict" (another station won the claim), "constraint" (a unique
    key refused the write, e.g. a marking code stored elsewhere a moment ago) or
    "down" (the database is unreachable or broken).
    """
    if isinstance(exc, ClaimConflict):
        params: dict[str, Any] = {"order": exc.order_id, "holder": exc.holder or exc.status or "?"}
        return "conflict", Msg("station.claim_conflict", params)
    if isinstance(exc, IntegrityError):
        log.warning("commit refused by a constraint: %s", describe_db_error(exc))
        return "constraint", Msg("station.not_recorded_conflict")
    if is_db_error(exc):
        log.error("commit failed: %s", describe_db_error(exc))
        return "down", Msg("station.not_recorded", {"error": describe_db_error(exc)})
    return None
