"""An order's evidence as a browser shows it (`packstation serve`, `web/evidence_routes.py`):
the clip the recorder cut, the defect photos, and each file's stored SHA-256.

Files are found only through the order's events (`evidence.clip` with `via: "auto"`,
`evidence.photo`), never from the request: a stored name is joined to `[evidence] dir`
and used only if the resolved path is a regular file inside that folder (`resolve`).
Blocking (the database, the file system): call it in a thread. No PyAV here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from packstation.evidence.events import AUTO, CLIP, CLIP_MISSING, MISSING, PHOTO
from packstation.models.orders import Order
from packstation.models.packing import Event

__all__ = ["OrderEvidence", "StoredFile", "order_evidence", "resolve"]


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file named by an event: where it is (None: pruned or not in the folder)."""

    name: str
    path: Path | None
    sha256: str
    at: datetime
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OrderEvidence:
    order_id: str
    #: The newest clip the recorder cut of the order's packing.
    clip: StoredFile | None
    photos: tuple[StoredFile, ...]
    #: Why there is no clip (`evidence.clip_missing`), or "".
    clip_missing: str = ""
    #: Claimed without video (`evidence.missing`).
    no_video: bool = False


def resolve(evidence_dir: Path, stored: object) -> Path | None:
    """`stored` (relative to `evidence_dir`, as events keep it) as a regular file inside
    the folder, links resolved; None for anything else (absolute, `..`, gone, a folder)."""
    if not isinstance(stored, str) or not stored or "\0" in stored:
        return None
    base = evidence_dir.resolve()
    try:
        path = (base / stored).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return path if path.is_relative_to(base) and path.is_file() else None


def _stored(evidence_dir: Path, event: Event) -> StoredFile:
    p = event.payload if isinstance(event.payload, dict) else {}
    name = str(p.get("file", ""))
    return StoredFile(
        name=name.rpartition("/")[2],
        path=resolve(evidence_dir, name),
        sha256=str(p.get("sha256", "")),
        at=event.at,
        details=p,
    )


def order_evidence(session: Session, order_id: str, evidence_dir: Path) -> OrderEvidence | None:
    """The order's clip and photos; None when there is no such order."""
    if session.get(Order, order_id) is None:
        return None
    events = session.scalars(
        select(Event)
        .where(Event.order_id == order_id, Event.kind.in_((CLIP, CLIP_MISSING, PHOTO, MISSING)))
        .order_by(Event.id)
    ).all()
    clip: StoredFile | None = None
    missing = ""
    photos = []
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        if event.kind == CLIP and payload.get("via") == AUTO:
            clip, missing = _stored(evidence_dir, event), ""
        elif event.kind == CLIP_MISSING:
            missing = str(payload.get("error", ""))
        elif event.kind == PHOTO:
            photos.append(_stored(evidence_dir, event))
    no_video = any(e.kind == MISSING for e in events)
    return OrderEvidence(order_id, clip, tuple(photos), missing, no_video)
