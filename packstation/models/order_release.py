"""Taking an order off its station: one function for every way an order leaves one.

A station packs, releases or holds its own order (station/store.py), a lead
releases, holds or reassigns it from the queue (lead_actions.py), and an order
whose station stopped beating is released automatically (station/leases.py).
Each must leave the same rows behind, so they all come here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from msgspec import Struct
from sqlalchemy import update
from sqlalchemy.orm import Session

from packstation.models.orders import Order
from packstation.models.packing import PackSession, Parcel
from packstation.models.people import Station

__all__ = ["Freed", "free_order"]


class Freed(Struct, frozen=True):
    """The order left ``station_id``; ``pack_session`` is the session that ended, if any."""

    station_id: str | None
    pack_session: int | None


def free_order(
    session: Session,
    order_id: str,
    station_id: str | None,
    *,
    status: str,
    outcome: str,
    at: datetime,
    only_if_packing: bool = False,
    void_labels: bool = True,
    **values: Any,
) -> Freed | None:
    """Set the order to ``status`` with no station and no packer; None if ``station_id``
    no longer holds it (or, with ``only_if_packing``, it is not being packed).

    The station's open pack session ends with ``outcome``; the station row forgets the
    order; unless the order was packed (``void_labels=False``) its labels, scanned or
    not, are void, since the parcel will be packed again. ``values``: more order columns
    (hold_reason, carrier, ...).
    """
    where = [Order.id == order_id]
    if station_id is not None:
        where.append(Order.station_id == station_id)
    if only_if_packing:
        where.append(Order.status == "packing")
    result = session.execute(
        update(Order)
        .where(*where)
        .values(
            status=status,
            station_id=None,
            operator_id=None,
            status_changed_at=at,
            updated_at=at,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    if void_labels:
        session.execute(
            update(Parcel)
            .where(Parcel.order_id == order_id, Parcel.status.in_(("labelled", "confirmed")))
            .values(status="void")
            .execution_options(synchronize_session=False)
        )
    if station_id is None:
        return Freed(None, None)
    ended = session.execute(
        update(PackSession)
        .where(
            PackSession.station_id == station_id,
            PackSession.order_id == order_id,
            PackSession.ended_at.is_(None),
        )
        .values(ended_at=at, outcome=outcome)
        .returning(PackSession.id)
        .execution_options(synchronize_session=False)
    )
    pack_session = max(ended.scalars().all(), default=None)
    session.execute(
        update(Station)
        .where(Station.id == station_id, Station.current_order_id == order_id)
        .values(current_order_id=None, step="idle")
        .execution_options(synchronize_session=False)
    )
    return Freed(station_id, pack_session)
