"""A marketplace order on the hold shelf: the rows its station's agent reads and writes.

CMD:HOLD while the marketplace's label had not come puts the parcel on the hold shelf
(`orders.hold_reason` "marketplace_label: ...", status needs_correction); the station that
held it finishes the order at the marketplace in the background (`station/
marketplace_agent.py`). Once the label is printed the order is ready again, kept for that
station (its next CMD:NEXT takes it back), and the lead's queue says "label printed"
(`hold_state`); a refusal leaves it on hold with the marketplace's words for the lead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from packstation.domain.orders import OrderStatus
from packstation.models.orders import Order
from packstation.models.packing import Event

if TYPE_CHECKING:
    from packstation.clock import Clock
    from packstation.domain.workflow.records import Record
    from packstation.models.db import Database

__all__ = ["LABEL_PRINTED", "LABEL_REFUSED", "LABEL_WAIT", "ShelfRows", "hold_state"]

#: `hold_reason` before its ":": waiting for the label (as `workflow/carrier_labels` writes
#: it at CMD:HOLD), printed in the background, refused by the marketplace meanwhile.
LABEL_WAIT = "marketplace_label"
LABEL_PRINTED = "marketplace_label_printed"
LABEL_REFUSED = "marketplace_refused"
#: ``orders.hold_reason`` is a String(500).
_REASON_LIMIT = 500


def hold_state(status: str, hold_reason: str | None) -> str | None:
    """Where a marketplace order of the hold shelf stands (one of the three above), if it
    is one: what the lead's queue shows instead of a bare "needs correction"."""
    kind = (hold_reason or "").partition(":")[0]
    if status == OrderStatus.NEEDS_CORRECTION and kind in (LABEL_WAIT, LABEL_REFUSED):
        return kind
    if status == OrderStatus.READY and kind == LABEL_PRINTED:
        return kind
    return None


def _waiting(order_id: str) -> tuple[Any, ...]:
    return (
        Order.id == order_id,
        Order.status == OrderStatus.NEEDS_CORRECTION.value,
        Order.hold_reason.startswith(f"{LABEL_WAIT}:", autoescape=True),
    )


def is_held(session: Session, order_id: str) -> bool:
    """Still on the hold shelf waiting for its label (not cancelled, released or taken)."""
    return session.scalar(select(Order.id).where(*_waiting(order_id))) is not None


def label_printed(
    session: Session,
    order_id: str,
    station_id: str,
    labels: Sequence[tuple[str, str, str]],
    at: datetime,
) -> bool:
    """The labels ((our parcel id, barcode, package ref) each) were printed at `station_id`:
    the order is ready again, kept for that station. False if it left the shelf meanwhile."""
    refs = ", ".join(dict.fromkeys(ref or barcode for _, barcode, ref in labels))
    reason = f"{LABEL_PRINTED}: at {station_id}: {refs}"[:_REASON_LIMIT]
    done = _leave_shelf(
        session,
        order_id,
        at,
        status_changed_at=at,
        status=OrderStatus.READY.value,
        reserved_for=station_id,
        hold_reason=reason,
    )
    if done:
        rows = [{"parcel_id": p, "barcode": b, "package_ref": r} for p, b, r in labels]
        _event(session, "marketplace.held_printed", order_id, station_id, at, {"labels": rows})
    return done


def refused(session: Session, order_id: str, station_id: str, error: str, at: datetime) -> bool:
    """The marketplace refused it in the background: on hold still, with its words."""
    reason = f"{LABEL_REFUSED}: {error}"[:_REASON_LIMIT]
    done = _leave_shelf(session, order_id, at, hold_reason=reason)
    if done:
        _event(session, "marketplace.held_refused", order_id, station_id, at, {"error": error})
    return done


def held_here(session: Session, station_id: str) -> list[list[Record]]:
    """Each order this station put on the hold shelf and still waiting: its records from
    its claim to its hold, replayed by the station after a restart to go on with it."""
    from packstation.domain.workflow.record_types import RECORD_TYPES, record_from

    found: list[list[Record]] = []
    waiting = session.scalars(
        select(Order.id).where(
            Order.status == OrderStatus.NEEDS_CORRECTION.value,
            Order.hold_reason.startswith(f"{LABEL_WAIT}:", autoescape=True),
            Order.channel.is_not(None),
        )
    ).all()
    for order_id in waiting:
        held = session.execute(
            select(Event.id, Event.station_id)
            .where(Event.order_id == order_id, Event.kind == "order.held")
            .order_by(Event.id.desc())
            .limit(1)
        ).first()
        if held is None or held.station_id != station_id:
            continue
        claimed = session.scalar(
            select(Event.id)
            .where(
                Event.order_id == order_id,
                Event.kind == "order.claimed",
                Event.station_id == station_id,
                Event.id < held.id,
            )
            .order_by(Event.id.desc())
            .limit(1)
        )
        if claimed is None:
            continue
        rows = session.execute(
            select(Event.kind, Event.payload)
            .where(
                Event.order_id == order_id,
                Event.station_id == station_id,
                Event.id >= claimed,
                Event.id < held.id,
                Event.kind.in_(list(RECORD_TYPES)),
            )
            .order_by(Event.id)
        )
        found.append([record_from(kind, payload) for kind, payload in rows])
    return found


def _leave_shelf(session: Session, order_id: str, at: datetime, **values: Any) -> bool:
    result = session.execute(
        update(Order)
        .where(*_waiting(order_id))
        .values(updated_at=at, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _event(
    session: Session, kind: str, order_id: str, station_id: str, at: datetime, payload: Any
) -> None:
    session.execute(
        insert(Event),
        [
            {
                "kind": kind,
                "at": at,
                "order_id": order_id,
                "station_id": station_id,
                "operator_id": None,
                "payload": payload,
            }
        ],
    )


class ShelfRows:
    """The agent's way to these rows: one short transaction per question, from its thread."""

    def __init__(self, db: Database, station_id: str, clock: Clock) -> None:
        self.db = db
        self.station_id = station_id
        self.clock = clock

    def held(self, order_id: str) -> bool:
        with self.db.unit_of_work() as session:
            return is_held(session, order_id)

    def printed(self, order_id: str, labels: Sequence[tuple[str, str, str]]) -> bool:
        with self.db.unit_of_work() as session:
            return label_printed(session, order_id, self.station_id, labels, self.clock())

    def refused(self, order_id: str, error: str) -> bool:
        with self.db.unit_of_work() as session:
            return refused(session, order_id, self.station_id, error, self.clock())

    def waiting(self) -> list[list[Record]]:
        with self.db.unit_of_work() as session:
            return held_here(session, self.station_id)
