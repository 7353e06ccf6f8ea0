"""`packstation evidence ORDER [-o clip.mp4]`, `evidence record`, `evidence clips [--once]`,
`evidence prune [--dry-run]`, `evidence status`."""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packstation.cli.common import CliError, add_db_option, config_of, database_of, say
from packstation.clock import local_now, utcnow

if TYPE_CHECKING:
    from packstation.evidence.autoclip import ClipRound
    from packstation.evidence.retention import PruneReport
    from packstation.evidence.settings import EvidenceSettings
    from packstation.evidence.status import RecorderStatus
    from packstation.models.db import Database


class _OrderOrCommand(argparse._SubParsersAction):  # type: ignore[type-arg]
    """`evidence ORDER ...` is `evidence export ORDER ...`: any word that is not a command
    is an order id."""

    class _AnyWord(Mapping[str, argparse.ArgumentParser]):
        """The commands, for everything that lists them; any word is a valid choice
        (argparse checks the choice before the action sees it)."""

        def __init__(self, parsers: dict[str, argparse.ArgumentParser]) -> None:
            self.parsers = parsers

        def __getitem__(self, key: str) -> argparse.ArgumentParser:
            return self.parsers[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self.parsers)

        def __len__(self) -> int:
            return len(self.parsers)

        def __contains__(self, key: object) -> bool:
            return True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choices = self._AnyWord(self._name_parser_map)  # type: ignore[assignment]

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if values and values[0] not in self._name_parser_map:
            values = ["export", *values]
        super().__call__(parser, namespace, values, option_string)


def _config_option(parser: argparse.ArgumentParser) -> None:
    # The top-level --config works too; SUPPRESS keeps it when this one is not given.
    parser.add_argument(
        "--config", metavar="FILE", default=argparse.SUPPRESS, help="station config (TOML)"
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evidence = sub.add_parser(
        "evidence",
        help="packing video: record the camera, export an order's clip, prune old video",
        description="`packstation evidence ORDER` exports the clip of an order's packing "
        "(claim to the last label scan-back, the station's events as subtitles), its photos "
        "and a JSON sidecar with their SHA-256. `record` runs the station's camera recorder "
        "([camera], [evidence] in the config); `prune` applies retention now.",
    )
    esub = evidence.add_subparsers(
        dest="evidence_command", metavar="ORDER|COMMAND", action=_OrderOrCommand, required=True
    )
    export = esub.add_parser("export", help="export an order's clip, photos and sidecar")
    export.add_argument("order", help="order id")
    export.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="clip file or folder (default ./ORDER.mp4)",
    )
    export.add_argument("--dir", type=Path, metavar="DIR", help="evidence folder (default: config)")
    add_db_option(export)
    _config_option(export)
    export.set_defaults(func=run_export)

    record = esub.add_parser(
        "record",
        help="record this station's camera (long-running; systemd: packstation-evidence@)",
        description="Reads [camera] url, writes [evidence] dir/<station>/segments/*.ts, "
        "latest.jpg and recorder.json, reconnects by itself, prunes every prune_every_s.",
    )
    record.add_argument("--no-prune", action="store_true", help="leave retention to `prune`")
    record.add_argument(
        "--no-clips", action="store_true", help="do not cut each packed order's clip (`clips`)"
    )
    add_db_option(record)
    _config_option(record)
    record.set_defaults(func=run_record)

    clips = esub.add_parser(
        "clips",
        help="cut the clip of each packed order that has none (the recorder does it too)",
        description="Finds this station's packed orders without a clip, cuts each whose end "
        "is in closed segments into <dir>/<station>/clips/ and stores its SHA-256 with the "
        "order's events. Without --once: again every [evidence] clips_every_s until Ctrl+C.",
    )
    clips.add_argument("--once", action="store_true", help="one round, then exit")
    add_db_option(clips)
    _config_option(clips)
    clips.set_defaults(func=run_clips)

    prune = esub.add_parser("prune", help="delete old segments now (protected orders stay)")
    prune.add_argument("--dry-run", action="store_true", help="say what would go, delete nothing")
    prune.add_argument("--station", metavar="ID", help="another station's folder (default: config)")
    prune.add_argument("--dir", type=Path, metavar="DIR", help="evidence folder (default: config)")
    add_db_option(prune)
    _config_option(prune)
    prune.set_defaults(func=run_prune)

    status = esub.add_parser("status", help="what the recorder says (recorder.json)")
    status.add_argument("--station", metavar="ID", help="another station (default: config)")
    _config_option(status)
    status.set_defaults(func=run_status)


def settings_of(args: argparse.Namespace) -> EvidenceSettings:
    from dataclasses import replace

    from packstation.evidence.settings import EvidenceConfigError, EvidenceSettings

    cfg = config_of(args)
    try:
        settings = EvidenceSettings.from_config(
            cfg.raw, cfg.station_id, cfg.source.parent if cfg.source else None
        )
    except EvidenceConfigError as exc:
        raise CliError(f"config: {exc}") from exc
    folder = getattr(args, "dir", None)
    return replace(settings, dir=folder) if folder else settings


