"""The audit trail: overrides, lead actions, logins, PIN failures and lockouts, read from the
append-only `events` table by kind and time (`ix_events_kind_at`), one page at a time.

Who is who depends on the kind: station records carry the packer in `events.operator_id`
and the approving lead in the payload (`lead_id`, `approved_by`); the queue screen's
`lead.*` rows carry the lead in `operator_id` and the packer whose order it was in the
payload (`packer_id`); PIN and badge rows carry the badge's owner.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from packstation.models.packing import Event
from packstation.models.people import Operator

#: Kinds the audit lists. A kind no code writes yet (lead.reassign) simply matches nothing.
LOGIN_KINDS = ("session.login", "session.logout", "web.login", "web.refused")
OVERRIDE_KINDS = (
    "override.weight",
    "override.check",
    "override.carrier",
    "override.box",
    "override.denied",
    "order.released",
)
LEAD_KINDS = (
    "lead.release",
    "lead.hold",
    "lead.priority",
    "lead.reassign",
    "lead.denied",
    "lead.trainee_ready",  # a trainee may pack real orders (models/training_repo.mark_ready)
)
BADGE_KINDS = ("pin.failed", "badge.locked", "badge.unlocked", "kiosk.exit", "pin.set")
AUDIT_KINDS = (*OVERRIDE_KINDS, *LEAD_KINDS, *LOGIN_KINDS, *BADGE_KINDS)

#: Rows per query: the audit is read page by page (keyset on at, id), never all at once.
PAGE = 500


@dataclass(frozen=True, slots=True)
class Person:
    id: int | None
    badge: str
    name: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "badge": self.badge, "name": self.name}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    kind: str
    station_id: str | None
    order_id: str | None
    #: The packer at the station (whose order or session it was).
    packer: Person | None
    #: The lead who approved or acted, or whose badge a PIN was tried on.
    lead: Person | None
    #: Why: the override reason and note, a lead's reason, why a PIN or approval was refused.
    reason: str
    payload: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "station": self.station_id,
            "order": self.order_id,
            "packer": self.packer.as_dict() if self.packer else None,
            "lead": self.lead.as_dict() if self.lead else None,
            "reason": self.reason,
            "payload": dict(self.payload),
        }


def audit_entries(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Sequence[str] = AUDIT_KINDS,
    page: int = PAGE,
) -> Iterator[AuditEntry]:
    """Audit entries in time order, ``since <= at < until``, fetched ``page`` rows at a time;
    the operators named on a page are looked up in one query per page (and remembered)."""
    where: list[ColumnElement[bool]] = [Event.kind.in_(list(kinds))]
    if since is not None:
        where.append(Event.at >= since)
    if until is not None:
        where.append(Event.at < until)
    if "order.released" in kinds:
        where.append(or_(Event.kind != "order.released", _approved_station_cancel()))
    people: dict[int, Person] = {}
    after: tuple[datetime, int] | None = None
    while True:
        # Plain rows, not entities: nothing piles up in the session over a long period.
        query = select(*_COLUMNS).where(*where).order_by(Event.at, Event.id).limit(page)
        if after is not None:
            at, last = after
            query = query.where(or_(Event.at > at, and_(Event.at == at, Event.id > last)))
        rows = [_Row(*r) for r in session.execute(query)]
        if not rows:
            return
        wanted = {i for r in rows for i in _ids(r)} - people.keys()
        if wanted:
            found = session.execute(
                select(Operator.id, Operator.badge, Operator.name).where(Operator.id.in_(wanted))
            )
            people.update({i: Person(i, badge, name) for i, badge, name in found})
        for row in rows:
            yield _entry(row, people)
        after = (rows[-1].at, rows[-1].id)
        if len(rows) < page:
            return


_COLUMNS = (
    Event.id,
    Event.at,
    Event.kind,
    Event.station_id,
    Event.order_id,
    Event.operator_id,
    Event.payload,
)


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    at: datetime
    kind: str
    station_id: str | None
    order_id: str | None
    operator_id: int | None
    payload: dict[str, Any] | None


def _approved_station_cancel() -> ColumnElement[bool]:
    """`order.released` is an override only when a lead approved it at the station
    (CMD:CANCEL after scanning). A queue release writes it too, beside its own
    `lead.release` row (same order, same time): that one is listed once, as lead.release."""
    queue = aliased(Event)
    by_queue = exists().where(
        queue.kind == "lead.release", queue.order_id == Event.order_id, queue.at == Event.at
    )
    return and_(Event.payload["approved_by"].as_integer().is_not(None), ~by_queue)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _ids(event: _Row) -> Iterator[int]:
    p = event.payload or {}
    for value in (event.operator_id, p.get("lead_id"), p.get("approved_by"), p.get("packer_id")):
        i = _int(value)
        if i is not None:
            yield i


def _entry(event: _Row, people: Mapping[int, Person]) -> AuditEntry:
    p: Mapping[str, Any] = event.payload or {}
    kind = event.kind

    def who(value: Any, badge: Any = None, name: Any = None) -> Person | None:
        i = _int(value)
        if i is not None:
            return people.get(i) or Person(i, str(badge or ""), str(name or ""))
        return Person(None, str(badge), "") if badge else None

    if kind.startswith("lead."):
        packer, lead = who(p.get("packer_id")), who(event.operator_id, p.get("badge"))
    elif kind in BADGE_KINDS:
        packer, lead = None, who(event.operator_id, p.get("badge"))
    else:
        packer = who(event.operator_id)
        lead = who(p.get("lead_id"), name=p.get("lead_name")) or who(p.get("approved_by"))
    return AuditEntry(
        id=event.id,
        at=event.at,
        kind=kind,
        station_id=event.station_id,
        order_id=event.order_id,
        packer=packer,
        lead=lead,
        reason=_reason(kind, p),
        payload=dict(p),
    )


def _grams(value: Any) -> str:
    try:
        return f"{Decimal(str(value)).normalize():f}"
    except ArithmeticError:
        return str(value)


def _local(value: Any) -> str:
    """An ISO time from a payload as the floor reads it (local, to the minute)."""
    try:
        return f"{datetime.fromisoformat(str(value)).astimezone():%Y-%m-%d %H:%M}"
    except ValueError:
        return str(value)


def _reason(kind: str, p: Mapping[str, Any]) -> str:
    def text(key: str) -> str:
        value = p.get(key)
        return "" if value is None else str(value)

    if kind == "override.weight":
        note = text("note")
        grams = f"{_grams(p.get('actual_g'))} g, expected {_grams(p.get('expected_g'))} g"
        return f"{text('reason')}{': ' + note if note else ''} ({grams})"
    if kind == "override.check":
        note = text("note")
        return f"{text('reason')}{': ' + note if note else ''} (skipped: {text('text')})"
    if kind == "override.carrier":
        note = text("note")
        chosen = f"{text('carrier')}/{text('tariff')}"
        return f"{text('reason')}{': ' + note if note else ''} (carrier {chosen})"
    if kind == "override.box":
        note = text("note")
        named = f", suggested {text('suggested')}" if text("suggested") else ""
        why = f"box {text('code')} too small by {text('why') or 'size'}{named}"
        return f"{text('reason')}{': ' + note if note else ''} ({why})"
    if kind == "override.denied":
        return f"{text('purpose')}: {text('reason')}"
    if kind == "order.released":
        # Station cancels stored before reasons were asked have none.
        why = text("reason") + (": " + text("note") if text("note") else "")
        return f"cancel at the station: {why}" if text("reason") else "cancel at the station"
    if kind == "lead.denied":
        return f"{text('action')}: {text('why')}"
    if kind == "lead.priority":
        moved = f"priority {text('from')} -> {text('to')}"
        return f"{moved}: {text('reason')}" if text("reason") else moved
    if kind == "session.logout":
        return text("reason")
    if kind in ("web.login", "web.refused"):
        opened = f"station {text('station')}" if text("station") else "the queue"
        return f"browser sign-in to {opened}" + (f": {text('why')}" if text("why") else "")
    if kind == "pin.set":
        by = f" by {text('by')}" if text("by") else ""
        return ("PIN replaced" if p.get("replaced") else "PIN set") + by
    if kind == "pin.failed":
        return f"{text('purpose') or 'pin'}: wrong PIN #{text('attempt')}"
    if kind == "badge.locked":
        return f"{text('attempts')} wrong PINs, locked until {_local(p.get('until'))}"
    if kind == "badge.unlocked":
        was = _local(p["was_locked_until"]) if p.get("was_locked_until") else ""
        by = f" by {text('by')}" if text("by") else ""
        return (f"was locked until {was}" if was else "failure count cleared") + by
    return text("reason")
