"""Station leases: who is alive, and releasing the orders of stations that are not.

Every heartbeat (and every write that touches the station row) sets
``stations.heartbeat_at = now`` and ``lease_until = now + lease_s``. While a
station's lease is live its order is "being packed at station X"; once the
lease has run out the order is stuck until a lead releases it or, after
``auto_release_s`` more, any station's heartbeat releases it automatically
(`release_expired`). Both times are the station config's ``[floor]`` keys
(`config.LeaseTimings`, defaults `LEASE_S` and `AUTO_RELEASE_S`), handed by the
runner to `StationBackend`. A station that comes back before that simply resumes:
its next heartbeat renews the lease and the order is still its own.

A station row without a lease (written before leases existed) counts as live:
nothing is released on a guess.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from msgspec import Struct
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from packstation.config import AUTO_RELEASE_S, LEASE_S, LeaseTimings, lease_end
from packstation.models import Event, Order, Station
from packstation.models.order_release import free_order

__all__ = [
    "AUTO_RELEASE_S",
    "LEASE_EXPIRED",
    "LEASE_S",
    "LeaseTimings",
    "Released",
    "holds",
    "is_live",
    "lease_end",
    "release_expired",
    "release_order",
    "renew",
]

#: Event kind written for every order released because its station went away.
LEASE_EXPIRED = "order.lease_expired"

_EVENTS = Event.metadata.tables["events"]


class Released(Struct, frozen=True):
    """An order taken back from a station that stopped beating."""

    order_id: str
    station_id: str
    lease_until: datetime | None


def is_live(lease_until: datetime | None, now: datetime) -> bool:
    """True while the lease runs (or when the station never had one)."""
    return lease_until is None or lease_until > now


def renew(session: Session, station_id: str, now: datetime, lease_s: float = LEASE_S) -> None:
    """The heartbeat: the station is alive until ``now + lease_s``."""
    session.execute(
        update(Station)
        .where(Station.id == station_id)
        .values(heartbeat_at=now, lease_until=lease_end(now, lease_s))
    )


def release_expired(
    session: Session,
    now: datetime,
    auto_release_s: float = AUTO_RELEASE_S,
    *,
    released_by: str | None = None,
) -> list[Released]:
    """Release every order held by a station whose lease ended over ``auto_release_s`` ago.

    Cheap when there is nothing to do (one query over the few stations, using
    the orders' station index); safe when several stations run it at once (on
    PostgreSQL the orders are locked with SKIP LOCKED, and each release is a
    conditional update, so an order is released and logged once). A lead tool
    releases every expired lease at once with ``auto_release_s=0``.
    """
    cutoff = now - timedelta(seconds=auto_release_s)
    query = (
        select(Order.id, Order.station_id, Station.lease_until)
        .join(Station, Station.id == Order.station_id)
        .where(Order.status == "packing", Station.lease_until < cutoff)
        .order_by(Order.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Skip an order its station is committing to right now: that station is not dead.
        query = query.with_for_update(of=Order, skip_locked=True)
    released = []
    for order_id, station_id, until in session.execute(query).all():
        if station_id is None:  # pragma: no cover - the join excludes it
            continue
        if release_order(session, order_id, station_id, now, reason="expired", by=released_by):
            released.append(Released(order_id, station_id, until))
    return released


def release_order(
    session: Session,
    order_id: str,
    station_id: str,
    now: datetime,
    *,
    reason: str = "expired",
    by: str | None = None,
) -> bool:
    """Put ``order_id`` back in the queue if ``station_id`` still holds it; False if not.

    The pack session ends with outcome ``reason``, an unconfirmed label is
    voided and an ``order.lease_expired`` event names the station that lost it.
    """
    freed = free_order(
        session, order_id, station_id, status="ready", outcome=reason, at=now,
        only_if_packing=True,
    )  # fmt: skip
    if freed is None:
        return False
    session.execute(
        insert(_EVENTS),
        [
            {
                "at": now,
                "kind": LEASE_EXPIRED,
                "order_id": order_id,
                "station_id": station_id,
                "operator_id": None,
                "session_id": freed.pack_session,
                "payload": {"station": station_id, "reason": reason, "released_by": by},
            }
        ],
    )
    return True


def holds(session: Session, station_id: str, order_id: str, *, lock: bool = False) -> bool:
    """Whether ``station_id`` still holds ``order_id`` (status packing, its station id)."""
    query = select(Order.station_id, Order.status).where(Order.id == order_id)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row = session.execute(query).first()
    return row is not None and row[0] == station_id and row[1] == "packing"
