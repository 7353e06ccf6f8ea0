"""What a transport receives and how it says a send failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from packstation.notify.templates import Rendered


class DeliveryError(Exception):
    """A send that did not happen. ``permanent``: retrying cannot help (dead at once)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed outbox row, detached from the session: sending happens outside transactions."""

    id: int
    key: str
    channel: str
    recipient: str
    template: str
    locale: str
    order_id: str | None
    #: This attempt's number, starting at 1.
    attempt: int
    created_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)

    def as_json(self, rendered: Rendered) -> dict[str, Any]:
        """The document the webhook and the file receive: the facts plus the rendered text."""
        return {
            "idempotency_key": self.key,
            "id": self.id,
            "order_id": self.order_id,
            "channel": self.channel,
            "recipient": self.recipient,
            "template": self.template,
            "locale": self.locale,
            "payload": self.payload,
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "attempt": self.attempt,
            "created_at": self.created_at.isoformat(),
        }


class Transport(Protocol):
    name: str

    def accepts(self, message: Outgoing) -> bool:
        """Whether this transport delivers notifications for the customer's channel."""
        ...

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        """Deliver or raise `DeliveryError`; must be safe to repeat with the same key."""
        ...

    def close(self) -> None:
        """Release connections kept between sends of one pass."""
        ...
