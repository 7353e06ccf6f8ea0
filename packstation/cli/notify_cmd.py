"""`packstation notify [--once]`, `notify list`, `notify requeue ID`."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.cli.common import CliError, add_db_option, config_of, database_of, say
from packstation.clock import local_now
from packstation.domain.text import printable

if TYPE_CHECKING:
    from packstation.models.db import Database
    from packstation.notify.base import Transport
    from packstation.notify.dispatcher import DispatchReport
    from packstation.notify.settings import NotifySettings

STATUSES = ("pending", "sending", "sent", "dead")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    notify = sub.add_parser(
        "notify",
        help="dispatch the customer-notification outbox",
        description="Send queued customer notifications to the configured channels "
        "([notifications] in the config). At least once: a resend carries the same "
        "idempotency key. Failures are retried with exponential backoff, then marked dead.",
    )
    notify.add_argument("--once", action="store_true", help="send what is due now, then exit")
    notify.add_argument(
        "--interval", type=float, metavar="S", help="seconds between polls (default 10)"
    )
    # The top-level --config works too; SUPPRESS keeps it when this one is not given.
    notify.add_argument(
        "--config", metavar="FILE", default=argparse.SUPPRESS, help="station config (TOML)"
    )
    add_db_option(notify)
    notify.add_argument(
        "--channels", metavar="LIST", help="comma-separated: webhook,smtp,file (default: config)"
    )
    notify.add_argument("--file", type=Path, metavar="PATH", help="JSON-lines file channel")
    notify.add_argument("--webhook-url", metavar="URL")
    notify.add_argument("--smtp-host", metavar="H")
    notify.add_argument("--smtp-port", type=int, metavar="P")
    notify.add_argument("--smtp-from", metavar="ADDR")
    notify.add_argument(
        "--smtp-security",
        choices=("starttls", "tls", "none"),
        help="STARTTLS (default), implicit TLS (SMTPS) or none (plain, only if you mean it)",
    )
    notify.add_argument("--max-attempts", type=int, metavar="N", help="then dead (default 8)")
    notify.set_defaults(func=run_notify)

    nsub = notify.add_subparsers(dest="notify_command", metavar="COMMAND")
    lst = nsub.add_parser("list", help="list notifications, newest first")
    lst.add_argument("--status", choices=STATUSES)
    lst.add_argument("--limit", type=int, default=50)
    add_db_option(lst)
    lst.set_defaults(func=run_list)
    req = nsub.add_parser("requeue", help="give a dead notification a fresh set of attempts")
    req.add_argument("id", type=int)
    add_db_option(req)
    req.set_defaults(func=run_requeue)


def settings_of(args: argparse.Namespace) -> NotifySettings:
    from packstation.notify.settings import NotifyConfigError, NotifySettings

    cfg = config_of(args)
    channels = args.channels
    try:
        return NotifySettings.from_config(
            cfg.raw, cfg.source.parent if cfg.source else None
        ).override(
            channels=tuple(c.strip() for c in channels.split(",") if c.strip())
            if channels is not None
            else None,
            file=args.file,
            webhook_url=args.webhook_url,
            smtp_host=args.smtp_host,
            smtp_port=args.smtp_port,
            smtp_from=args.smtp_from,
            smtp_security=args.smtp_security,
            max_attempts=args.max_attempts,
            interval_s=args.interval,
        )
    except NotifyConfigError as exc:
        raise CliError(str(exc)) from exc


def _drain(db: Database, transports: list[Transport], settings: NotifySettings) -> DispatchReport:
    """Passes until one finds less than a full batch: everything due now is handled."""
    from packstation.notify.dispatcher import DispatchReport, dispatch_once

    total = DispatchReport()
    while True:
        report = dispatch_once(
            db,
            transports,
            batch=settings.batch,
            max_attempts=settings.max_attempts,
            base_backoff_s=settings.base_backoff_s,
            jitter=0.1,
        )
        total = DispatchReport(
            total.sent + report.sent, total.retried + report.retried, total.dead + report.dead
        )
        if report.sent + report.retried + report.dead < settings.batch:
            return total


def run_notify(args: argparse.Namespace) -> int:
    from packstation.notify.settings import NotifyConfigError, build_transports

    settings = settings_of(args)
    db = database_of(args)
    chat = _marketplace_chat(args, db)
    try:
        transports = build_transports(settings) if settings.channels or chat is None else []
    except NotifyConfigError as exc:
        db.dispose()
        raise CliError(str(exc)) from exc
    if chat is not None:
        transports.append(chat)
    channels = ", ".join(t.name for t in transports)
    try:
        if args.once:
            say(f"notify: {_drain(db, transports, settings)}")
            return 0
        say(f"notify: sending to {channels} every {settings.interval_s:g} s; Ctrl+C stops")
        while True:
            report = _drain(db, transports, settings)
            if report.sent or report.retried or report.dead:
                say(f"{local_now():%H:%M:%S} notify: {report}")
            time.sleep(settings.interval_s)
    except KeyboardInterrupt:
        say("notify: stopped")
        return 0
    finally:
        db.dispose()


def _marketplace_chat(args: argparse.Namespace, db: Database) -> Transport | None:
    """The buyer chat of every `[[channels]]` account: the only way to reach the buyer of a
    marketplace order (the marketplaces hide e-mail and phone). None without channels."""
    from packstation.channels.settings import channel_settings
    from packstation.channels.sync import make_marketplace
    from packstation.clock import utcnow
    from packstation.config import ConfigError
    from packstation.models.channel_repo import channel_of
    from packstation.notify.marketplace import MarketplaceChatTransport

    try:
        found = channel_settings(config_of(args).raw)
        if not found:
            return None
        clients = {s.name: make_marketplace(s, now=utcnow) for s in found}
    except ConfigError as exc:
        db.dispose()
        raise CliError(str(exc)) from exc

    def lookup(order_id: str) -> tuple[str, str] | None:
        with db.unit_of_work() as session:
            return channel_of(session, order_id)

    return MarketplaceChatTransport(clients, lookup)


def run_list(args: argparse.Namespace) -> int:
    from packstation.notify.admin import list_notifications

    db = database_of(args)
    try:
        rows = list_notifications(db, status=args.status, limit=args.limit)
    finally:
        db.dispose()
    if not rows:
        say("no notifications" + (f" with status {args.status}" if args.status else ""))
        return 0
    say(f"{'ID':>6}  {'STATUS':<8} {'TRIES':>5}  {'ORDER':<14} {'TEMPLATE':<24} {'TO':<8} ERROR")
    for n in rows:
        say(
            f"{n.id:>6}  {n.status:<8} {n.attempts:>5}  "
            f"{printable(n.order_id or '-', limit=14):<14} "
            f"{printable(n.template, limit=24):<24} {printable(n.channel, limit=8):<8} "
            f"{printable(n.last_error or '', limit=80)}"
        )
    return 0


def run_requeue(args: argparse.Namespace) -> int:
    from packstation.clock import utcnow
    from packstation.notify.admin import requeue

    db = database_of(args)
    try:
        if not requeue(db, args.id, now=utcnow()):
            raise CliError(f"notification {args.id} is not dead (or does not exist)")
    finally:
        db.dispose()
    say(f"notification {args.id} queued again")
    return 0
