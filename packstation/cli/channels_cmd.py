"""`packstation channels check|sync|status`: the marketplace accounts of `[[channels]]`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from packstation.cli.common import CliError, add_db_option, config_of, database_of, say
from packstation.config import ConfigError
from packstation.domain.text import printable

#: Product facts (weight, size, barcodes) older than this are asked for again.
PRODUCT_FACTS_FOR = timedelta(days=7)

if TYPE_CHECKING:
    from packstation.channels.base import CallRecord, Marketplace
    from packstation.channels.settings import ChannelSettings
    from packstation.models.channel_repo import ProductCache
    from packstation.models.db import Database


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    channels = sub.add_parser(
        "channels",
        help="marketplace channels (Ozon, Wildberries): check, sync",
        description="The marketplace accounts configured as [[channels]] in the config. "
        "Keys come from the environment or an owner-only file, never from the config.",
    )
    csub = channels.add_subparsers(dest="channels_command", metavar="COMMAND", required=True)
    check = csub.add_parser("check", help="whether each channel's credentials work, and whose")
    check.add_argument("--channel", metavar="NAME", help="only this channel")
    check.add_argument("--json", action="store_true", help="one JSON object per channel")
    check.set_defaults(func=run_check)

    sync = csub.add_parser(
        "sync",
        help="pull postings to pack and cancellations (a long-running worker)",
        description="Imports postings awaiting packaging as orders and cancels orders the "
        "marketplace cancelled (a station packing one is told at once). Safe to re-run: "
        "nothing changes when nothing changed at the marketplace.",
    )
    sync.add_argument("--once", action="store_true", help="one pass over every channel, then exit")
    sync.add_argument(
        "--interval", type=float, default=60.0, metavar="S", help="seconds between passes"
    )
    sync.add_argument("--channel", metavar="NAME", help="only this channel")
    sync.add_argument("--json", action="store_true", help="one JSON report per channel and pass")
    add_db_option(sync)
    sync.set_defaults(func=run_sync)

    status = csub.add_parser("status", help="calls to each marketplace in the last hour")
    status.add_argument("--minutes", type=int, default=60, metavar="N")
    status.add_argument("--json", action="store_true", help="one JSON object per channel")
    add_db_option(status)
    status.set_defaults(func=run_status)


def _settings(args: argparse.Namespace) -> list[ChannelSettings]:
    from packstation.channels.settings import channel_settings

    try:
        found = channel_settings(config_of(args).raw)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    if args.channel:
        found = [s for s in found if s.name == args.channel]
        if not found:
            raise CliError(f"no [[channels]] named {args.channel} in the config")
    if not found:
        raise CliError("no [[channels]] in the config (see docs/channels.md)")
    return found


def run_check(args: argparse.Namespace) -> int:
    from packstation.channels.base import ChannelError
    from packstation.channels.sync import make_marketplace
    from packstation.clock import utcnow

    failed = 0
    for settings in _settings(args):
        result: dict[str, Any] = {"channel": settings.name, "kind": settings.kind}
        try:
            marketplace = make_marketplace(settings, now=utcnow)
            try:
                account = marketplace.account()
            finally:
                marketplace.close()
        except (ChannelError, ConfigError) as exc:
            failed += 1
            result.update(ok=False, error=str(exc))
        else:
            result.update(ok=True, account=account.name, id=account.ident)
        if args.json:
            say(json.dumps(result, ensure_ascii=False))
        elif result["ok"]:
            say(
                f"{settings.name} ({settings.kind}): ok, account "
                f"{printable(result['account'], limit=80)} ({printable(result['id'], limit=40)})"
            )
        else:
            error = printable(result["error"], limit=500)
            say(f"{settings.name} ({settings.kind}): FAILED: {error}")
    return 1 if failed else 0


class _Stop(Exception):
    """SIGTERM during the wait between passes."""


class _Stopping:
    """SIGTERM (`systemctl stop`) ends the worker as Ctrl+C does, but never inside a pass:
    the pass under way finishes (its postings imported, its records kept), then it exits 0.
    Between passes the wait is cut short."""

    def __init__(self) -> None:
        self.requested = False
        self.sleeping = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if self.sleeping:
            self.sleeping = False  # a second SIGTERM right after must not raise again
            raise _Stop

    def sleep(self, seconds: float) -> None:
        try:
            self.sleeping = True
            if not self.requested:
                time.sleep(seconds)
        except _Stop:
            pass
        finally:
            self.sleeping = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        """The handler while the loop runs (the main thread only: a test may call it from
        another, where SIGTERM stays as it was)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = signal.signal(signal.SIGTERM, self)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)


