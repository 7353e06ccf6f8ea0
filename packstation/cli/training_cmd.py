"""Training: `run --training` (the station on a sandbox), `training lessons|ready`, and
`report training` (registered by report_cmd, run from here).

`run --training` reads the real database once (catalogue and badges), makes a fresh
sandbox under the user data dir, and runs the training station on it: labels to the
screen, no document printer, camera, marketplace or scale (the coach weighs). The real
database is not written; each lesson's score goes to the scores store (`training/store.py`:
`[training] scores`, `$PACKSTATION_TRAINING_SCORES`, else a file beside the sandboxes),
which `report training` and `training ready` read (`--scores` names another).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from packstation.cli.common import CliError, add_db_option, database_of, say
from packstation.config import StationConfig, resolve_db_url, ship_from
from packstation.domain.rules import PackRules
from packstation.domain.text import printable
from packstation.i18n import t
from packstation.training.lessons import LESSONS, lesson_by_ref
from packstation.training.store import StoreError

if TYPE_CHECKING:
    from packstation.models.training_repo import TraineeRow
    from packstation.training.scoring import LessonScore
    from packstation.training.store import ScoresStore


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    training = sub.add_parser("training", help="training mode: lessons, a trainee marked ready")
    tsub = training.add_subparsers(dest="training_command", required=True, metavar="COMMAND")
    lessons = tsub.add_parser("lessons", help="the lessons a lead picks, with their faults")
    lessons.set_defaults(func=run_lessons)
    ready = tsub.add_parser(
        "ready",
        help="a lead lets a trainee pack real orders (badge + PIN, audited)",
        description="The trainee's role becomes packer, so real stations let them log in; "
        "audited as lead.trainee_ready with the note (packstation audit).",
    )
    ready.add_argument("badge", metavar="BADGE", help="the trainee's badge")
    ready.add_argument("--lead", required=True, metavar="BADGE", help="the lead's badge")
    ready.add_argument("--note", required=True, help="why ready (lessons passed, ...)")
    ready.add_argument("--pin-stdin", action="store_true", help="read the lead's PIN from stdin")
    add_db_option(ready)
    add_scores_option(ready)
    ready.set_defaults(func=run_ready)


def add_scores_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scores",
        metavar="URL",
        help="the training scores store: URL or SQLite file (default: "
        "$PACKSTATION_TRAINING_SCORES, then [training] scores, then a file in the user data dir)",
    )


def add_report(rsub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`report training` (report_cmd registers it; this module runs it)."""
    rep = rsub.add_parser(
        "training",
        help="trainees: lessons, time per unit, errors by kind, faults handled right",
        description="Per trainee (role trainee, or anyone with a lesson scored): lessons "
        "done and passed, seconds per unit, errors by kind, faults handled right, when a "
        "lead marked them ready. With --lessons, one row per lesson instead.",
    )
    rep.add_argument("--badge", help="one trainee only")
    rep.add_argument("--lessons", action="store_true", help="one row per lesson scored")
    rep.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-' for stdout)")
    add_db_option(rep)
    add_scores_option(rep)
    rep.set_defaults(func=run_report)


# --------------------------------------------------------------------------- run --training


def run_training(args: argparse.Namespace, cfg: StationConfig) -> int:
    """The training station (`run --training`); `args` are `run`'s."""
    from packstation.cli.station_cmd import build_devices
    from packstation.clock import utcnow
    from packstation.errors import DatabaseError
    from packstation.screens.station_app import StationSetup
    from packstation.screens.training_app import TrainingApp, TrainingSetup
    from packstation.sounds.settings import sound_settings
    from packstation.training.preview import PreviewPrinter
    from packstation.training.sandbox import (
        SandboxError,
        create_sandbox,
        read_real,
        sandbox_path,
    )

    lesson = None
    if args.lesson:
        lesson = lesson_by_ref(args.lesson)
        if lesson is None:
            names = ", ".join(lesson.id for lesson in LESSONS)
            raise CliError(f"no lesson {args.lesson!r}: one of {names} (or its number)")
    real_url = resolve_db_url(args.db, cfg)
    station_id = args.station or cfg.station_id
    store = scores_store(None, cfg, real_url)
    try:
        snapshot = read_real(real_url)
        store.open()  # a store that cannot keep scores is told now, not after a lesson
        path = sandbox_path(station_id)
        sandbox = create_sandbox(path, snapshot, utcnow(), station_id)
    except (SandboxError, StoreError, DatabaseError, OSError) as exc:
        store.close()
        raise CliError(f"training: {exc}") from exc
    args.scale = "none"  # the coach puts the practice parcel on the scale
    devices = build_devices(cfg, args)
    setup = StationSetup(
        db=sandbox,
        station_id=station_id,
        station_name=cfg.station_name,
        rules=PackRules.from_config(cfg.raw),
        locale=args.locale or cfg.locale,
        devices=devices,
        printer=PreviewPrinter(),
        kiosk=args.kiosk or cfg.kiosk,
        ship_from=ship_from(cfg.raw),
        leases=cfg.leases,
        pin_limits=cfg.pin_limits,
        sounds=sound_settings(cfg.raw, cfg.source),
        big=cfg.big,
    )
    app = TrainingApp(TrainingSetup(setup, store, snapshot, lesson))
    try:
        app.run()
    finally:
        sandbox.dispose()
        store.close()
    say(f"training sandbox: {path}; scores: {app.scores_saved} saved in {store.shown}")
    for error in app.score_errors:
        say(f"score NOT saved: {error}")
    return 1 if app.score_errors else (app.return_code or 0)


