"""Training's rows: lesson scores (in the training scores store), the trainees' list and the
lead's "ready" (in the real database).

Two databases, on purpose. A lesson's score is one `training.scored` event written by the
training station into the *scores store* (`training/store.py`: a packstation database of
its own, `[training] scores`), never into the real database: training leaves the real
database byte-for-byte as it was (`tests/training/test_real_database.py`). An event and not
a table of its own: events are append-only (a trigger refuses edits, so a score cannot be
changed afterwards), `ix_events_kind_at` serves the reads, and no migration is needed. The
store has no operators: the trainee's badge and name are in the payload.

Scores written by earlier versions went to the real database as the same events (with the
trainee as `operator_id` and the badge in the payload); `scores` reads those too, so a lead
keeps seeing them. Nothing writes them there any more.

A lead marks a trainee ready with badge + PIN (`lead.trainee_ready`, audited with the other
lead actions) in the real database: the role becomes `packer`, which lifts the refusal at
real stations (`domain/workflow/machine._login`). That is a lead's action, not training.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from packstation.config import PinLimits
from packstation.i18n import Msg
from packstation.models.lead_actions import (
    DEFAULT_PIN_LIMITS,
    ActionResult,
    LeadCredentials,
    _authorize,
    _event,
)
from packstation.models.packing import Event
from packstation.models.people import Operator, Role

__all__ = [
    "READY_KIND",
    "SCORE_KIND",
    "ScoreRow",
    "TraineeRow",
    "latest_score_id",
    "mark_ready",
    "ready_badges",
    "ready_marks",
    "record_score",
    "scores",
    "trainees",
]

SCORE_KIND = "training.scored"
READY_KIND = "lead.trainee_ready"


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """One lesson's score as stored (the payload is `training.scoring.LessonScore`'s)."""

    id: int
    at: datetime
    badge: str
    name: str
    station_id: str | None
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class TraineeRow:
    """Someone in training (role trainee) or trained (has scores): who, and since when ready."""

    badge: str
    name: str
    role: str
    ready_at: datetime | None = None
    ready_by: str = ""
    scores: tuple[ScoreRow, ...] = field(default=())


def record_score(
    session: Session,
    *,
    badge: str,
    name: str,
    station_id: str,
    payload: Mapping[str, Any],
    at: datetime,
) -> int:
    """Store one lesson's score in the scores store (`session` is the store's); the event id."""
    row = Event(
        kind=SCORE_KIND,
        at=at,
        station_id=station_id,
        operator_id=None,  # the store has no operators: who it was is in the payload
        payload={**payload, "badge": badge, "name": name},
    )
    session.add(row)
    session.flush()
    return row.id


def latest_score_id(session: Session) -> int | None:
    """The newest score's id (readers keep what they read until it changes)."""
    return session.scalar(
        select(Event.id).where(Event.kind == SCORE_KIND).order_by(Event.id.desc()).limit(1)
    )


def scores(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    badge: str | None = None,
) -> list[ScoreRow]:
    """Lesson scores, oldest first (by `ix_events_kind_at`): the store's, or the ones an
    earlier version wrote into the real database (named through `operator_id` there)."""
    query = (
        select(Event.id, Event.at, Event.station_id, Event.payload, Operator.name)
        .outerjoin(Operator, Operator.id == Event.operator_id)
        .where(Event.kind == SCORE_KIND)
        .order_by(Event.at, Event.id)
    )
    if since is not None:
        query = query.where(Event.at >= since)
    if until is not None:
        query = query.where(Event.at < until)
    rows = []
    for i, at, station, payload, operator_name in session.execute(query):
        p = payload or {}
        who = str(p.get("badge", ""))
        if badge is None or who == badge:
            name = str(p.get("name") or operator_name or "")
            rows.append(ScoreRow(i, at, who, name, station, p))
    return rows


def ready_marks(session: Session) -> dict[int, tuple[datetime, str]]:
    """Operator id -> when a lead marked them ready, and that lead's name (the latest)."""
    marks: dict[int, tuple[datetime, str]] = {}
    for at, payload in session.execute(
        select(Event.at, Event.payload).where(Event.kind == READY_KIND).order_by(Event.at)
    ):
        p = payload or {}
        if isinstance(p.get("packer_id"), int):
            marks[p["packer_id"]] = (at, str(p.get("lead_name", "")))
    return marks


def trainees(session: Session, scored: Sequence[ScoreRow] = ()) -> list[TraineeRow]:
    """Every active trainee, everyone with a lesson in `scored` and everyone marked ready,
    with their scores and, once ready, when and by whom; trainees first, then by name.
    `session` is the real database's; `scored` the scores read from the store."""
    ready = ready_marks(session)
    badges = {s.badge for s in scored}
    people = session.scalars(
        select(Operator).where(
            Operator.active,
            or_(
                Operator.role == Role.TRAINEE,
                Operator.badge.in_(badges),
                Operator.id.in_(list(ready)),
            ),
        )
    )
    rows = []
    for op in people:
        at, by = ready.get(op.id, (None, ""))
        mine = tuple(s for s in scored if s.badge == op.badge)
        rows.append(TraineeRow(op.badge, op.name, op.role, at, by, mine))
    return sorted(rows, key=lambda r: (r.role != Role.TRAINEE, r.name, r.badge))


def ready_badges(session: Session, badges: Collection[str]) -> set[str]:
    """Which of `badges` a lead marked ready (for the queue's training column)."""
    marked = ready_marks(session)
    if not marked or not badges:
        return set()
    found = session.scalars(
        select(Operator.badge).where(Operator.id.in_(list(marked)), Operator.badge.in_(badges))
    )
    return set(found)


def mark_ready(
    session: Session,
    badge: str,
    lead: LeadCredentials,
    note: str,
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
    scored: bool = False,
) -> ActionResult:
    """A lead (badge + PIN, checked and counted as for every lead action) says the trainee
    with `badge` may pack real orders: role `packer`, audited as `lead.trainee_ready`.
    `scored`: whether the lead had lessons of theirs to look at (read from the scores store
    by the caller), kept in the audit row."""
    auth = _authorize(session, lead, "trainee_ready", "", now, limits)
    if isinstance(auth, ActionResult):
        return auth
    badge, note = badge.strip(), note.strip()
    if not note:
        return ActionResult(False, Msg("queue.reason_required"))
    trainee = session.scalar(select(Operator).where(Operator.badge == badge, Operator.active))
    if trainee is None:
        return ActionResult(False, Msg("training.ready.unknown", {"badge": badge}))
    if trainee.role != Role.TRAINEE:
        params = {"name": trainee.name, "role": trainee.role}
        return ActionResult(False, Msg("training.ready.not_trainee", params))
    session.execute(
        update(Operator)
        .where(Operator.id == trainee.id)
        .values(role=Role.PACKER)
        .execution_options(synchronize_session=False)
    )
    _event(
        session,
        READY_KIND,
        now,
        operator_id=auth.id,
        payload={
            "lead_id": auth.id,
            "lead_name": auth.name,
            "packer_id": trainee.id,
            "trainee": trainee.badge,
            "reason": note,
            "scored": scored,
        },
    )
    return ActionResult(True, Msg("training.ready.done", {"name": trainee.name}))
