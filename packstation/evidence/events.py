"""Evidence in the order's events: photos, clip hashes, "no evidence", and what the
queue shows of them.

The `events` table is append-only, so a hash stored here shows later whether a clip or
photo handed to a marketplace is the one recorded then:

- `evidence.missing` (a workflow record, `EvidenceMissing`): claimed without video.
- `evidence.photo`: a still kept at `CMD:DEFECT`: its file (relative to `[evidence]
  dir`), SHA-256 and time, and the defect's notification key. The buyer's defect
  notification (still `pending`, held for the photo) gets the photo in its payload and
  is released to the dispatcher in the same transaction.
- `evidence.photo_missing`: the camera had no recent picture; the notification goes
  without one.
- `evidence.clip`: a clip cut from the segments, its SHA-256 (once per distinct hash):
  `via: "auto"` by the recorder after each order (`autoclip.py`; `file` is relative to
  `[evidence] dir`), `via: "export"` by a lead's `packstation evidence ORDER`.
- `evidence.clip_missing`: the recorder could cut no clip of a packing (nothing recorded
  then): why, so it does not try again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from packstation.models.outbox import Notification
from packstation.models.packing import Event

if TYPE_CHECKING:  # the queue screen uses `with_evidence`: no PyAV for it
    from packstation.evidence.clips import Clip
    from packstation.evidence.photos import Photo
    from packstation.models.queue_page import QueuePage

__all__ = [
    "AUTO",
    "CLIP",
    "CLIP_MISSING",
    "MISSING",
    "PHOTO",
    "PHOTO_MISSING",
    "evidence_kinds",
    "photo_file",
    "record_clip",
    "record_clip_missing",
    "record_photo",
    "with_evidence",
]

MISSING = "evidence.missing"
PHOTO = "evidence.photo"
PHOTO_MISSING = "evidence.photo_missing"
CLIP = "evidence.clip"
CLIP_MISSING = "evidence.clip_missing"
#: `via` of the clips the recorder cuts by itself.
AUTO = "auto"
#: Kinds the queue shows as the order's evidence marker.
MARKED = (MISSING, PHOTO, CLIP)


def photo_file(evidence_dir: Path, path: Path) -> str:
    """A photo's path as stored: relative to the evidence folder, with forward slashes."""
    try:
        return path.relative_to(evidence_dir).as_posix()
    except ValueError:
        return path.as_posix()


def record_photo(
    session: Session,
    *,
    order_id: str,
    station_id: str,
    now: datetime,
    evidence_dir: Path,
    photo: Photo | None,
    error: str = "",
    notification_key: str = "",
    defect: dict[str, Any] | None = None,
) -> None:
    """The photo's event (or why there is none), and its notification released with it."""
    payload: dict[str, Any] = {"defect": defect or {}, "notification": notification_key}
    shown: dict[str, Any] | None = None
    if photo is not None:
        shown = {
            "file": photo_file(evidence_dir, photo.path),
            "sha256": photo.sha256,
            "taken_at": photo.taken_at.isoformat(),
        }
        payload |= shown
    else:
        payload["error"] = error
    session.add(
        Event(
            at=now,
            kind=PHOTO if photo is not None else PHOTO_MISSING,
            order_id=order_id,
            station_id=station_id,
            payload=payload,
        )
    )
    if notification_key:
        row = session.scalars(
            select(Notification)
            .where(Notification.idempotency_key == notification_key)
            .with_for_update()
        ).first()
        if row is not None and row.status == "pending":
            if shown is not None:
                row.payload = {**(row.payload or {}), "photo": shown}
            row.next_attempt_at = min(row.next_attempt_at, now)


def record_clip(
    session: Session,
    *,
    order_id: str,
    station_id: str,
    clip: Clip,
    now: datetime,
    via: str,
    file: str | None = None,
    packed_event: int | None = None,
) -> bool:
    """An `evidence.clip` event with the clip's SHA-256, unless one with that hash is stored
    already (the same clip cut again; for `via="auto"`: stored by the recorder). True when
    it was stored. `file`: the stored name (default the clip's file name)."""
    known = session.scalars(
        select(Event.payload).where(Event.order_id == order_id, Event.kind == CLIP)
    ).all()

    def same(p: object) -> bool:
        if not isinstance(p, dict) or p.get("sha256") != clip.sha256:
            return False
        return via != AUTO or p.get("via") == AUTO

    if any(same(p) for p in known):
        return False
    extra: dict[str, Any] = {} if packed_event is None else {"packed_event": packed_event}
    session.add(
        Event(
            at=now,
            kind=CLIP,
            order_id=order_id,
            station_id=station_id,
            payload={
                "file": file or clip.path.name,
                "sha256": clip.sha256,
                "bytes": clip.size,
                "starts_at": clip.start.isoformat(),
                "ends_at": clip.end.isoformat(),
                "segments": len(clip.segments),
                "via": via,
                **extra,
            },
        )
    )
    return True


def record_clip_missing(
    session: Session,
    *,
    order_id: str,
    station_id: str,
    now: datetime,
    error: str,
    packed_event: int,
) -> None:
    """No clip can be cut of this packing (nothing recorded): said once, not tried again."""
    session.add(
        Event(
            at=now,
            kind=CLIP_MISSING,
            order_id=order_id,
            station_id=station_id,
            payload={"error": error, "via": AUTO, "packed_event": packed_event},
        )
    )


def evidence_kinds(session: Session, order_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """Which evidence events each of `order_ids` has (orders with none are left out)."""
    ids = list(dict.fromkeys(order_ids))
    if not ids:
        return {}
    found: dict[str, set[str]] = {}
    rows = session.execute(
        select(Event.order_id, Event.kind)
        .where(Event.order_id.in_(ids), Event.kind.in_(MARKED))
        .distinct()
    )
    for order_id, kind in rows:
        if order_id is not None:
            found.setdefault(order_id, set()).add(kind)
    return {order_id: frozenset(kinds) for order_id, kinds in found.items()}


def with_evidence(session: Session, page: QueuePage) -> QueuePage:
    """The page's rows with their evidence kinds (the queue's video column)."""
    kinds = evidence_kinds(session, (row.id for row in page.rows))
    if not kinds:
        return page
    rows = tuple(
        replace(row, evidence=kinds[row.id]) if row.id in kinds else row for row in page.rows
    )
    return replace(page, rows=rows)
