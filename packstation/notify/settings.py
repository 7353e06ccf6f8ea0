"""The ``[notifications]`` config section, with command-line overrides, as transports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from packstation.notify.base import Transport

__all__ = ["CHANNELS", "NotifyConfigError", "NotifySettings", "build_transports"]

CHANNELS = ("webhook", "smtp", "file")


class NotifyConfigError(ValueError):
    """The settings cannot work; the message names the key to fix."""


@dataclass(frozen=True, slots=True)
class NotifySettings:
    channels: tuple[str, ...] = ()
    webhook_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    file: Path | None = None
    timeout_s: float = 10.0
    max_attempts: int = 8
    base_backoff_s: float = 30.0
    interval_s: float = 10.0
    batch: int = 100

    @classmethod
    def from_config(cls, raw: Mapping[str, Any], base_dir: Path | None = None) -> NotifySettings:
        """``raw`` is the whole config; a relative ``file`` is relative to the config's folder."""
        section = raw.get("notifications", {})
        if not isinstance(section, Mapping):
            raise NotifyConfigError("[notifications] must be a table")
        try:
            channels = section.get("channels", [])
            if isinstance(channels, str) or not isinstance(channels, list):
                raise NotifyConfigError('[notifications] channels must be a list, e.g. ["webhook"]')
            file = section.get("file")
            path = Path(str(file)).expanduser() if file else None
            if path is not None and not path.is_absolute() and base_dir is not None:
                path = base_dir / path
            return cls(
                channels=tuple(str(c) for c in channels),
                webhook_url=str(section.get("webhook_url", "")),
                smtp_host=str(section.get("smtp_host", "")),
                smtp_port=int(section.get("smtp_port", 25)),
                smtp_from=str(section.get("smtp_from", "")),
                file=path,
                timeout_s=float(section.get("timeout_s", 10.0)),
                max_attempts=int(section.get("max_attempts", 8)),
                base_backoff_s=float(section.get("base_backoff_s", 30.0)),
                interval_s=float(section.get("interval_s", 10.0)),
                batch=int(section.get("batch", 100)),
            ).checked()
        except (TypeError, ValueError) as exc:
            if isinstance(exc, NotifyConfigError):
                raise
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
        return self


def build_transports(settings: NotifySettings) -> list[Transport]:
    """Webhook and file receive every notification; SMTP only those for email customers."""
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
                transports.append(WebhookTransport(settings.webhook_url, settings.timeout_s))
            except ValueError as exc:
                raise NotifyConfigError(str(exc)) from exc
        elif channel == "smtp":
            if not settings.smtp_host or "@" not in settings.smtp_from:
                raise NotifyConfigError(
                    "channel smtp needs smtp_host and an smtp_from address "
                    "(or --smtp-host and --smtp-from)"
                )
            transports.append(
                SmtpTransport(
                    settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.timeout_s
                )
            )
        elif channel == "file":
            if settings.file is None:
                raise NotifyConfigError("channel file needs file (or --file PATH)")
            transports.append(FileTransport(settings.file))
    return transports
