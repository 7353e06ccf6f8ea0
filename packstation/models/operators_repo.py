"""Operators: badges, roles, and the one place a PIN is checked (with the badge lockout)."""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.domain.pins import PinError, hash_pin, needs_rehash, verify_pin
from packstation.models.base import UTCDateTime
from packstation.models.packing import Event
from packstation.models.people import Operator, Role

#: Defaults of `[security] pin_attempts` / `pin_lock_s` (packstation.config.PinLimits).
PIN_ATTEMPTS = 5
PIN_LOCK = timedelta(minutes=15)
#: Roles that approve overrides, act on the queue and let a kiosk go.
LEAD_ROLES: frozenset[str] = frozenset({Role.LEAD, Role.ADMIN})


class OperatorError(ValueError):
    pass


def add_operator(
    session: Session,
    *,
    badge: str,
    name: str,
    role: str,
    pin_hash: str | None,
    now: datetime | None = None,
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
    now = now or utcnow()
    op = Operator(badge=badge, name=name, role=role, pin_hash=pin_hash, active=True, created_at=now)
    session.add(op)
    session.flush()
    _event(session, "operator.added", now, op.id, None, {"badge": badge, "role": role})
    return op


def find_by_badge(session: Session, badge: str) -> Operator | None:
    return session.scalar(select(Operator).where(Operator.badge == badge, Operator.active))


# --- PIN checks and the badge lockout ----------------------------------------------------


class PinStatus(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    #: Locked after too many wrong PINs: refused even with the right PIN until `locked_until`.
    LOCKED = "locked"
    #: No active operator with that badge (or id). Nothing is counted.
    UNKNOWN = "unknown"
    #: The operator's role may not do this (checked before the PIN; nothing is counted).
    NOT_ALLOWED = "not_allowed"


@dataclass(frozen=True, slots=True)
class PinCheck:
    status: PinStatus
    #: The operator row (in the caller's session), when the badge is known.
    operator: Operator | None = None
    #: Wrong PINs still allowed before the badge locks (WRONG and OK).
    attempts_left: int | None = None
    #: When a LOCKED badge unlocks by itself.
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status is PinStatus.OK

    def until_local(self) -> str:
        """The unlock time as the floor reads it: local HH:MM."""
        return f"{self.locked_until.astimezone():%H:%M}" if self.locked_until else ""


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def check_pin(
    session: Session,
    who: int | str,
    pin: str,
    *,
    now: datetime,
    limit: int = PIN_ATTEMPTS,
    lock_for: timedelta = PIN_LOCK,
    roles: Collection[str] | None = None,
    station_id: str | None = None,
    purpose: str = "",
) -> PinCheck:
    """Check the PIN of operator ``who`` (an id, or a badge) and keep the wrong-PIN count.

    A wrong PIN adds one to ``operators.failed_pins`` and writes a ``pin.failed`` event; the
    ``limit``-th in a row sets ``locked_until = now + lock_for``, resets the count and writes
    ``badge.locked``. While locked, every PIN (the right one too) is refused with the unlock
    time, without running the hash. A right PIN resets the count. ``roles``, when given, is
    checked first: a packer's badge at a lead's prompt is refused without counting.

    Stations and processes racing on one badge: an attempt is taken *before* the PIN is
    hashed, by one conditional UPDATE (``failed_pins + 1``, only while the badge is not
    locked; the attempt that reaches ``limit`` locks the badge in the same statement). On
    PostgreSQL the row lock of that UPDATE and on SQLite the write lock serialise it, so
    however many checks run at once, at most ``limit`` PINs are ever compared before the
    badge is locked: the others find it locked and are refused unhashed. A right PIN then
    gives its attempt back (the count goes to 0, and a lock its own attempt set is lifted);
    a process that dies between taking and answering leaves its attempt counted.

    After a right PIN, a hash made with weaker scrypt parameters than today's
    (`pins.needs_rehash`) is replaced by one with the current parameters.

    Where the count is committed: in its own short transaction, on a second connection
    of the same engine, committed before this returns. The check protects an action (an
    override, a queue action, a kiosk exit) that is refused when the PIN is wrong, and
    whatever the caller's unit of work does next (a denial record, or an error that rolls
    it back) must not take the count with it, or a rollback would hand out fresh attempts.
    For that the caller must not hold a lock on the operator's row, and on SQLite must not
    have written yet (SQLite has one writer: the second connection would wait for the
    caller). Every caller checks the PIN first, before it writes. Should a SQLite caller
    already hold the write lock, the count is written in the caller's session instead and
    commits with the caller's unit of work (which, for a refused action, writes only the
    denial).
    """
    query = select(Operator).where(Operator.active)
    if isinstance(who, int):
        query = query.where(Operator.id == who)
    else:
        query = query.where(Operator.badge == who.strip())
    # Fresh from the database: another station may have counted or locked a moment ago.
    op = session.scalar(query.execution_options(populate_existing=True))
    if op is None:
        return PinCheck(PinStatus.UNKNOWN)
    if roles is not None and op.role not in roles:
        return PinCheck(PinStatus.NOT_ALLOWED, op)
    if is_locked(op.locked_until, now):
        return PinCheck(PinStatus.LOCKED, op, 0, op.locked_until)
    row = Operator.id == op.id
    not_locked = or_(Operator.locked_until.is_(None), Operator.locked_until <= now)
    until = now + lock_for
    stored = op.pin_hash
    try:
        with _count_transaction(session) as tx:
            taken = tx.execute(_take_attempt(row, not_locked, limit, until)).first()
            if taken is None:  # locked by another station since we read the row
                locked = tx.scalar(select(Operator.locked_until).where(row))
                return PinCheck(PinStatus.LOCKED, op, 0, locked)
        # The count after this attempt; 0 when it was the last one and locked the badge.
        attempt = int(taken[0]) or limit
        if verify_pin(pin, stored):
            fresh = _rehashed(pin, stored)
            with _count_transaction(session) as tx:
                own_lock = Operator.locked_until == literal(until, UTCDateTime())
                tx.execute(
                    update(Operator)
                    .where(row, or_(not_locked, own_lock))
                    .values(failed_pins=0, locked_until=None)
                    .execution_options(synchronize_session=False)
                )
                if fresh is not None:
                    tx.execute(
                        update(Operator)
                        .where(row, Operator.pin_hash == stored)
                        .values(pin_hash=fresh)
                        .execution_options(synchronize_session=False)
                    )
            if fresh is not None:
                session.expire(op, ["pin_hash"])
            return PinCheck(PinStatus.OK, op, limit)
        with _count_transaction(session) as tx:
            base = {"badge": op.badge, "name": op.name, "purpose": purpose}
            _event(tx, "pin.failed", now, op.id, station_id, {**base, "attempt": attempt})
            if attempt < limit:
                return PinCheck(PinStatus.WRONG, op, limit - attempt)
            payload = {**base, "attempts": attempt, "until": until.isoformat()}
            _event(tx, "badge.locked", now, op.id, station_id, payload)
            return PinCheck(PinStatus.LOCKED, op, 0, until)
    finally:
        session.expire(op, ["failed_pins", "locked_until"])


def _take_attempt(row: Any, not_locked: Any, limit: int, until: datetime) -> Any:
    """One statement: count this attempt unless the badge is locked; the `limit`-th locks
    it (and resets the count). Returns the new count (0 when it locked)."""
    last = Operator.failed_pins + 1 >= limit
    return (
        update(Operator)
        .where(row, not_locked)
        .values(
            failed_pins=case((last, 0), else_=Operator.failed_pins + 1),
            locked_until=case((last, literal(until, UTCDateTime())), else_=Operator.locked_until),
        )
        .returning(Operator.failed_pins)
        .execution_options(synchronize_session=False)
    )


def _rehashed(pin: str, stored: str | None) -> str | None:
    """A new hash with today's scrypt parameters when `stored` was made with weaker ones."""
    if not needs_rehash(stored):
        return None
    try:
        return hash_pin(pin)
    except PinError:  # a PIN an older version accepted and this one would not
        return None


@contextmanager
def _count_transaction(session: Session) -> Iterator[Session]:
    """A short transaction of its own for the wrong-PIN count (see `check_pin`)."""
    if _holds_sqlite_write_lock(session):
        yield session
        return
    with Session(session.get_bind().engine) as side, side.begin():
        yield side


def _holds_sqlite_write_lock(session: Session) -> bool:
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or not session.in_transaction():
        return False
    # pysqlite opens its transaction (and takes the write lock) at the first write only.
    dbapi = session.connection().connection.dbapi_connection
    return bool(getattr(dbapi, "in_transaction", False))


def lead_check(
    session: Session,
    badge: str,
    pin: str,
    *,
    now: datetime | None = None,
    limit: int = PIN_ATTEMPTS,
    lock_for: timedelta = PIN_LOCK,
    station_id: str | None = None,
    purpose: str = "",
) -> PinCheck:
    """`check_pin` for an active lead or admin: anyone else is NOT_ALLOWED."""
    return check_pin(
        session,
        badge.strip(),
        pin,
        now=now or utcnow(),
        limit=limit,
        lock_for=lock_for,
        roles=LEAD_ROLES,
        station_id=station_id,
        purpose=purpose,
    )


def kiosk_exit(
    session: Session,
    badge: str,
    pin: str,
    *,
    station_id: str,
    now: datetime,
    limit: int = PIN_ATTEMPTS,
    lock_for: timedelta = PIN_LOCK,
) -> PinCheck:
    """A lead lets a kiosk station go: the check, and on success a `kiosk.exit` event in the
    caller's unit of work (which must commit it)."""
    check = lead_check(
        session,
        badge,
        pin,
        now=now,
        limit=limit,
        lock_for=lock_for,
        station_id=station_id,
        purpose="kiosk.exit",
    )
    if check.ok and check.operator is not None:
        op = check.operator
        _event(session, "kiosk.exit", now, op.id, station_id, {"badge": op.badge, "name": op.name})
    return check


def unlock_badge(session: Session, badge: str, *, now: datetime, by: str = "") -> PinCheck:
    """An admin lifts a lock (and clears the count) before it runs out: `badge.unlocked`.

    Returns the state before: LOCKED with its time, WRONG when only a count was cleared,
    OK when there was nothing to clear (then nothing is written)."""
    op = session.scalar(select(Operator).where(Operator.badge == badge.strip()).with_for_update())
    if op is None:
        raise OperatorError(f"no operator with badge {badge.strip()!r}")
    was = op.locked_until if is_locked(op.locked_until, now) else None
    failed = op.failed_pins
    if was is None and not failed and op.locked_until is None:
        return PinCheck(PinStatus.OK, op)
    op.failed_pins, op.locked_until = 0, None
    session.flush()
    payload = {
        "badge": op.badge,
        "name": op.name,
        "was_locked_until": was.isoformat() if was else None,
        "failed_pins": failed,
        "by": by,
    }
    _event(session, "badge.unlocked", now, op.id, None, payload)
    return PinCheck(PinStatus.LOCKED if was else PinStatus.WRONG, op, None, was)


def set_pin(
    session: Session, badge: str, pin_hash: str, *, now: datetime, by: str = ""
) -> Operator:
    """An admin gives a badge a (new) PIN: the count and any lock are cleared with it
    (`pin.set`, audited with the OS user; the PIN itself is never recorded)."""
    op = session.scalar(select(Operator).where(Operator.badge == badge.strip()).with_for_update())
    if op is None:
        raise OperatorError(f"no operator with badge {badge.strip()!r}")
    had_pin = op.pin_hash is not None
    op.pin_hash, op.failed_pins, op.locked_until = pin_hash, 0, None
    session.flush()
    payload = {"badge": op.badge, "name": op.name, "replaced": had_pin, "by": by}
    _event(session, "pin.set", now, op.id, None, payload)
    return op


def record_event(
    session: Session,
    kind: str,
    at: datetime,
    operator_id: int | None,
    station_id: str | None,
    payload: dict[str, Any],
) -> None:
    """An audited event about an operator (sign-ins elsewhere than a station's workflow)."""
    _event(session, kind, at, operator_id, station_id, payload)


def _event(
    session: Session,
    kind: str,
    at: datetime,
    operator_id: int | None,
    station_id: str | None,
    payload: dict[str, Any],
) -> None:
    session.execute(
        insert(Event),
        [
            {
                "kind": kind,
                "at": at,
                "operator_id": operator_id,
                "station_id": station_id,
                "payload": payload,
            }
        ],
    )
