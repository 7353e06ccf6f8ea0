"""Customer notifications waiting to be sent (transactional outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from packstation.clock import utcnow
from packstation.models.base import Base, JSONType


class Notification(Base):
    """Written in the same transaction as the fact it reports, sent later by `notify`.

    The idempotency key makes a retried send (after a crash between sending and
    marking) recognisable to the receiver, and makes re-queuing the same fact a no-op.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    order_id: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    #: How the customer is reached: email | sms | marketplace (the buyer's account).
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: pending | sending | sent | dead
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
