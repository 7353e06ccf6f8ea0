"""What the team lead writes from the queue screen: release, priority, hold, reassign.

Each action verifies the lead's badge + PIN and role first; a refusal is audited as a
`lead.denied` event in the caller's transaction and returned (not raised), so the caller
commits the audit row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from packstation.config import PinLimits
from packstation.domain.workflow.records import OrderHeld, OrderReleased
from packstation.i18n import Msg
from packstation.models.operators_repo import PinStatus, check_pin
from packstation.models.order_release import free_order
from packstation.models.orders import Order
from packstation.models.packing import Event
from packstation.models.people import Operator, Role, Station
from packstation.models.queue_page import OPEN_STATUSES

__all__ = [
    "ActionResult",
    "LeadCredentials",
    "hold_order",
    "reassign_order",
    "release_order",
    "set_priority",
]


#: `[security]` defaults, for callers without a station config (tests, scripts).
DEFAULT_PIN_LIMITS = PinLimits()
#: How far a priority may be set by a lead.
PRIORITY_RANGE = range(-9, 100)

_EVENTS = Event.metadata.tables["events"]


@dataclass(frozen=True, slots=True)
class LeadCredentials:
    """What the lead typed: never stored, never logged (the PIN is not in any event)."""

    badge: str
    pin: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class ActionResult:
    ok: bool
    message: Msg
    order_id: str = ""


def _event(
    session: Session,
    kind: str,
    at: datetime,
    *,
    order_id: str | None = None,
    station_id: str | None = None,
    operator_id: int | None = None,
    payload: dict[str, Any],
) -> None:
    session.execute(
        insert(_EVENTS),
        [
            {
                "kind": kind,
                "at": at,
                "order_id": order_id,
                "station_id": station_id,
                "operator_id": operator_id,
                "payload": payload,
            }
        ],
    )


def _authorize(
    session: Session,
    lead: LeadCredentials,
    action: str,
    order_id: str,
    now: datetime,
    limits: PinLimits,
) -> Operator | ActionResult:
    """The lead's operator row, or the refusal (already audited as `lead.denied`)."""
    badge = lead.badge.strip()
    op = session.scalar(select(Operator).where(Operator.badge == badge, Operator.active))
    why: str | None = None
    message: Msg | None = None
    if op is None:
        why, message = "unknown_badge", Msg("queue.denied.badge", {"badge": badge})
    elif op.role not in (Role.LEAD, Role.ADMIN):
        why, message = "not_a_lead", Msg("queue.denied.role", {"name": op.name})
    elif not (
        pin := check_pin(
            session,
            op.id,
            lead.pin,
            now=now,
            purpose=action,
            limit=limits.attempts,
            lock_for=limits.lock_for,
        )
    ).ok:
        # Counted (and locked after too many) in operators_repo, committed on its own.
        if pin.status is PinStatus.LOCKED:
            params = {"name": op.name, "until": pin.until_local()}
            why, message = "locked", Msg("ui.lead.badge_locked", params)
        else:
            why, message = "wrong_pin", Msg("queue.denied.pin", {"name": op.name})
    if why is None or message is None:
        assert op is not None
        return op
    _event(
        session,
        "lead.denied",
        now,
        order_id=order_id,
        operator_id=op.id if op is not None else None,
        payload={"action": action, "badge": badge, "why": why},
    )
    return ActionResult(False, message, order_id)


def _order(session: Session, order_id: str) -> Order | None:
    return session.get(Order, order_id, with_for_update=True)


def _open_order(session: Session, order_id: str) -> Order | ActionResult:
    """The order, locked, if a lead may still change it; else the refusal."""
    order = _order(session, order_id)
    if order is None:
        return ActionResult(False, Msg("queue.no_such_order", {"order": order_id}), order_id)
    if order.status not in OPEN_STATUSES:
        return ActionResult(
            False,
            Msg("queue.not_open", {"order": order_id, "status": order.status}),
            order_id,
        )
    return order


def _leave_station(
    session: Session,
    order: Order,
    now: datetime,
    *,
    status: str,
    outcome: str,
    record: OrderReleased | OrderHeld,
    hold_reason: str | None = None,
) -> str | None:
    """Take a packing order off its station: order freed, the station's row and pack session
    closed, and the station's own record written so a restarted station replays it."""
    extra: dict[str, Any] = {} if hold_reason is None else {"hold_reason": hold_reason}
    packer_id = order.operator_id
    freed = free_order(
        session, order.id, order.station_id, status=status, outcome=outcome, at=now, **extra
    )
    station_id = freed.station_id if freed is not None else None
    if station_id is None:
        return None
    _event(
        session,
        record.kind,
        now,
        order_id=order.id,
        station_id=station_id,
        operator_id=packer_id,
        payload=record.to_payload(),
    )
    return station_id


