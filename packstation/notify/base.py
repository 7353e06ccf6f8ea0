"""What a transport receives and how it says a send failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

from packstation.notify.templates import Rendered

#: The payload key (never sent) naming the transports that delivered on an earlier attempt:
#: a retry goes only to the others, so a buyer gets an e-mail or a chat message once even
#: when the webhook beside it failed.
SENT_BY = "_sent_by"


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
    #: Transports (by name) that delivered it on an earlier attempt: not sent to again.
    sent_by: frozenset[str] = frozenset()

    @property
    def photo(self) -> dict[str, Any] | None:
        """The evidence photo joined to this notification (a defect's), if any: its file
        relative to the evidence folder, SHA-256 and time (`evidence/events.py`)."""
        photo = self.payload.get("photo")
        ok = isinstance(photo, dict) and isinstance(photo.get("file"), str) and photo["file"]
        return photo if ok else None

    def photo_link(self, base_url: str) -> str | None:
        """Where the buyer sees the photo: `base_url` (the published evidence folder) plus
        its file; None without a photo or a base URL."""
        photo = self.photo
        if photo is None or not base_url:
            return None
        return base_url.rstrip("/") + "/" + quote(photo["file"])

    def as_json(self, rendered: Rendered, photo_url: str = "") -> dict[str, Any]:
        """The document the webhook and the file receive: the facts plus the rendered text;
        with `photo_url`, a link to the evidence photo (its SHA-256 beside it)."""
        body = self._json(rendered)
        link = self.photo_link(photo_url)
        if link is not None and self.photo is not None:
            body["photo"] = {
                "url": link,
                "sha256": self.photo.get("sha256", ""),
                "taken_at": self.photo.get("taken_at", ""),
            }
        return body

    def _json(self, rendered: Rendered) -> dict[str, Any]:
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
    """A last hop. One may also say ``exclusive = True``: a notice it accepts goes to it
    alone (the marketplace's buyer chat: that buyer can be reached nowhere else)."""

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
