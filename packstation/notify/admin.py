"""Looking at the outbox and reviving dead notifications (operator commands)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from packstation.models.db import Database
from packstation.models.outbox import Notification

__all__ = ["list_notifications", "requeue"]


def list_notifications(
    db: Database, *, status: str | None = None, limit: int = 50
) -> list[Notification]:
    """Newest first: the operator is usually asking about what just happened."""
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if status:
        query = query.where(Notification.status == status)
    with db.sessions() as session:
        return list(session.scalars(query))


def requeue(db: Database, notification_id: int, *, now: datetime) -> bool:
    """A dead notification gets fresh attempts, same key, due at `now`; False if it is not dead."""
    with db.unit_of_work() as session:
        result = session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
