"""Committing the workflow's records: one event row each, plus the rows they imply.

All writes of one decision happen in the caller's transaction. The claim is
a conditional UPDATE (ready, or already ours): if it matches no row another
station won the race, `ClaimConflict` is raised and the transaction is
rolled back, so the station keeps its previous state. (On PostgreSQL
CMD:NEXT has already locked its row with SKIP LOCKED, so that update always
matches.) Every write to the station row renews its lease (`leases.py`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    String,
    Update,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from packstation.domain.units import UnitFacts
from packstation.domain.workflow import Record, order_id_of
from packstation.domain.workflow.record_types import RECORD_TYPES, records_from
from packstation.domain.workflow.records import (
    DefectRecorded,
    LabelConfirmed,
    LabelPrinted,
    MarkRejected,
    NotificationQueued,
    OrderClaimed,
    OrderHeld,
    OrderPacked,
    OrderReleased,
    ScanAccepted,
    ScanUndone,
    SessionLogin,
    SessionLogout,
)
from packstation.models import (
    Defect,
    Event,
    MarkingCode,
    Order,
    PackedUnit,
    PackSession,
    Parcel,
    Station,
)
from packstation.models.held_connection import connection_of
from packstation.models.order_release import free_order
from packstation.models.outbox_repo import customer_channel, enqueue
from packstation.models.statement_cache import constant
from packstation.station import leases
from packstation.station.markings import store_marking

_EVENTS = Event.metadata.tables["events"]


_INSERT_EVENT = constant(insert(_EVENTS))

# The claim's writes, built once (see context.py: building costs as much as running).
_ME = bindparam("me", type_=String)
#: The conditional update: ready and free (and not kept for another station), or ours.
_CLAIM = constant(
    update(Order)
    .where(
        Order.id == bindparam("order"),
        or_(
            and_(
                Order.status == "ready",
                Order.station_id.is_(None),
                or_(Order.reserved_for.is_(None), Order.reserved_for == _ME),
            ),
            and_(Order.status == "packing", Order.station_id == _ME),
        ),
    )
    .values(
        status="packing",
        station_id=bindparam("v_station", type_=String),
        reserved_for=None,
        operator_id=bindparam("operator"),
        status_changed_at=bindparam("at"),
        updated_at=bindparam("at"),
    )
)
_NEW_PACK_SESSION = constant(
    insert(PackSession)
    .values(
        order_id=bindparam("order"),
        station_id=_ME,
        operator_id=bindparam("operator"),
        step="items",
        started_at=bindparam("at"),
    )
    .returning(PackSession.id)
)


#: Who holds an order (`check_holds`, every scan); locked until the commit on PostgreSQL.
_HOLDER = constant(select(Order.station_id, Order.status).where(Order.id == bindparam("order")))
_HOLDER_LOCKED = constant(_HOLDER.with_for_update())
#: This station's newest pack session of an order.
_PACK_SESSION = constant(
    select(PackSession.id)
    .where(PackSession.station_id == _ME, PackSession.order_id == bindparam("order"))
    .order_by(PackSession.id.desc())
    .limit(1)
)


@functools.cache
def _touch_statement(keys: tuple[str, ...]) -> Update:
    """The station-row update for one set of extra columns (a handful exist)."""
    values: dict[str, Any] = {
        key: bindparam(f"v_{key}") for key in ("heartbeat_at", "lease_until", *keys)
    }
    return constant(update(Station).where(Station.id == bindparam("station")).values(**values))


def _unit_row(record: OrderPacked, unit: UnitFacts) -> dict[str, Any]:
    """A ``packed_units`` row (the unique index on scope + serial refuses one shipped)."""
    return {
        "order_id": record.order_id,
        "line_id": unit.line_id,
        "parcel_id": unit.parcel_id,
        "gtin": unit.gtin,
        "lot": unit.lot,
        "expiry": unit.expiry,
        "serial": unit.serial,
        "serial_scope": unit.scope,
        "packed_at": record.at,
    }


class ClaimConflict(Exception):
    """Another station took the order between the lookup and the commit."""

    def __init__(self, order_id: str, holder: str | None, status: str | None) -> None:
        super().__init__(f"{order_id} was just taken by {holder or status or 'someone else'}")
        self.order_id = order_id
        self.holder = holder
        self.status = status


class OrderLost(ClaimConflict):
    """The station's current order is no longer its own (released after its lease expired)."""