def release_order(
    session: Session,
    order_id: str,
    lead: LeadCredentials,
    reason: str,
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    """A packing order goes back to the queue (status ready, no station)."""
    auth = _authorize(session, lead, "release", order_id, now, limits)
    if isinstance(auth, ActionResult):
        return auth
    reason = reason.strip()
    if not reason:
        return ActionResult(False, Msg("queue.reason_required"), order_id)
    order = _order(session, order_id)
    if order is None:
        return ActionResult(False, Msg("queue.no_such_order", {"order": order_id}), order_id)
    if order.status != "packing":
        return ActionResult(
            False,
            Msg("queue.release.not_packing", {"order": order_id, "status": order.status}),
            order_id,
        )
    packer_id = order.operator_id
    station_id = _leave_station(
        session,
        order,
        now,
        status="ready",
        outcome="released",
        record=OrderReleased(at=now, order_id=order_id, approved_by=auth.id),
    )
    _event(
        session,
        "lead.release",
        now,
        order_id=order_id,
        station_id=station_id,
        operator_id=auth.id,
        payload={"lead_id": auth.id, "packer_id": packer_id, "reason": reason},
    )
    return ActionResult(
        True,
        Msg("queue.release.done", {"order": order_id, "station": station_id or "-"}),
        order_id,
    )


def set_priority(
    session: Session,
    order_id: str,
    lead: LeadCredentials,
    priority: int,
    reason: str = "",
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    auth = _authorize(session, lead, "priority", order_id, now, limits)
    if isinstance(auth, ActionResult):
        return auth
    if priority not in PRIORITY_RANGE:
        return ActionResult(
            False,
            Msg(
                "queue.priority.range",
                {"low": PRIORITY_RANGE.start, "high": PRIORITY_RANGE.stop - 1},
            ),
            order_id,
        )
    order = _open_order(session, order_id)
    if isinstance(order, ActionResult):
        return order
    before = order.priority
    session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(priority=priority, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    _event(
        session,
        "lead.priority",
        now,
        order_id=order_id,
        station_id=order.station_id,
        operator_id=auth.id,
        payload={"lead_id": auth.id, "from": before, "to": priority, "reason": reason.strip()},
    )
    return ActionResult(
        True, Msg("queue.priority.done", {"order": order_id, "priority": priority}), order_id
    )


def hold_order(
    session: Session,
    order_id: str,
    lead: LeadCredentials,
    reason: str,
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    """Put an open order on hold (needs_correction with the reason); a packing order leaves
    its station."""
    auth = _authorize(session, lead, "hold", order_id, now, limits)
    if isinstance(auth, ActionResult):
        return auth
    reason = reason.strip()
    if not reason:
        return ActionResult(False, Msg("queue.reason_required"), order_id)
    order = _open_order(session, order_id)
    if isinstance(order, ActionResult):
        return order
    status_before, packer_id = order.status, order.operator_id
    station_id = _leave_station(
        session,
        order,
        now,
        status="needs_correction",
        outcome="held",
        record=OrderHeld(at=now, order_id=order_id, reason=reason),
        hold_reason=reason,
    )
    _event(
        session,
        "lead.hold",
        now,
        order_id=order_id,
        station_id=station_id,
        operator_id=auth.id,
        payload={
            "lead_id": auth.id,
            "packer_id": packer_id,
            "from": status_before,
            "reason": reason,
        },
    )
    return ActionResult(True, Msg("queue.hold.done", {"order": order_id}), order_id)


def reassign_order(
    session: Session,
    order_id: str,
    lead: LeadCredentials,
    station: str,
    reason: str,
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    """Keep an open order for one station: only it claims the order, before its queue.

    A packing order leaves the station it is on (as a release: that station drops
    it). ``station`` "-" lifts the reservation: any station may take the order.
    """
    auth = _authorize(session, lead, "reassign", order_id, now, limits)
    if isinstance(auth, ActionResult):
        return auth
    reason, target = reason.strip(), station.strip()
    if not reason:
        return ActionResult(False, Msg("queue.reason_required"), order_id)
    to: str | None = None if target in ("", "-") else target
    if to is not None and session.get(Station, to) is None:
        return ActionResult(False, Msg("queue.reassign.no_station", {"station": to}), order_id)
    order = _open_order(session, order_id)
    if isinstance(order, ActionResult):
        return order
    if to is not None and order.station_id == to:
        return ActionResult(
            False, Msg("queue.reassign.already", {"order": order_id, "station": to}), order_id
        )
    packer_id, before = order.operator_id, order.station_id or order.reserved_for
    if order.status == "packing":
        _leave_station(
            session,
            order,
            now,
            status="ready",
            outcome="reassigned",
            record=OrderReleased(at=now, order_id=order_id, approved_by=auth.id),
        )
    session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(reserved_for=to, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    _event(
        session,
        "lead.reassign",
        now,
        order_id=order_id,
        station_id=before,
        operator_id=auth.id,
        payload={
            "lead_id": auth.id,
            "packer_id": packer_id,
            "from": before,
            "to": to,
            "reason": reason,
        },
    )
    return ActionResult(
        True,
        Msg("queue.reassign.done", {"order": order_id, "station": to or "-"}),
        order_id,
    )
