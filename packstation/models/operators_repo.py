"""Operators: badges, roles and PIN checks."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from packstation.models.base import utcnow
from packstation.models.packing import Event
from packstation.models.people import Operator, Role


class OperatorError(ValueError):
    pass


def add_operator(
    session: Session, *, badge: str, name: str, role: str, pin_hash: str | None
) -> Operator:
    badge, name = badge.strip(), name.strip()
    if not badge or not name:
        raise OperatorError("badge and name must not be empty")
    if role not in set(Role):
        raise OperatorError(f"role must be one of {', '.join(Role)}, got {role!r}")
    if role in (Role.LEAD, Role.ADMIN) and not pin_hash:
        raise OperatorError(f"a {role} needs a PIN (overrides are approved with badge + PIN)")
    if session.scalar(select(Operator.id).where(Operator.badge == badge)) is not None:
        raise OperatorError(f"badge {badge!r} is already registered")
    op = Operator(badge=badge, name=name, role=role, pin_hash=pin_hash, active=True)
    session.add(op)
    session.flush()
    session.execute(
        insert(Event),
        [
            {
                "kind": "operator.added",
                "operator_id": op.id,
                "at": utcnow(),
                "payload": {"badge": badge, "role": role},
            }
        ],
    )
    return op


def find_by_badge(session: Session, badge: str) -> Operator | None:
    return session.scalar(select(Operator).where(Operator.badge == badge, Operator.active))


def verify_lead(session: Session, badge: str, pin: str) -> Operator | None:
    """The active lead or admin with this badge and PIN, else None (kiosk exit, approvals)."""
    from packstation.domain.pins import verify_pin

    op = find_by_badge(session, badge.strip())
    if op is None or op.role not in (Role.LEAD, Role.ADMIN) or not verify_pin(pin, op.pin_hash):
        return None
    return op
