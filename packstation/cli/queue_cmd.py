"""`packstation queue`: the team lead's live queue screen."""

from __future__ import annotations

import argparse
from datetime import time
from typing import TYPE_CHECKING

from packstation.cli.common import CliError, add_db_option, config_of
from packstation.config import StationConfig, resolve_db_url

if TYPE_CHECKING:
    from packstation.evidence.settings import EvidenceSettings


def evidence_settings(cfg: StationConfig) -> EvidenceSettings | None:
    """`[evidence]` (or `[camera]`) in the config: the queue shows the video's disk use."""
    if "evidence" not in cfg.raw and "camera" not in cfg.raw:
        return None
    from packstation.evidence.settings import EvidenceConfigError, EvidenceSettings

    try:
        return EvidenceSettings.from_config(
            cfg.raw, cfg.station_id, cfg.source.parent if cfg.source else None
        )
    except EvidenceConfigError as exc:
        raise CliError(f"config: {exc}") from exc


#: The queue's frame rate (`benchmarks/queue_keys.py` measured it at this one; the station
#: runs faster, `station_cmd.STATION_FPS`).
QUEUE_FPS = "120"
#: Set by `packstation serve` for its tabs: the address browsers reach it at.
WEB_URL_ENV = "PACKSTATION_WEB_URL"


def web_url(cfg: StationConfig) -> str | None:
    """Where the browser view is (`v` on the queue shows `<url>/evidence/<order>`): the
    serving `serve`'s address; with only `[web]` in the config, "" (the path alone)."""
    import os

    return os.environ.get(WEB_URL_ENV) or ("" if "web" in cfg.raw else None)


def _shift_time(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a time of day (HH:MM): {value!r}") from exc


def _refresh(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from exc
    if not 0.2 <= seconds <= 3600:
        raise argparse.ArgumentTypeError("the refresh interval is 0.2 to 3600 seconds")
    return seconds


def add_view_options(parser: argparse.ArgumentParser) -> None:
    """--db, --locale, --refresh and --shift-start: the queue view's options (queue, serve)."""
    add_db_option(parser)
    parser.add_argument("--locale", choices=["ru", "en"], help="language (default: config)")
    parser.add_argument(
        "--refresh",
        type=_refresh,
        default=2.0,
        metavar="S",
        help="seconds between looks for changes on the floor (default 2)",
    )
    parser.add_argument(
        "--shift-start",
        type=_shift_time,
        default=time(8, 0),
        metavar="HH:MM",
        help="local time the current shift started (default 08:00)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    queue = sub.add_parser(
        "queue",
        help="team-lead queue screen",
        description="Live view of the order queue, the stations and the floor's throughput. "
        "Lead actions (release, priority, hold, reassign) need a lead badge + PIN.",
    )
    add_view_options(queue)
    queue.add_argument(
        "--ascii", action="store_true", help="ASCII borders and marks (Linux console fonts)"
    )
    queue.set_defaults(func=run_queue)


def run_queue(args: argparse.Namespace) -> int:
    import gc

    from packstation.cli.station_cmd import fast_screen_updates, plain_console

    cfg = config_of(args)
    # New rows wait for the frame timer's next slot (1/120 s, two after another frame).
    fast_screen_updates(QUEUE_FPS)
    plain_console(args.ascii or cfg.ascii)
    # Importing SQLAlchemy and Textual and starting the screen allocate objects that live
    # as long as the process: the collector would walk them again and again. Off until
    # the first rows are up; then the app collects once and freezes them (QueueApp).
    collecting = gc.isenabled()
    gc.disable()
    try:
        from packstation.models.db import open_database
        from packstation.screens.queue_app import QueueApp, QueueSetup, shift_start_at
        from packstation.training.store import scores_url

        url = resolve_db_url(args.db, cfg)
        # Opened (and checked) before the screen starts: a wrong URL is a one-line error.
        db = open_database(url)
        try:
            setup = QueueSetup(
                db=db,
                locale=args.locale or cfg.locale,
                refresh_s=args.refresh,
                shift_start=shift_start_at(args.shift_start),
                pin_limits=cfg.pin_limits,
                evidence=evidence_settings(cfg),
                web_url=web_url(cfg),
                training_scores=scores_url(None, cfg.raw, cfg.source),
            )
            app = QueueApp(setup, settle_memory=True)
            app.queue_screen.start_feed()  # the first page is read while Textual starts
            app.run()
        except KeyboardInterrupt:
            pass
        finally:
            db.dispose()
    finally:
        if collecting:
            gc.enable()
    return 0
