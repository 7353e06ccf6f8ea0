"""Queueing customer notifications next to the fact they report (same transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from packstation.clock import utcnow
from packstation.models.outbox import Notification


def customer_channel(email: str, phone: str, problem_fields: Iterable[str]) -> tuple[str, str]:
    """Where to reach the buyer: email, else SMS, else their marketplace account.

    A contact named in the order's intake problems is not used. An order that
    needs correction may have no usable contact at all; the marketplace account
    always exists, so the message is never dropped.
    """
    bad = set(problem_fields)
    if email and "customer.email" not in bad:
        return "email", email
    if phone and "customer.phone" not in bad:
        return "sms", phone
    return "marketplace", ""


def enqueue(
    session: Session,
    *,
    key: str,
    template: str,
    channel: str,
    recipient: str,
    locale: str,
    payload: dict[str, Any],
    order_id: str | None = None,
    now: datetime | None = None,
    due: datetime | None = None,
) -> bool:
    """Queue once per key; returns False when this fact was already queued. `due`: not sent
    before then (a defect's notification waits for its photo, `evidence/station.py`)."""
    exists = session.scalar(select(Notification.id).where(Notification.idempotency_key == key))
    if exists is not None:
        return False
    now = now or utcnow()
    session.add(
        Notification(
            idempotency_key=key,
            order_id=order_id,
            channel=channel,
            recipient=recipient or (order_id or ""),
            template=template,
            locale=locale,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=due or now,
            created_at=now,
        )
    )
    return True
