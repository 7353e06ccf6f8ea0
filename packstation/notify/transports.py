"""Where notifications go: the marketplace's webhook, an SMTP relay, a JSON-lines file.

Each send carries the notification's idempotency key, because after a crash
between sending and marking the same notification is sent again (at least
once): receivers deduplicate by that key.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from packstation.clock import Clock, utcnow
from packstation.notify.base import DeliveryError, Outgoing
from packstation.notify.templates import Rendered

__all__ = ["FileTransport", "SmtpTransport", "WebhookTransport", "message_id"]

#: 4xx answers that mean "later", not "never".
_RETRY_4XX = {408, 425, 429}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would turn a redirected POST into a GET without the body: refuse instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookTransport:
    """POST the notification as JSON; the marketplace's service reaches sms and account users."""

    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"webhook URL must be http:// or https://, got {url!r}")
        self.url = url
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def accepts(self, message: Outgoing) -> bool:
        return True

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        body = json.dumps(message.as_json(rendered), ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": message.key,
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 409:
                return  # the receiver already has this key: delivered earlier
            permanent = 300 <= exc.code < 500 and exc.code not in _RETRY_4XX
            raise DeliveryError(
                f"webhook: HTTP {exc.code} {exc.reason}", permanent=permanent
            ) from exc
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            # Refused, timed out, cut off mid-answer: the receiver may recover.
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise DeliveryError(f"webhook: {reason or type(exc).__name__}") from exc

    def close(self) -> None:
        pass


def message_id(key: str, sender: str) -> str:
    """The same key always gives the same Message-ID, so a resent email is recognisable."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = sender.rpartition("@")[2] or "packstation.invalid"
    return f"<{digest}.notify@{domain}>"


class SmtpTransport:
    """Email to customers reached by email: plain text plus HTML alternative.

    One connection serves a whole dispatch pass; any error drops it.
    """

    name = "smtp"

    def __init__(
        self, host: str, port: int, sender: str, timeout: float = 10.0, clock: Clock = utcnow
    ) -> None:
        self.clock = clock
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def accepts(self, message: Outgoing) -> bool:
        return message.channel == "email"

    def build(self, message: Outgoing, rendered: Rendered) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = rendered.subject
        mail["Date"] = format_datetime(self.clock())
        mail["Message-ID"] = message_id(message.key, self.sender)
        mail["X-Idempotency-Key"] = message.key
        mail.set_content(rendered.text)
        mail.add_alternative(rendered.html, subtype="html")
        return mail

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        if "@" not in message.recipient:
            raise DeliveryError(
                f"smtp: not an email address: {message.recipient!r}", permanent=True
            )
        try:
            mail = self.build(message, rendered)
        except ValueError as exc:  # a header the email package refuses
            raise DeliveryError(f"smtp: cannot build the message: {exc}", permanent=True) from exc
        try:
            if self._smtp is None:
                self._smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            self._smtp.send_message(mail, self.sender, [message.recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{c} {m!r}" for c, m in exc.recipients.values())
            raise DeliveryError(
                f"smtp: recipient refused: {detail}", permanent=all(c >= 500 for c in codes)
            ) from exc
        except smtplib.SMTPSenderRefused as exc:  # our configuration, not this message
            self.close()
            raise DeliveryError(
                f"smtp: sender refused: {exc.smtp_code} {exc.smtp_error!r}"
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            self.close()
            raise DeliveryError(f"smtp: {exc}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise DeliveryError(
                f"smtp: {exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts
            self.close()
            raise DeliveryError(f"smtp: {exc or type(exc).__name__}") from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


class FileTransport:
    """One JSON line per notification, synced to disk: for audits, tests, and offline sites."""

    name = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def accepts(self, message: Outgoing) -> bool:
        return True

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        line = json.dumps(message.as_json(rendered), ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write() on an O_APPEND descriptor: two dispatchers never interleave lines.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise DeliveryError(f"file {self.path}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        pass