def scores_store(cli_value: str | None, cfg: StationConfig, real_url: str) -> ScoresStore:
    """The scores store of `--scores`, the environment or the config; never the real
    database (training must leave it as it was)."""
    from packstation.training.store import ScoresStore, same_database, scores_url

    url = scores_url(cli_value, cfg.raw, cfg.source)
    if same_database(url, real_url):
        raise CliError(
            "training: the scores store is the real database: name another one "
            "([training] scores), training never writes the real database"
        )
    return ScoresStore(url)


# --------------------------------------------------------------------------- commands


def run_lessons(args: argparse.Namespace) -> int:
    for n, lesson in enumerate(LESSONS, start=1):
        faults = ", ".join(f.value for f in lesson.faults) or "-"
        title = t_lesson(lesson.id)
        say(f"{n}  {lesson.id:<17} {title:<18} orders {len(lesson.orders)}  faults: {faults}")
    return 0


def t_lesson(lesson_id: str, locale: str = "en") -> str:
    from packstation.i18n import Msg

    return t(Msg(f"training.lesson.{lesson_id}"), locale)


def run_ready(args: argparse.Namespace) -> int:
    from packstation.cli.common import config_of
    from packstation.clock import utcnow
    from packstation.models.lead_actions import LeadCredentials
    from packstation.models.training_repo import mark_ready
    from packstation.training.store import all_scores

    pin = sys.stdin.readline().strip() if args.pin_stdin else getpass.getpass("Lead's PIN: ")
    cfg = config_of(args)
    store = scores_store(args.scores, cfg, resolve_db_url(args.db, cfg))
    db = database_of(args)
    try:
        with db.sessions() as session:  # what the lead could look at: kept in the audit row
            scored = bool(all_scores(session, store, badge=args.badge.strip()))
        with db.unit_of_work() as session:
            result = mark_ready(
                session,
                args.badge,
                LeadCredentials(args.lead, pin),
                args.note,
                now=utcnow(),
                scored=scored,
            )
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()
        db.dispose()
    text = t(result.message)
    if not result.ok:
        raise CliError(text)
    say(text)
    return 0


def run_report(args: argparse.Namespace) -> int:
    from packstation.cli.common import config_of
    from packstation.cli.report_cmd import _table, _write_csv
    from packstation.training.store import trainee_rows

    cfg = config_of(args)
    store = scores_store(args.scores, cfg, resolve_db_url(args.db, cfg))
    db = database_of(args)
    try:
        with db.sessions() as session:
            rows = trainee_rows(session, store, badge=args.badge)
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    finally:
        store.close()
        db.dispose()
    header, table = _lesson_rows(rows) if args.lessons else _trainee_rows(rows)
    if args.csv:
        _write_csv(args.csv, header, table)
        if args.csv == "-":
            return 0
    if not table:
        say("no trainees and no lessons scored")
        return 0
    shown = [[printable(str(c), limit=40) for c in row] for row in table]
    for line in _table(header, shown, left=_LEFT_LESSONS if args.lessons else _LEFT_TRAINEES):
        say(line)
    return 0


_LEFT_TRAINEES = (0, 1, 2, 7)
_LEFT_LESSONS = (0, 1, 2, 3, 8)


def _scores(row: TraineeRow) -> list[LessonScore]:
    from packstation.training.scoring import LessonScore

    return [LessonScore.from_payload(s.payload) for s in row.scores]


def _errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in errors.items()) or "-"


def _spu(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _trainee_rows(rows: list[TraineeRow]) -> tuple[list[str], list[list[str]]]:
    from packstation.training.scoring import record_of

    header = ["BADGE", "NAME", "STATUS", "LESSONS", "PASSED", "S/UNIT", "FAULTS RIGHT",
              "ERRORS BY KIND"]  # fmt: skip
    table = []
    for row in rows:
        record = record_of(_scores(row))
        table.append(
            [
                row.badge,
                row.name,
                _status(row),
                str(record.lessons),
                f"{len(record.passed)}/{len(LESSONS)}",
                _spu(record.seconds_per_unit),
                f"{record.faults_right}/{record.faults}",
                _errors(dict(record.errors)),
            ]
        )
    return header, table


def _lesson_rows(rows: list[TraineeRow]) -> tuple[list[str], list[list[str]]]:
    header = ["FINISHED", "BADGE", "NAME", "LESSON", "UNITS", "S/UNIT", "PASSED",
              "FAULTS RIGHT", "ERRORS BY KIND"]  # fmt: skip
    table = []
    for row in rows:
        for score in _scores(row):
            table.append(
                [
                    _local(score.finished_at),
                    row.badge,
                    row.name,
                    score.lesson,
                    str(score.units),
                    _spu(score.seconds_per_unit),
                    "yes" if score.passed else "no",
                    f"{score.faults_right}/{len(score.faults)}",
                    _errors(dict(score.errors)),
                ]
            )
    return header, sorted(table, key=lambda r: r[0])


def _status(row: TraineeRow) -> str:
    if row.ready_at is not None:
        by = f" by {row.ready_by}" if row.ready_by else ""
        return f"ready {_local(row.ready_at)}{by}"
    return row.role


def _local(at: datetime) -> str:
    return f"{at.astimezone():%Y-%m-%d %H:%M}"
