"""Who may sign in to `packstation serve`: badge + PIN through `operators_repo.check_pin`.

The PIN is checked first and only then the role, so learning "this badge is a packer" takes
that packer's PIN; `check_pin` keeps the wrong-PIN count and the lockout (`[security]
pin_attempts`, `pin_lock_s`) shared with every other PIN prompt on the floor. A badge without
a PIN is refused before `check_pin`, which would count that as a wrong PIN.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from packstation.clock import Clock
from packstation.config import PinLimits
from packstation.models.db import Database
from packstation.models.operators_repo import (
    LEAD_ROLES,
    PinStatus,
    check_pin,
    find_by_badge,
    record_event,
)
from packstation.models.people import Role

#: Who may open the queue (`serve` without --station).
QUEUE_ROLES: frozenset[str] = LEAD_ROLES
#: Who may open a station (`serve --station ID`): packers, the returns desk (F11 at a
#: station) and leads/admins.
STATION_ROLES: frozenset[str] = frozenset(Role)
#: Longer input is no badge or PIN: refused without touching the database.
MAX_FIELD = 128


class Refusal(enum.StrEnum):
    MISSING = "web.missing"
    WRONG = "web.wrong"
    LOCKED = "web.locked"
    NO_PIN = "web.no_pin"
    ROLE = "web.queue_leads_only"


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome: the operator when `refusal` is None; else why not (and until when)."""

    refusal: Refusal | None
    operator_id: int = 0
    badge: str = ""
    name: str = ""
    role: str = ""
    until: str = ""


def sign_in(
    db: Database,
    badge: str,
    pin: str,
    *,
    station: str | None,
    limits: PinLimits,
    clock: Clock,
) -> SignIn:
    """Check `badge` + `pin` for the queue (station None) or for `station`. Blocking (scrypt
    and the database): run it in a thread."""
    badge = badge.strip()
    if not badge or not pin:
        return SignIn(Refusal.MISSING)
    if len(badge) > MAX_FIELD or len(pin) > MAX_FIELD:
        return SignIn(Refusal.WRONG)
    with db.unit_of_work() as session:
        known = find_by_badge(session, badge)
        if known is not None and not known.pin_hash:
            return SignIn(Refusal.NO_PIN)
        check = check_pin(
            session,
            badge,
            pin,
            now=clock(),
            limit=limits.attempts,
            lock_for=limits.lock_for,
            station_id=station,
            purpose="web.login",
        )
        if check.status is PinStatus.LOCKED:
            return SignIn(Refusal.LOCKED, until=check.until_local())
        op = check.operator
        if not check.ok or op is None:
            return SignIn(Refusal.WRONG)
        allowed = STATION_ROLES if station is not None else QUEUE_ROLES
        payload = {"badge": op.badge, "name": op.name, "role": op.role, "station": station}
        if op.role not in allowed:
            why = {**payload, "why": f"role {op.role} may not open the queue"}
            record_event(session, "web.refused", clock(), op.id, station, why)
            return SignIn(Refusal.ROLE, op.id, op.badge, op.name, op.role)
        record_event(session, "web.login", clock(), op.id, station, payload)
        return SignIn(None, op.id, op.badge, op.name, op.role)
