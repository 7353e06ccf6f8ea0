"""Training in the real database: lesson scores, the trainees' list, and the lead's "ready".

A training station packs in a sandbox of its own (`packstation/training/sandbox.py`) and
writes here once per lesson, at its end: one `training.scored` event (append-only, like
every event: a score cannot be edited afterwards) with the trainee as `operator_id` and
the score as its payload. Nothing else of training reaches this database, so no new
table is needed, and a test can show the database is otherwise unchanged.

A lead marks a trainee ready with badge + PIN (`lead.trainee_ready`, audited with the
other lead actions): the role becomes `packer`, which lifts the refusal at real stations
(`domain/workflow/machine._login`).
"""

from __future__ import annotations

from collections.abc import Mapping
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
    "mark_ready",
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
    session: Session, *, badge: str, station_id: str, payload: Mapping[str, Any], at: datetime
) -> int | None:
    """Store one lesson's score for the operator with `badge`; the event id, or None when no
    active operator has that badge (then nothing is written)."""
    op = session.scalar(select(Operator).where(Operator.badge == badge, Operator.active))
    if op is None:
        return None
    row = Event(
        kind=SCORE_KIND,
        at=at,
        station_id=station_id,
        operator_id=op.id,
        payload={"badge": badge, **payload},
    )
    session.add(row)
    session.flush()
    return row.id


def scores(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    badge: str | None = None,
) -> list[ScoreRow]:
    """Lesson scores, oldest first (by `ix_events_kind_at`)."""
    query = (
        select(Event.id, Event.at, Operator.badge, Operator.name, Event.station_id, Event.payload)
        .join(Operator, Operator.id == Event.operator_id)
        .where(Event.kind == SCORE_KIND)
        .order_by(Event.at, Event.id)
    )
    if since is not None:
        query = query.where(Event.at >= since)
    if until is not None:
        query = query.where(Event.at < until)
    if badge is not None:
        query = query.where(Operator.badge == badge)
    return [
        ScoreRow(i, at, b, name, station, p or {})
        for i, at, b, name, station, p in session.execute(query)
    ]


def trainees(session: Session) -> list[TraineeRow]:
    """Every active trainee, everyone with a lesson scored and everyone marked ready, with
    their scores and, once ready, when and by whom; trainees first, then by name."""
    scored = scores(session)
    ready: dict[int, tuple[datetime, str]] = {}
    for at, payload in session.execute(
        select(Event.at, Event.payload).where(Event.kind == READY_KIND).order_by(Event.at)
    ):
        p = payload or {}
        if isinstance(p.get("packer_id"), int):
            ready[p["packer_id"]] = (at, str(p.get("lead_name", "")))
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


def mark_ready(
    session: Session,
    badge: str,
    lead: LeadCredentials,
    note: str,
    *,
    now: datetime,
    limits: PinLimits = DEFAULT_PIN_LIMITS,
) -> ActionResult:
    """A lead (badge + PIN, checked and counted as for every lead action) says the trainee
    with `badge` may pack real orders: role `packer`, audited as `lead.trainee_ready`."""
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
    lessons = session.scalar(
        select(Event.id).where(Event.kind == SCORE_KIND, Event.operator_id == trainee.id).limit(1)
    )
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
            "scored": lessons is not None,
        },
    )
    return ActionResult(True, Msg("training.ready.done", {"name": trainee.name}))
