"""Draining the outbox: claim due rows, send outside any transaction, then mark them.

At least once, never silently lost: a row is claimed (``sending``, with a lease
in ``next_attempt_at``) before it is sent and marked after. A dispatcher that
dies in between leaves the row ``sending``; once the lease is over another pass
sends it again with the same idempotency key, and the receiver deduplicates.
Attempts are counted at claim time, so even a notification that kills the
dispatcher every time ends up ``dead`` instead of looping forever.

Retries are per transport: a failed attempt notes which transports did deliver
(`base.SENT_BY`) and the next one goes only to the others. A warehouse expects the
buyer to get one e-mail or one chat message per fact, whatever a webhook beside it
does; only a crash between sending and marking repeats a send (same key).
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from packstation.clock import utcnow
from packstation.models.db import Database
from packstation.models.outbox import Notification
from packstation.notify.base import SENT_BY, DeliveryError, Outgoing, Transport
from packstation.notify.templates import TemplateError, render

__all__ = ["DispatchReport", "RetryPolicy", "claim", "dispatch_once"]

log = logging.getLogger(__name__)

N = Notification


@dataclass(frozen=True, slots=True)
class DispatchReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0

    def __str__(self) -> str:
        return f"sent {self.sent}, retried {self.retried}, dead {self.dead}"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    base_backoff_s: float = 30.0
    max_backoff_s: float = 6 * 3600.0
    #: Spread retries by up to this fraction so a receiver that was down is not hit at once.
    jitter: float = 0.0

    def delay(self, attempt: int) -> timedelta:
        """Wait after the ``attempt``-th failed attempt (1-based): base, 2*base, 4*base, ..."""
        seconds = min(self.max_backoff_s, self.base_backoff_s * 2 ** (attempt - 1))
        if self.jitter:
            seconds *= 1 + random.uniform(0, self.jitter)
        return timedelta(seconds=min(seconds, self.max_backoff_s))


def claim(
    db: Database, now: datetime, *, batch: int, lease: timedelta, max_attempts: int
) -> tuple[list[Outgoing], int]:
    """Take up to ``batch`` due rows in one short transaction; returns them and how many died.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent dispatchers take disjoint
    rows (the ids are fetched first: as an ``IN (subquery)`` the planner may rerun the
    locking subquery and take more than ``batch``). SQLite: the first UPDATE takes the
    database's write lock, so the select and the conditional update run alone.
    """
    due = (N.status.in_(("pending", "sending"))) & (N.next_attempt_at <= now)
    with db.unit_of_work() as session:
        # A row whose lease ran out on its last allowed attempt: its dispatcher died on it.
        buried = session.execute(
            update(N)
            .where(due, N.status == "sending", N.attempts >= max_attempts)
            .values(
                status="dead",
                last_error=f"gave up: the dispatcher stopped during attempt {max_attempts}",
            )
            .execution_options(synchronize_session=False)
        )
        ids = session.scalars(
            select(N.id)
            .where(due)
            .order_by(N.next_attempt_at, N.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        rows = (
            session.execute(
                update(N)
                .where(N.id.in_(ids), due)
                .values(status="sending", attempts=N.attempts + 1, next_attempt_at=now + lease)
                .returning(
                    N.id,
                    N.idempotency_key,
                    N.channel,
                    N.recipient,
                    N.template,
                    N.locale,
                    N.order_id,
                    N.attempts,
                    N.created_at,
                    N.payload,
                )
                .execution_options(synchronize_session=False)
            ).all()
            if ids
            else []
        )
    claimed = [_outgoing(row) for row in rows]
    claimed.sort(key=lambda m: m.id)
    return claimed, int(getattr(buried, "rowcount", 0) or 0)


def _outgoing(row: Any) -> Outgoing:
    """A claimed row as sent: the transports that delivered it already leave the payload."""
    payload = dict(row.payload or {})
    done = payload.pop(SENT_BY, None)
    return Outgoing(
        id=row.id,
        key=row.idempotency_key,
        channel=row.channel,
        recipient=row.recipient,
        template=row.template,
        locale=row.locale,
        order_id=row.order_id,
        attempt=row.attempts,
        created_at=row.created_at,
        payload=payload,
        sent_by=frozenset(str(n) for n in done) if isinstance(done, list) else frozenset(),
    )


class _Marks:
    """Outcomes written back in small groups: one commit (an fsync on SQLite) per group.

    A group is at most ``every`` rows or ``within_s`` seconds old, which bounds what a
    crash re-sends (same keys, so receivers drop the repeats) while a pass is not
    limited by one disk sync per notification.
    """

    def __init__(self, db: Database, every: int, within_s: float) -> None:
        self.db, self.every, self.within_s = db, max(1, every), within_s
        self.waiting: list[tuple[Outgoing, dict[str, object]]] = []
        self.since = 0.0

    def add(self, message: Outgoing, **values: object) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append((message, values))
        if len(self.waiting) >= self.every or time.monotonic() - self.since >= self.within_s:
            self.flush()

    def flush(self) -> None:
        """Only the claims we made: if a lease ran out and the row was re-claimed, theirs wins."""
        if not self.waiting:
            return
        with self.db.unit_of_work() as session:
            for message, values in self.waiting:
                result = session.execute(
                    update(N)
                    .where(N.id == message.id, N.status == "sending", N.attempts == message.attempt)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                if not getattr(result, "rowcount", 1):
                    log.warning("notification %s was re-claimed before it was marked", message.id)
        self.waiting.clear()


def _release(db: Database, messages: Sequence[Outgoing], now: datetime) -> None:
    """Unclaim rows not attempted in this pass: due again at once, the attempt not counted."""
    with db.unit_of_work() as session:
        for message in messages:
            session.execute(
                update(N)
                .where(N.id == message.id, N.status == "sending", N.attempts == message.attempt)
                .values(status="pending", attempts=N.attempts - 1, next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )


@dataclass(frozen=True, slots=True)
class _Outcome:
    errors: list[str]
    permanent: bool
    #: Transports that delivered it in this attempt.
    delivered: frozenset[str] = frozenset()


def _targets(message: Outgoing, transports: Sequence[Transport]) -> list[Transport]:
    """The transports that serve the notice's channel; an exclusive one that accepts it
    (the buyer chat of a marketplace order) takes it alone."""
    targets = [tr for tr in transports if tr.accepts(message)]
    exclusive = [tr for tr in targets if getattr(tr, "exclusive", False)]
    return exclusive or targets


def _deliver(message: Outgoing, transports: Sequence[Transport]) -> _Outcome:
    """Send to every target that has not delivered it yet."""
    try:
        rendered = render(message.template, message.payload, message.locale)
    except TemplateError as exc:
        return _Outcome([str(exc)], True)
    targets = _targets(message, transports)
    if not targets:
        names = ", ".join(tr.name for tr in transports) or "none"
        error = f"no configured transport ({names}) delivers {message.channel} notifications"
        return _Outcome([error], True)
    errors: list[str] = []
    delivered: set[str] = set()
    permanent = False
    for transport in targets:
        if transport.name in message.sent_by:
            continue
        try:
            transport.send(message, rendered)
        except DeliveryError as exc:
            errors.append(str(exc))
            permanent = permanent or exc.permanent
        except Exception as exc:  # a bug in one transport must not stop the others
            log.exception("%s transport failed on notification %s", transport.name, message.id)
            errors.append(f"{transport.name}: {type(exc).__name__}: {exc}")
        else:
            delivered.add(transport.name)
    return _Outcome(errors, permanent, frozenset(delivered))


def _sent_by(message: Outgoing, outcome: _Outcome) -> dict[str, object]:
    """The payload to keep after a failed attempt: with the transports done so far."""
    done = message.sent_by | outcome.delivered
    if done == message.sent_by:
        return {}
    return {"payload": {**message.payload, SENT_BY: sorted(done)}}


def dispatch_once(
    db: Database,
    transports: Sequence[Transport],
    now: datetime | None = None,
    *,
    batch: int = 100,
    max_attempts: int = 8,
    base_backoff_s: float = 30.0,
    max_backoff_s: float = 6 * 3600.0,
    jitter: float = 0.0,
    lease_s: float = 300.0,
    mark_every: int = 50,
    mark_within_s: float = 0.5,
) -> DispatchReport:
    """One pass over the due notifications (at most ``batch``).

    ``now`` fixes the clock for the whole pass (tests); by default each step reads it.
    A failure on a transport retries the notification on the transports that failed,
    with the same key. Outcomes are committed in groups (`_Marks`);
    ``mark_every=1`` commits after every send.
    """
    policy = RetryPolicy(max_attempts, base_backoff_s, max_backoff_s, jitter)
    messages, dead = claim(
        db,
        now or utcnow(),
        batch=batch,
        lease=timedelta(seconds=lease_s),
        max_attempts=max_attempts,
    )
    claimed_at = time.monotonic()
    marks = _Marks(db, mark_every, mark_within_s)
    sent = retried = 0
    try:
        for index, message in enumerate(messages):
            if time.monotonic() - claimed_at > lease_s * 0.8:
                # Slow receivers: give the rest back before the lease lets another take them.
                marks.flush()
                _release(db, messages[index:], now or utcnow())
                break
            outcome = _deliver(message, transports)
            at = now or utcnow()
            if not outcome.errors:
                marks.add(message, status="sent", sent_at=at, last_error=None)
                sent += 1
                continue
            error = "; ".join(outcome.errors)[:2000]
            log.warning("notification %s attempt %s: %s", message.id, message.attempt, error)
            kept = _sent_by(message, outcome)
            if outcome.permanent or message.attempt >= policy.max_attempts:
                marks.add(message, status="dead", last_error=error, **kept)
                dead += 1
            else:
                retry_at = at + policy.delay(message.attempt)
                marks.add(
                    message, status="pending", next_attempt_at=retry_at, last_error=error, **kept
                )
                retried += 1
    except BaseException:
        # Ctrl+C or an error: what was sent is still worth recording (fewer repeats).
        with contextlib.suppress(Exception):
            marks.flush()
        raise
    finally:
        for transport in transports:
            transport.close()
    marks.flush()
    return DispatchReport(sent, retried, dead)