class StationStore:
    """Writes for one station; every method runs inside the caller's transaction."""

    def __init__(self, station_id: str, lease_s: float = leases.LEASE_S) -> None:
        self.station_id = station_id
        self.lease_s = lease_s
        #: Pack session of each order this station holds, as committed: looked up once
        #: per order instead of once per scan. Learnt in a transaction, kept only once it
        #: commits (`committed`); forgotten when the order leaves or on recovery.
        self._sessions: dict[str, int | None] = {}
        self._learnt: dict[str, int | None] = {}
        self._left: set[str] = set()
        #: Notifications (by template) held back after they are queued: a defect's waits
        #: for its photo when the station has a camera (`evidence/station.py`).
        self.notify_hold: dict[str, timedelta] = {}

    def committed(self) -> None:
        """The transaction of the last `commit_records` committed: keep what it learnt."""
        self._sessions.update(self._learnt)
        for order_id in self._left:
            self._sessions.pop(order_id, None)
        self.rolled_back()

    def rolled_back(self) -> None:
        """It did not: what it learnt may not exist."""
        self._learnt.clear()
        self._left.clear()

    def forget(self) -> None:
        """Recovery (or an order lost to another station): look everything up again."""
        self._sessions.clear()
        self.rolled_back()

    # --- the station row ---------------------------------------------------------------

    def ensure_station(self, session: Session, name: str = "") -> None:
        if session.get(Station, self.station_id) is None:
            session.add(Station(id=self.station_id, name=name, devices={}))
            session.flush()

    def touch_station(self, session: Session, now: datetime, **values: Any) -> None:
        """Heartbeat and lease renewal, plus any other station-row ``values``."""
        params = {f"v_{k}": v for k, v in values.items()}
        connection_of(session).execute(
            _touch_statement(tuple(sorted(values))),
            {
                "station": self.station_id,
                "v_heartbeat_at": now,
                "v_lease_until": leases.lease_end(now, self.lease_s),
                **params,
            },
        )

    def check_holds(self, session: Session, order_id: str) -> None:
        """Raise `OrderLost` unless this station still holds ``order_id``.

        The row stays locked (PostgreSQL) until the commit, so `release_expired`
        skips it rather than releasing it under the station's feet.
        """
        conn = connection_of(session)
        query = _HOLDER_LOCKED if conn.dialect.name == "postgresql" else _HOLDER
        row = conn.execute(query, {"order": order_id}).first()
        if row is None or row[0] != self.station_id or row[1] != "packing":
            self.forget()
            raise OrderLost(order_id, row[0] if row else None, row[1] if row else None)

    # --- records -----------------------------------------------------------------------

    def commit_records(
        self, session: Session, records: Sequence[Record], operator_id: int | None
    ) -> None:
        #: Pack session of each order, looked up once per commit (a claim knows its own).
        pack_sessions: dict[str, int | None] = {}
        conn = connection_of(session)
        for record in records:
            if isinstance(record, SessionLogin):
                operator_id = record.operator.id
            if isinstance(record, OrderClaimed):
                pack_sessions[record.order.id] = self._claim(session, conn, record, operator_id)
                self._learnt[record.order.id] = pack_sessions[record.order.id]
                self._left.discard(record.order.id)
            else:
                self._apply(session, record, operator_id)
            order_id = order_id_of(record)
            if order_id is not None and order_id not in pack_sessions:
                pack_sessions[order_id] = self._open_session(session, order_id)
            if isinstance(record, OrderPacked | OrderReleased | OrderHeld):
                self._left.add(record.order_id)  # its session ends with it
            conn.execute(
                _INSERT_EVENT,
                {
                    "at": record.at,
                    "kind": record.kind,
                    "order_id": order_id,
                    "station_id": self.station_id,
                    "operator_id": operator_id,
                    "session_id": pack_sessions.get(order_id) if order_id else None,
                    "payload": record.to_payload(),
                },
            )

    def _open_session(self, session: Session, order_id: str) -> int | None:
        if order_id in self._sessions:
            return self._sessions[order_id]
        found: int | None = connection_of(session).scalar(
            _PACK_SESSION, {"me": self.station_id, "order": order_id}
        )
        self._learnt[order_id] = found
        return found

    def _free_order(
        self,
        session: Session,
        record: Record,
        order_id: str,
        status: str,
        outcome: str,
        **values: Any,
    ) -> None:
        free_order(
            session, order_id, self.station_id, status=status, outcome=outcome, at=record.at,
            void_labels=status != "packed", **values,
        )  # fmt: skip
        self.touch_station(session, record.at, current_order_id=None, step="idle")

    def _apply(self, session: Session, record: Record, operator_id: int | None) -> None:
        at = record.at
        if isinstance(record, SessionLogin):
            self.touch_station(session, at, operator_id=record.operator.id, step="idle")
        elif isinstance(record, SessionLogout):
            self.touch_station(session, at, operator_id=None, step="logged_out")
        elif isinstance(record, ScanAccepted) and record.identity:
            store_marking(session, record)
        elif isinstance(record, ScanUndone | MarkRejected) and record.identity:
            session.execute(
                delete(MarkingCode).where(
                    MarkingCode.identity == record.identity,
                    MarkingCode.order_id == record.order_id,
                )
            )
        elif isinstance(record, DefectRecorded):
            session.add(
                Defect(
                    order_id=record.order_id,
                    line_id=record.line_id,
                    kind=record.defect.value,
                    qty=record.qty,
                    resolution=record.resolution,
                    station_id=self.station_id,
                    operator_id=operator_id,
                    at=at,
                    note=record.sku + (" (taken out of the parcel)" if record.unit_removed else ""),
                    lot=record.lot,
                    expiry=record.expiry,
                    serial=record.serial,
                )
            )
        elif isinstance(record, NotificationQueued):
            self._notify(session, record)
        elif isinstance(record, LabelPrinted):
            self._label(session, record)
        elif isinstance(record, LabelConfirmed):
            session.execute(
                update(Parcel)
                .where(Parcel.id == record.parcel_id)
                .values(status="confirmed", confirmed_at=at)
            )
        elif isinstance(record, OrderPacked):
            if record.units:  # lots, expiry dates, serials: a serial shipped twice is refused
                session.execute(insert(PackedUnit), [_unit_row(record, u) for u in record.units])
            parcel = session.get(Parcel, record.parcel_id)
            self._free_order(
                session, record, record.order_id, "packed", "packed",
                carrier=parcel.carrier if parcel else None,
                tariff=parcel.tariff if parcel else None,
            )  # fmt: skip
        elif isinstance(record, OrderReleased):
            self._free_order(session, record, record.order_id, "ready", "released")
        elif isinstance(record, OrderHeld):
            self._free_order(
                session, record, record.order_id, "needs_correction", "held",
                hold_reason=record.reason,
            )  # fmt: skip

    def _claim(
        self, session: Session, conn: Connection, record: OrderClaimed, operator_id: int | None
    ) -> int:
        """The conditional update; the new pack session's id."""
        order_id = record.order.id
        params = {
            "order": order_id,
            "me": self.station_id,
            "operator": operator_id,
            "at": record.at,
        }
        result = conn.execute(_CLAIM, {**params, "v_station": self.station_id})
        if result.rowcount != 1:
            row = conn.execute(
                select(Order.station_id, Order.status).where(Order.id == order_id)
            ).first()
            raise ClaimConflict(order_id, row[0] if row else None, row[1] if row else None)
        pack_session_id: int = conn.execute(_NEW_PACK_SESSION, params).scalar_one()
        self.touch_station(session, record.at, current_order_id=order_id, step="items")
        return pack_session_id

    def _label(self, session: Session, record: LabelPrinted) -> None:
        existing = session.get(Parcel, record.parcel_id)
        if existing is not None:  # a reprint of the same parcel
            existing.printed_at = record.at
            return
        # A new label replaces the unconfirmed one of the same box (and any box beyond the
        # new count); the other boxes' labels of the same print stay.
        session.execute(
            update(Parcel)
            .where(
                Parcel.order_id == record.order_id,
                Parcel.status == "labelled",
                or_(Parcel.seq == record.seq, Parcel.seq > record.parcel_count),
            )
            .values(status="void")
        )
        session.add(
            Parcel(
                id=record.parcel_id,
                order_id=record.order_id,
                carrier=record.carrier,
                tariff=record.tariff,
                box_code=record.box_code,
                weight_g=record.weight_g,
                expected_weight_g=record.expected_g,
                status="labelled",
                printed_at=record.at,
                created_at=record.at,
                seq=record.seq,
                choice_note=record.choice_note(),
                suggested_box=record.suggested_box or None,
                box_cm3=record.box_cm3,
                suggested_cm3=record.suggested_cm3,
                first_box_cm3=record.first_box_cm3,
            )
        )

    def _notify(self, session: Session, record: NotificationQueued) -> None:
        order = session.get(Order, record.order_id)
        if order is None:
            return
        channel, recipient = customer_channel(
            order.email, order.phone, (p.get("field", "") for p in order.problems)
        )
        enqueue(
            session,
            key=record.key,
            template=record.template,
            channel=channel,
            recipient=recipient,
            locale=order.locale,
            payload={"order_id": order.id, "customer_name": order.customer_name, **record.params},
            order_id=order.id,
            now=record.at,
            due=record.at + hold if (hold := self.notify_hold.get(record.template)) else None,
        )

    # --- recovery ----------------------------------------------------------------------

    def load_records(self, session: Session) -> list[Record]:
        """This station's records since its last logout: replayed, they are its state."""
        last_logout = session.scalar(
            select(Event.id)
            .where(Event.station_id == self.station_id, Event.kind == SessionLogout.kind)
            .order_by(Event.id.desc())
            .limit(1)
        )
        query = (
            select(Event.kind, Event.payload)
            .where(Event.station_id == self.station_id, Event.kind.in_(list(RECORD_TYPES)))
            .order_by(Event.id)
        )
        if last_logout is not None:
            query = query.where(Event.id > last_logout)
        return records_from(session.execute(query))
