"""Where notifications go: the marketplace's webhook, an SMTP relay, a JSON-lines file.

Each send carries the notification's idempotency key, because after a crash
between sending and marking the same notification is sent again (at least
once): receivers deduplicate by that key.

Where a notification goes is the transport's configuration (`settings`), never the
notification row: the row's key, recipient and payload are only content (the key is
percent-encoded into its header when it holds anything but visible ASCII). TLS is
verified with the default SSL context (system CAs, or only the configured CA file);
redirects are refused; secrets (the webhook token, the SMTP password) are replaced by
``***`` in every error raised, so they reach neither logs nor `notify list`.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from packstation.clock import Clock, utcnow
from packstation.notify.base import DeliveryError, Outgoing
from packstation.notify.settings import check_webhook_url, shown_url
from packstation.notify.templates import Rendered

__all__ = ["FileTransport", "SmtpTransport", "WebhookTransport", "message_id"]

log = logging.getLogger(__name__)

#: 4xx answers that mean "later", not "never".
_RETRY_4XX = {408, 425, 429}


#: Visible ASCII but "%": a key made only of these goes into a header as it is.
_HEADER_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "%")


def header_key(key: str) -> str:
    """The idempotency key as a header value: as it is when it is visible ASCII, else
    percent-encoded (UTF-8), the same way every time. A key holds order ids (order data):
    a CR/LF in it must not start a header of its own."""
    if key and all(ch in _HEADER_SAFE for ch in key):
        return key
    return quote(key, safe=_HEADER_SAFE)


def tls_context(ca_file: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """The default SSL context (certificate and host name verified); with `ca_file` that CA
    is the only one trusted (a receiver with a private or self-signed certificate)."""
    return ssl.create_default_context(cafile=os.fspath(ca_file) if ca_file else None)


class _Redacted:
    """Replaces each secret (and the forms it is sent in) by *** in a message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.add(secret)
                forms.add(quote(secret, safe=""))
                forms.add(base64.b64encode(secret.encode()).decode())
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, "***")
        return text


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are never followed: urllib would turn a redirected POST into a GET without
    the body, and a redirect could send the notification (and its token) elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookTransport:
    """POST the notification as JSON; the marketplace's service reaches sms and account users.

    Only to `url` (from the settings): https with the certificate verified, or http to this
    host. `token` is sent as ``Authorization: Bearer``."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        timeout: float = 10.0,
        *,
        token: str = "",
        ca_file: str | os.PathLike[str] | None = None,
        photo_url: str = "",
    ) -> None:
        check_webhook_url(url)
        self.url = url
        #: Where the evidence photos are published: a defect's photo goes as a link.
        self.photo_url = photo_url
        self.timeout = timeout
        self._token = token
        self._redact = _Redacted([token])
        handlers: list[urllib.request.BaseHandler] = [
            _NoRedirect(),
            urllib.request.HTTPSHandler(context=tls_context(ca_file)),
        ]
        if urlsplit(url).scheme == "http":  # this host only: never through a proxy
            handlers.append(urllib.request.ProxyHandler({}))
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"WebhookTransport({shown_url(self.url)!r})"

    def accepts(self, message: Outgoing) -> bool:
        return True

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        body = json.dumps(message.as_json(rendered, self.photo_url), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": header_key(message.key),
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 409:
                return  # the receiver already has this key: delivered earlier
            permanent = 300 <= exc.code < 500 and exc.code not in _RETRY_4XX
            moved = " (redirects are not followed)" if 300 <= exc.code < 400 else ""
            raise DeliveryError(
                self._redact(f"webhook: HTTP {exc.code} {exc.reason}{moved}"), permanent=permanent
            ) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            # Refused, timed out, cut off mid-answer, a certificate refused: the receiver (or
            # its certificate) may be fixed, so it is tried again.
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise DeliveryError(self._redact(f"webhook: {reason or type(exc).__name__}")) from None

    def close(self) -> None:
        pass


def message_id(key: str, sender: str) -> str:
    """The same key always gives the same Message-ID, so a resent email is recognisable."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    domain = sender.rpartition("@")[2] or "packstation.invalid"
    return f"<{digest}.notify@{domain}>"