def run_export(args: argparse.Namespace) -> int:
    from packstation.evidence.export import default_output, export_order
    from packstation.evidence.files import EvidenceError

    settings = settings_of(args)
    try:
        out = args.output or default_output(args.order)
        if out.is_dir():
            out = out / default_output(args.order)
        db = database_of(args)
        try:
            result = export_order(
                db,
                settings,
                args.order,
                out,
                now=utcnow(),
                tz=local_now().tzinfo or UTC,
            )
        finally:
            db.dispose()
    except EvidenceError as exc:
        raise CliError(str(exc)) from exc
    clip = result.clip
    say(
        f"{clip.path}: {clip.duration_s:.1f} s, starts {clip.early_s:.1f} s before the claim "
        f"(keyframe), {len(clip.cues)} subtitle cue(s)"
    )
    stored = "stored with the order's events" if result.hash_stored else "as stored before"
    say(f"  sha256 {clip.sha256} ({stored})")
    for path, digest in result.photos:
        say(f"{path}: sha256 {digest}")
    for note in clip.notes:
        say(f"  note: {note}")
    say(f"{result.sidecar}: order, station, packer, timeline and hashes")
    return 0


def _say_state(status: RecorderStatus) -> None:
    detail = f": {status.detail}" if status.detail else ""
    say(f"{local_now():%H:%M:%S} evidence {status.station_id}: {status.state}{detail}")


def run_record(args: argparse.Namespace) -> int:
    from packstation.evidence.recorder import Recorder

    settings = settings_of(args)
    if not settings.camera.url:
        raise CliError("no [camera] url in the config: nothing to record")
    db: Database | None = None
    opening = threading.Lock()

    def database() -> Database:
        nonlocal db
        with opening:  # two threads (retention, clips) share it
            if db is None:
                db = database_of(args)
            return db

    def prune() -> None:
        from packstation.evidence.retention import prune_station

        with database().engine.connect() as conn:
            report = prune_station(conn, settings, now=utcnow())
        if report.removed or report.plan.over_budget:
            _say_prune(report)

    def clips() -> None:
        _say_clips(_clip_round(database(), settings))

    stop = _stop_on_signals()
    say(f"evidence: {settings.camera.shown_url} -> {settings.station().segments}; Ctrl+C stops")
    recorder = Recorder(
        settings,
        prune=None if args.no_prune else prune,
        clips=None if args.no_clips else clips,
        on_state=_say_state,
    )
    try:
        recorder.run(stop)
    finally:
        if db is not None:
            db.dispose()
    say("evidence: stopped")
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    return stop


def _clip_round(db: Database, settings: EvidenceSettings) -> ClipRound:
    from packstation.evidence.autoclip import cut_pending

    return cut_pending(db, settings, now=utcnow(), tz=local_now().tzinfo or UTC)


def _say_clips(report: ClipRound) -> None:
    for order, clip in report.cut:
        say(f"clip {order}: {clip.path.name}, {clip.duration_s:.1f} s, sha256 {clip.sha256}")
    for order, why in report.missing:
        say(f"clip {order}: none ({why})")
    for order, why in report.failed:
        say(f"clip {order}: failed, tried again next round ({why})")


def run_clips(args: argparse.Namespace) -> int:
    from packstation.evidence.files import EvidenceError

    settings = settings_of(args)
    db = database_of(args)
    stop = None if args.once else _stop_on_signals()
    try:
        while True:
            try:
                report = _clip_round(db, settings)
            except EvidenceError as exc:
                raise CliError(str(exc)) from exc
            _say_clips(report)
            if stop is None:
                if report.busy:
                    say("clips: another round (the recorder) is cutting now; nothing done")
                elif report.waiting:
                    say(f"clips: {report.waiting} order(s) wait for their video to be closed")
                return 1 if report.failed else 0
            if stop.wait(settings.clips_every_s):
                return 0
    finally:
        db.dispose()


def _say_prune(report: PruneReport) -> None:
    plan = report.plan
    mb = 1024 * 1024
    verb = "would delete" if report.dry_run else "deleted"
    age = sum(1 for _, why in plan.delete if why == "age")
    say(
        f"prune {report.station_id}: {plan.total_bytes / mb:.1f} MB; {verb} "
        f"{len(plan.delete)} segment(s) ({age} by age, {len(plan.delete) - age} by size), "
        f"{plan.freed_bytes / mb:.1f} MB"
    )
    if plan.spared:
        orders = sorted({p.order_id for p in report.protected})
        shown = ", ".join(orders[:5]) + (" ..." if len(orders) > 5 else "")
        say(f"  kept {len(plan.spared)} segment(s) of protected orders ({shown})")
    if plan.over_budget:
        say("  still over max_gb: the protected orders' video alone exceeds it")


def run_prune(args: argparse.Namespace) -> int:
    from packstation.evidence.retention import prune_station

    settings = settings_of(args)
    db = database_of(args)
    try:
        with db.engine.connect() as conn:
            report = prune_station(
                conn, settings, now=utcnow(), station_id=args.station, dry_run=args.dry_run
            )
    finally:
        db.dispose()
    _say_prune(report)
    return 0


def run_status(args: argparse.Namespace) -> int:
    from packstation.evidence.status import read_status

    settings = settings_of(args)
    station = args.station or settings.station_id
    status = read_status(settings.station(station).status_file, station, now=utcnow())
    last = (
        f"; last frame {status.last_frame_at:%Y-%m-%d %H:%M:%S} UTC" if status.last_frame_at else ""
    )
    _say_state(status)
    if status.mode or last:
        say(f"  {status.mode}{last}")
    return 0 if status.ok else 1
