"""The ``[notifications]`` config section, with command-line overrides, as transports.

Where notifications may go is configuration only: the webhook URL, the SMTP relay and
the file come from here (the config file, the command line, two environment variables
for secrets), never from an order or a notification row.

Transport security:

- ``webhook_url`` is ``https://`` (the certificate verified with the default SSL context
  against the system's CAs, or only against ``webhook_ca``, a PEM file, for a receiver with
  a private CA); ``http://`` only to this host (127.0.0.1, ::1, localhost). No credentials
  in the URL: ``webhook_token`` (or ``$PACKSTATION_WEBHOOK_TOKEN``) is sent as
  ``Authorization: Bearer``. Redirects are never followed.
- ``smtp_security``: ``"starttls"`` (the default: STARTTLS is required, the certificate
  verified), ``"tls"`` (SMTPS, implicit TLS, port 465 by default), or ``"none"`` (plain,
  only when configured so; no password over it). ``smtp_ca`` as ``webhook_ca``.
  ``smtp_user`` with ``smtp_password`` (or ``$PACKSTATION_SMTP_PASSWORD``) logs in.

Secrets never appear in the settings' repr, in error messages or in logs: the transports
replace them with ``***`` in everything they raise.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from packstation.notify.base import Transport

__all__ = [
    "CHANNELS",
    "SMTP_SECURITY",
    "NotifyConfigError",
    "NotifySettings",
    "build_transports",
    "check_webhook_url",
    "shown_url",
]

CHANNELS = ("webhook", "smtp", "file")
SMTP_SECURITY = ("starttls", "tls", "none")
#: Environment variables for the secrets, used when the config does not set them.
WEBHOOK_TOKEN_ENV = "PACKSTATION_WEBHOOK_TOKEN"
SMTP_PASSWORD_ENV = "PACKSTATION_SMTP_PASSWORD"


class NotifyConfigError(ValueError):
    """The settings cannot work; the message names the key to fix."""


def _path(value: object, base_dir: Path | None) -> Path | None:
    if not value:
        return None
    path = Path(str(value)).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def _evidence_dir(raw: Mapping[str, Any], base_dir: Path | None) -> Path:
    """`[evidence] dir` as the station and the recorder read it (its default too)."""
    from packstation.evidence.settings import default_evidence_dir

    section = raw.get("evidence", {})
    folder = section.get("dir") if isinstance(section, Mapping) else None
    return _path(folder, base_dir) or default_evidence_dir()


def shown_url(url: str) -> str:
    """The URL for messages: scheme, host, port and path; no credentials, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<unreadable URL>"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_webhook_url(url: str) -> None:
    """https://, or http:// to this host; no user:password@ in it. Raises ValueError."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (a bad port raises here)
    except ValueError:
        raise ValueError("webhook URL is not a URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"webhook URL must be http:// or https://, got {shown_url(url)!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "webhook URL must not hold credentials (user:password@): set webhook_token"
        )
    if parts.scheme == "http" and not _loopback(host):
        raise ValueError(
            f"webhook URL must be https:// (plain http:// only to this host), "
            f"got {shown_url(url)!r}"
        )


def _token_ok(token: str) -> bool:
    return all(0x21 <= ord(ch) <= 0x7E for ch in token)


@dataclass(frozen=True, slots=True)
class NotifySettings:
    channels: tuple[str, ...] = ()
    webhook_url: str = ""
    webhook_token: str = field(default="", repr=False)
    webhook_ca: Path | None = None
    smtp_host: str = ""
    #: None: 465 with smtp_security "tls", else 25.
    smtp_port: int | None = None
    smtp_from: str = ""
    smtp_security: str = "starttls"
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_ca: Path | None = None
    file: Path | None = None
    timeout_s: float = 10.0
    max_attempts: int = 8
    base_backoff_s: float = 30.0
    interval_s: float = 10.0
    batch: int = 100
    #: Where the evidence photos are published (a web server over `[evidence] dir`): a
    #: defect's photo goes to the webhook and the file as a link under it.
    photo_url: str = ""
    #: `[evidence] dir`: e-mail attaches a defect's photo from there.
    evidence_dir: Path | None = None

    @property
    def smtp_port_or_default(self) -> int:
        if self.smtp_port is not None:
            return self.smtp_port
        return 465 if self.smtp_security == "tls" else 25

    @classmethod
    def from_config(
        cls,
        raw: Mapping[str, Any],
        base_dir: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> NotifySettings:
        """``raw`` is the whole config; relative paths are relative to the config's folder.
        The secrets may come from ``environ`` (default: the process environment) instead."""
        section = raw.get("notifications", {})
        if not isinstance(section, Mapping):
            raise NotifyConfigError("[notifications] must be a table")
        env = os.environ if environ is None else environ
        try:
            channels = section.get("channels", [])
            if isinstance(channels, str) or not isinstance(channels, list):
                raise NotifyConfigError('[notifications] channels must be a list, e.g. ["webhook"]')
            port = section.get("smtp_port")
            return cls(
                channels=tuple(str(c) for c in channels),
                webhook_url=str(section.get("webhook_url", "")),
                webhook_token=str(
                    section.get("webhook_token", "") or env.get(WEBHOOK_TOKEN_ENV, "")
                ),
                webhook_ca=_path(section.get("webhook_ca"), base_dir),
                smtp_host=str(section.get("smtp_host", "")),
                smtp_port=None if port is None else int(port),
                smtp_from=str(section.get("smtp_from", "")),
                smtp_security=str(section.get("smtp_security", "starttls")),
                smtp_user=str(section.get("smtp_user", "")),
                smtp_password=str(
                    section.get("smtp_password", "") or env.get(SMTP_PASSWORD_ENV, "")
                ),
                smtp_ca=_path(section.get("smtp_ca"), base_dir),
                file=_path(section.get("file"), base_dir),
                timeout_s=float(section.get("timeout_s", 10.0)),
                max_attempts=int(section.get("max_attempts", 8)),
                base_backoff_s=float(section.get("base_backoff_s", 30.0)),
                interval_s=float(section.get("interval_s", 10.0)),
                batch=int(section.get("batch", 100)),
                photo_url=str(section.get("photo_url", "")),
                evidence_dir=_evidence_dir(raw, base_dir),
            ).checked()
        except (TypeError, ValueError) as exc:
            if isinstance(exc, NotifyConfigError):
                raise
            # int()/float() messages quote the value: never one of the secrets (strings).
            raise NotifyConfigError(f"[notifications]: {exc}") from exc

    def override(self, **values: Any) -> NotifySettings:
        """Command-line values win; None means "not given"."""
        return replace(self, **{k: v for k, v in values.items() if v is not None}).checked()

    def checked(self) -> NotifySettings:
        unknown = [c for c in self.channels if c not in CHANNELS]
        if unknown:
            raise NotifyConfigError(
                f"unknown notification channel(s) {', '.join(unknown)}; "
                f"known: {', '.join(CHANNELS)}"
            )
        if self.max_attempts < 1 or self.batch < 1:
            raise NotifyConfigError("max_attempts and batch must be 1 or more")
        if self.timeout_s <= 0 or self.base_backoff_s < 0 or self.interval_s < 0:
            raise NotifyConfigError("timeout_s must be positive, backoff and interval not negative")
        if self.smtp_security not in SMTP_SECURITY:
            raise NotifyConfigError(
                f"smtp_security must be one of {', '.join(SMTP_SECURITY)}, "
                f"got {self.smtp_security!r}"
            )
        if self.smtp_port is not None and not 0 < self.smtp_port < 65536:
            raise NotifyConfigError(f"smtp_port must be 1 to 65535, got {self.smtp_port}")
        if self.webhook_token and not _token_ok(self.webhook_token):
            raise NotifyConfigError(
                "webhook_token must be printable ASCII without spaces (the value is not shown)"
            )
        if self.photo_url:
            parts = urlsplit(self.photo_url)
            if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
                raise NotifyConfigError(
                    "photo_url must be an http:// or https:// URL without credentials"
                )
        if bool(self.smtp_user) != bool(self.smtp_password):
            raise NotifyConfigError(
                f"smtp_user and smtp_password (or ${SMTP_PASSWORD_ENV}) go together"
            )
        if self.smtp_password and self.smtp_security == "none":
            raise NotifyConfigError(
                'smtp_password needs smtp_security "starttls" or "tls": '
                "it would cross the network in the clear"
            )
        return self


def build_transports(settings: NotifySettings) -> list[Transport]:
    """Webhook and file receive every notification (but a marketplace order's, which its
    buyer chat takes alone: `notify.marketplace`); SMTP only those for email customers."""
    from packstation.notify.transports import FileTransport, SmtpTransport, WebhookTransport

    if not settings.channels:
        raise NotifyConfigError(
            "no notification channels: set [notifications] channels in the config "
            "or pass --channels webhook,smtp,file"
        )
    transports: list[Transport] = []
    for channel in dict.fromkeys(settings.channels):
        if channel == "webhook":
            if not settings.webhook_url:
                raise NotifyConfigError("channel webhook needs webhook_url (or --webhook-url)")
            try:
                transports.append(
                    WebhookTransport(
                        settings.webhook_url,
                        settings.timeout_s,
                        token=settings.webhook_token,
                        ca_file=settings.webhook_ca,
                        photo_url=settings.photo_url,
                    )
                )
            except (ValueError, OSError) as exc:
                raise NotifyConfigError(str(exc)) from exc
        elif channel == "smtp":
            if not settings.smtp_host or "@" not in settings.smtp_from:
                raise NotifyConfigError(
                    "channel smtp needs smtp_host and an smtp_from address "
                    "(or --smtp-host and --smtp-from)"
                )
            try:
                transports.append(
                    SmtpTransport(
                        settings.smtp_host,
                        settings.smtp_port_or_default,
                        settings.smtp_from,
                        settings.timeout_s,
                        security=settings.smtp_security,
                        user=settings.smtp_user,
                        password=settings.smtp_password,
                        ca_file=settings.smtp_ca,
                        evidence_dir=settings.evidence_dir,
                    )
                )
            except (ValueError, OSError) as exc:
                raise NotifyConfigError(str(exc)) from exc
        elif channel == "file":
            if settings.file is None:
                raise NotifyConfigError("channel file needs file (or --file PATH)")
            transports.append(FileTransport(settings.file, settings.photo_url))
    return transports