class SmtpTransport:
    """Email to customers reached by email: plain text plus HTML alternative.

    One connection serves a whole dispatch pass; any error drops it. `security`:
    ``"starttls"`` (STARTTLS required before anything is sent), ``"tls"`` (SMTPS), or
    ``"none"`` (plain); with TLS the certificate and host name are verified (`tls_context`).
    `user` and `password` log in after TLS.
    """

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        timeout: float = 10.0,
        clock: Clock = utcnow,
        *,
        security: str = "starttls",
        user: str = "",
        password: str = "",
        ca_file: str | os.PathLike[str] | None = None,
        evidence_dir: Path | None = None,
    ) -> None:
        if security not in ("starttls", "tls", "none"):
            raise ValueError(f"smtp security must be starttls, tls or none, got {security!r}")
        if password and security == "none":
            raise ValueError("an SMTP password needs starttls or tls")
        self.clock = clock
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout
        self.security = security
        self._user = user
        self._password = password
        self._context = tls_context(ca_file) if security != "none" else None
        self._redact = _Redacted([password])
        self._smtp: smtplib.SMTP | None = None
        #: `[evidence] dir`: a defect's photo is attached from there.
        self.evidence_dir = evidence_dir

    def __repr__(self) -> str:
        return f"SmtpTransport({self.host!r}, {self.port}, security={self.security!r})"

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise DeliveryError(
                        f"smtp: {self.host}:{self.port} does not offer STARTTLS "
                        '(smtp_security = "starttls"; "none" only for a relay that cannot)'
                    )
                smtp.starttls(context=self._context)
                smtp.ehlo()
            if self._user:
                smtp.login(self._user, self._password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def accepts(self, message: Outgoing) -> bool:
        return message.channel == "email"

    def build(self, message: Outgoing, rendered: Rendered) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = rendered.subject
        mail["Date"] = format_datetime(self.clock())
        mail["Message-ID"] = message_id(message.key, self.sender)
        mail["X-Idempotency-Key"] = header_key(message.key)
        mail.set_content(rendered.text)
        mail.add_alternative(rendered.html, subtype="html")
        photo = self._photo(message)
        if photo is not None:
            name = f"photo-{message.order_id or message.id}.jpg".replace("/", "-")
            mail.add_attachment(photo, maintype="image", subtype="jpeg", filename=name)
        return mail

    def _photo(self, message: Outgoing) -> bytes | None:
        """The evidence photo's bytes, read from the evidence folder and checked against the
        SHA-256 stored with it; None (sent without) when there is none or it cannot be
        read or does not match: the buyer still hears of the defect."""
        photo = message.photo
        if photo is None or self.evidence_dir is None:
            return None
        base = self.evidence_dir.resolve()
        path = (base / photo["file"]).resolve()
        if base not in path.parents:
            log.warning("notification %s: photo %r is outside the evidence folder", message.id,
                        photo["file"])  # fmt: skip
            return None
        try:
            data: bytes = path.read_bytes()
        except OSError as exc:
            log.warning("notification %s: photo not attached: %s", message.id, exc)
            return None
        if hashlib.sha256(data).hexdigest() != photo.get("sha256"):
            log.warning("notification %s: photo %s changed since it was taken: not attached",
                        message.id, path)  # fmt: skip
            return None
        return data

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
                self._smtp = self._connect()
            self._smtp.send_message(mail, self.sender, [message.recipient])
        except DeliveryError:
            self.close()
            raise
        except smtplib.SMTPAuthenticationError as exc:  # our configuration: retried
            self.close()
            raise DeliveryError(
                self._redact(f"smtp: login refused: {exc.smtp_code} {exc.smtp_error!r}")
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{c} {m!r}" for c, m in exc.recipients.values())
            raise DeliveryError(
                self._redact(f"smtp: recipient refused: {detail}"),
                permanent=all(c >= 500 for c in codes),
            ) from None
        except smtplib.SMTPSenderRefused as exc:  # our configuration, not this message
            self.close()
            raise DeliveryError(
                self._redact(f"smtp: sender refused: {exc.smtp_code} {exc.smtp_error!r}")
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            self.close()
            raise DeliveryError(self._redact(f"smtp: {exc}"), permanent=True) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise DeliveryError(
                self._redact(f"smtp: {exc.smtp_code} {exc.smtp_error!r}"),
                permanent=exc.smtp_code >= 500,
            ) from None
        except (smtplib.SMTPException, OSError, ValueError) as exc:  # OSError: timeouts, TLS
            self.close()
            raise DeliveryError(self._redact(f"smtp: {exc or type(exc).__name__}")) from None

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

    def __init__(self, path: Path, photo_url: str = "") -> None:
        self.path = path
        self.photo_url = photo_url

    def accepts(self, message: Outgoing) -> bool:
        return True

    def send(self, message: Outgoing, rendered: Rendered) -> None:
        line = json.dumps(message.as_json(rendered, self.photo_url), ensure_ascii=False) + "\n"
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