def run_sync(args: argparse.Namespace) -> int:
    from packstation.channels.sync import make_marketplace
    from packstation.clock import utcnow

    if args.interval <= 0:
        raise CliError("--interval must be more than 0")
    channels = _settings(args)
    db = database_of(args)
    calls: list[CallRecord] = []
    from packstation.models.channel_repo import ProductCache

    caches = {s.name: ProductCache(db, s.name, utcnow() - PRODUCT_FACTS_FOR) for s in channels}
    try:
        clients = [
            (
                s,
                make_marketplace(
                    s,
                    now=utcnow,
                    recorder=calls.append,
                    product_cache=caches[s.name].get,
                    product_store=caches[s.name].put,
                ),
            )
            for s in channels
        ]
    except ConfigError as exc:
        db.dispose()
        raise CliError(str(exc)) from exc
    if not args.once:
        names = ", ".join(s.name for s in channels)
        say(f"channels: syncing {names} every {args.interval:g} s; Ctrl+C or SIGTERM stops")
    stopping = _Stopping()
    try:
        with stopping.installed():
            return _sync_loop(args, clients, caches, db, calls, stopping)
    except KeyboardInterrupt:
        say("channels: stopped")
        return 0
    finally:
        for _, marketplace in clients:
            marketplace.close()
        db.dispose()


def _sync_loop(
    args: argparse.Namespace,
    clients: list[tuple[ChannelSettings, Marketplace]],
    caches: dict[str, ProductCache],
    db: Database,
    calls: list[CallRecord],
    stopping: _Stopping,
) -> int:
    """Passes every `--interval` seconds until stopped (`--once`: one pass)."""
    from packstation.channels.sync import sync_channel
    from packstation.clock import local_now, utcnow

    failed = False
    while not stopping.requested:
        for settings, marketplace in clients:
            if stopping.requested:
                break
            report = sync_channel(db, marketplace, settings, now=utcnow, calls=calls)
            caches[settings.name].flush(utcnow())
            failed = failed or bool(report.errors)
            if args.json:
                say(json.dumps(report.as_dict(), ensure_ascii=False))
            elif args.once or report.new or report.updated or report.cancelled or report.errors:
                stamp = "" if args.once else f"{local_now():%H:%M:%S} "
                for line in str(report).splitlines():
                    say(stamp + printable(line, limit=400))
        sys.stdout.flush()  # a pass is seen when it is done, also in a journal
        if args.once:
            return 1 if failed else 0
        stopping.sleep(args.interval)
    say("channels: stopped")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from packstation.clock import utcnow
    from packstation.models.channel_repo import health

    db = database_of(args)
    try:
        with db.unit_of_work() as session:
            rows = health(session, utcnow() - timedelta(minutes=args.minutes))
    finally:
        db.dispose()
    if args.json:
        for row in rows:
            found = {
                "channel": row.channel,
                "calls": row.calls,
                "failing": row.failing,
                "last_status": row.last_status,
                "last_error": row.last_error,
                "last_at": row.last_at.isoformat() if row.last_at else None,
            }
            say(json.dumps(found, ensure_ascii=False))
        return 0
    if not rows:
        say(f"no marketplace calls in the last {args.minutes} min")
    for row in rows:
        line = f"{row.channel}: {row.calls} calls, {row.failing} failing"
        if row.failing:
            line += f", last {row.last_status or printable(row.last_error, limit=60)}"
        say(line)
    return 0
