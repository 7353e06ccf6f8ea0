"""The training station (`packstation run --training`): the real station on a sandbox.

`TrainingApp` is the station app itself (the same runner, workflow and screens), run on
the sandbox database (`training/sandbox.py`) with a printer that prints to the screen,
no document printer, camera or marketplace. It is not given the real database at all
(the sandbox was made from it before). What it adds:

- the TRAINING banner on every screen, and the coach's pane beside the pack screen: what
  to scan next, drawn large so it is scanned off the screen (`widgets/training.py`);
- a lead picks the lesson (their badge, then its number) once the trainee is logged in;
  its practice orders are made then (`training/practice.py`) and imported into the sandbox;
- the bench a practice parcel lacks: F6 or `TRN:WEIGH` puts the parcel on the scale (the
  coach's reading, a wrong one for the scale fault), F7 or `TRN:DOCS` has the office
  reprint a document missing from the tray;
- at the label step, the label as printed beside its barcode (`widgets/training.LabelPreview`,
  read from what went to the preview printer);
- at a lesson's end, its score goes to the scores store (`training/store.py`), never to
  the real database.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import ContentSwitcher

from packstation.devices.base import ScaleReading, ScaleState
from packstation.domain.signals import signal_for
from packstation.domain.workflow import Operator, Scan, Step
from packstation.i18n import Msg, t
from packstation.screens.login import LoginScreen
from packstation.screens.messages import ScaleUpdate, WorkflowUpdated
from packstation.screens.pack import PackScreen
from packstation.screens.station_app import StationApp, StationSetup
from packstation.training.coach import DOCS_CARD, WEIGH_CARD, Coach, Seen
from packstation.training.lessons import LESSONS, Lesson, lesson_by_ref
from packstation.training.preview import PreviewPrinter
from packstation.training.scoring import LessonScore
from packstation.widgets.bars import HeaderBar, StatusBar, StepBar
from packstation.widgets.instructions import InstructionsLine
from packstation.widgets.lines_table import LinesTable
from packstation.widgets.panels import ChecklistPanel, WeightPanel
from packstation.widgets.result_panel import ResultPanel
from packstation.widgets.text_rows import TextRows
from packstation.widgets.training import CoachPane, LabelPreview, TrainingBanner

if TYPE_CHECKING:
    from packstation.models.db import Database
    from packstation.station.results import RunResult
    from packstation.training.practice import PracticePlan
    from packstation.training.sandbox import RealSnapshot
    from packstation.training.store import ScoresStore

log = logging.getLogger(__name__)


@dataclass
class TrainingSetup:
    """The station setup (its `db` is the sandbox) and what training adds to it."""

    station: StationSetup
    #: Where each lesson's score goes (never the real database).
    scores: ScoresStore
    #: Items and badges read from the real database (`sandbox.read_real`).
    snapshot: RealSnapshot
    #: Picked on the command line (`--lesson`): prepared at the first login, no lead needed.
    lesson: Lesson | None = None
    #: Seed of the practice orders' randomness (tests); None: a new one each time.
    seed: int | None = None


class TrainingLoginScreen(LoginScreen):
    CSS_PATH = "training.tcss"

    def compose(self) -> ComposeResult:
        yield TrainingBanner(id="banner")
        yield from super().compose()


class TrainingPackScreen(PackScreen):
    """The pack screen with the banner on top and the coach's pane beside the body."""

    CSS_PATH = "training.tcss"

    def compose(self) -> ComposeResult:
        yield TrainingBanner(id="banner")
        yield HeaderBar(id="header")
        yield StepBar(id="steps")
        yield ResultPanel(id="result")
        with Horizontal(id="training-body"):
            with ContentSwitcher(id="body", initial="lines"):
                yield LinesTable(id="lines")
                yield WeightPanel(id="weight")
                yield ChecklistPanel(id="checklist")
                yield LabelPreview(id="label")
            yield CoachPane(id="coach")
        yield InstructionsLine(id="instructions")
        yield TextRows(id="progress")
        yield TextRows(id="keys")
        yield StatusBar(id="status")


class TrainingApp(StationApp):
    """The station app on a sandbox, with the coach (see the module's docstring)."""

    login_screen = TrainingLoginScreen
    pack_screen = TrainingPackScreen
    #: Every scan goes through `submit_text`: the lesson pick and the bench cards first.
    SCANS_TO_WORKER = False

    def __init__(self, training: TrainingSetup) -> None:
        super().__init__(training.station)
        self.training = training
        self.rng = random.Random(training.seed)
        self.coach: Coach | None = None
        #: Who picks the lesson now: "lead" (a lead's badge), "lesson" (its number),
        #: "preparing" (its orders are being made), "" (a lesson is on).
        self.picking = "lead"
        self.picker = ""
        #: Lessons prepared in this session (their orders are TRN-<n>-...).
        self.lessons_run = 0
        #: A line the coach's pane shows above the hint (a refusal, a reprint, a score).
        self.note: tuple[Msg, bool] | None = None
        self.last_score: LessonScore | None = None
        #: Scores written to the scores store (tests wait on it), and failed writes.
        self.scores_saved = 0
        self.score_errors: list[str] = []
        self._sandbox: Database | None = None

    # --- input: the lesson pick and the bench cards, then the station as usual ------------

    def submit_text(self, text: str) -> None:
        card = text.strip().upper()
        if self.exit_stage:
            super().submit_text(text)
        elif card == WEIGH_CARD:
            self.runner.note_activity()
            self._weigh()
        elif card == DOCS_CARD:
            self.runner.note_activity()
            self._fetch_documents()
        elif self._picking_now() and not card.startswith("CMD:"):
            self.runner.note_activity()
            self._pick(text.strip())
        else:
            super().submit_text(text)

    def _picking_now(self) -> bool:
        state = self.state
        idle = state.operator is not None and state.order is None
        return idle and self.picking in ("lead", "lesson")

    def _pick(self, text: str) -> None:
        if self.picking == "lead":
            badge = self.training.snapshot.badge(text)
            if badge is None or not badge.is_lead:
                self._tell(Msg("training.pick.not_lead", {"badge": text}), False)
                return
            self.picking, self.picker, self.note = "lesson", badge.name, None
            self._render_training()
            return
        lesson = lesson_by_ref(text)
        if lesson is None:
            self._tell(Msg("training.pick.unknown", {"ref": text}), False)
            return
        self._prepare(lesson)

    def _prepare(self, lesson: Lesson) -> None:
        """The lesson's practice orders are made and imported by a thread worker."""
        self.picking = "preparing"
        self.lessons_run += 1
        seq, now = self.lessons_run, self.setup.clock()
        self._tell(Msg("training.pick.preparing", {"lesson": _lesson(lesson.id)}), True)

        def work() -> None:
            from packstation.training.practice import practice_plan
            from packstation.training.sandbox import add_lesson

            try:
                items = self.training.snapshot.items
                plan = practice_plan(lesson, seq, items, self.setup.rules, now, self.rng)
                add_lesson(self._sandbox_db(), plan, now)
            except Exception as exc:  # a catalogue too small, the sandbox away: told, not fatal
                log.exception("training: lesson %s not prepared", lesson.id)
                self.call_from_thread(self._not_prepared, str(exc))
                return
            self.call_from_thread(self._prepared, plan)

        self.run_worker(work, thread=True, group="training")

    def _sandbox_db(self) -> Database:
        if self._sandbox is None:
            from packstation.models.db import Database, open_database

            db = self.setup.db
            self._sandbox = db if isinstance(db, Database) else open_database(db)
        return self._sandbox

    def _prepared(self, plan: PracticePlan) -> None:
        self.coach = Coach(plan, self.setup.rules)
        self.picking = ""
        params = {"lesson": _lesson(plan.lesson.id), "orders": len(plan.orders)}
        self._tell(Msg("training.pick.ready", params), True)

    def _not_prepared(self, error: str) -> None:
        self.picking = "lead"
        self._tell(Msg("training.pick.failed", {"error": error}), False)

    def _tell(self, message: Msg, ok: bool) -> None:
        self.note = (message, ok)
        if not ok:
            self.bell()
        self._render_training()

    def _weigh(self) -> None:
        grams = self.coach.weigh(self.state) if self.coach is not None else None
        if grams is None:
            self._tell(Msg("training.weigh.nothing"), False)
            return
        self.post_message(ScaleUpdate(ScaleReading(Decimal(grams), True, ScaleState.OK, "g")))

    def _fetch_documents(self) -> None:
        coach = self.coach
        if coach is not None and coach.fetch_documents(self.state):
            order = coach.current(self.state)
            document = order.missing_document if order is not None else ""
            self._tell(Msg("training.docs.reprinted", {"document": document}), True)
        else:
            self._tell(Msg("training.docs.nothing"), False)

    def action_demo(self, what: str) -> None:
        """F6 puts the parcel on the scale, F7 asks the office for a reprint (F8: nothing)."""
        if what == "next":
            self._weigh()
        elif what == "wrong":
            self._fetch_documents()

    def action_queue(self) -> None:
        self._not_here()

    def action_returns(self) -> None:
        self._not_here()

    def _not_here(self) -> None:
        """The floor's queue and the returns desk are not part of a training station."""
        self.bell()
        try:
            text = self.tr("training.not_here")
            self.screen.query_one(ResultPanel).show(False, text, None, "")
        except NoMatches:
            pass

    def _keys_line(self) -> str:
        return self.tr("training.keys")

    # --- results: the coach watches, the lesson ends ----------------------------------------

    async def on_workflow_updated(self, message: WorkflowUpdated) -> None:
        """Before the station's own handler (Textual calls both, this class's first): the
        coach sees the result, then the station draws it, the coach's pane included."""
        self._observe(message.result)

    def _observe(self, result: RunResult) -> None:
        state, coach = result.state, self.coach
        if state.operator is None:
            if coach is not None and not coach.done:
                self.note = (Msg("training.abandoned"), False)
            self.coach, self.picking, self.picker = None, "lead", ""
            return
        if self.picking == "lead" and self.training.lesson is not None and coach is None:
            self._prepare(self.training.lesson)  # the lesson given on the command line
            return
        if coach is None or coach.done:
            return
        outcome = result.outcome
        command = result.command
        seen = Seen(
            state,
            outcome.ok if outcome is not None else None,
            outcome.message.key if outcome is not None else "",
            outcome.message.params if outcome is not None else {},
            signal_for(outcome),
            command.code.text if isinstance(command, Scan) else None,
        )
        coach.observe(seen, self.setup.clock())
        if coach.done:
            self._lesson_over(coach, state.operator)

    def _lesson_over(self, coach: Coach, operator: Operator) -> None:
        """The score: shown, and saved to the scores store by a thread worker."""
        score = coach.score(self.setup.clock())
        self.last_score = score
        self.picking = "lead"  # a lead may pick the next lesson
        badge, name = operator.badge, operator.name
        store, station, at = self.training.scores, self.setup.station_id, self.setup.clock()

        def save() -> None:
            try:
                store.save(
                    badge=badge, name=name, station_id=station, payload=score.to_payload(), at=at
                )
            except Exception as exc:  # the store away: the trainee is told
                log.exception("training: score of %s not saved", badge)
                self.call_from_thread(self._score_failed, str(exc))
                return
            self.call_from_thread(self._score_saved, name)

        self.run_worker(save, thread=True, group="training-score")

    def _score_saved(self, name: str) -> None:
        self.scores_saved += 1
        self._tell(Msg("training.score_saved", {"name": name}), True)

    def _score_failed(self, error: str) -> None:
        self.score_errors.append(error)
        self._tell(Msg("training.score_not_saved", {"error": error}), False)

    def on_unmount(self) -> None:
        """(The station's own `on_unmount` runs too: Textual calls both.)"""
        if self._sandbox is not None and self._sandbox is not self.setup.db:
            self._sandbox.dispose()

    # --- drawing: the banner and the coach's pane ----------------------------------------------

    def _render_all(self) -> None:
        super()._render_all()
        self._render_training()

    def _render_training(self) -> None:
        screen = self.screen
        try:
            banner = screen.query_one(TrainingBanner)
        except NoMatches:
            return
        self._render_label()
        coach = self.coach
        if coach is not None and not coach.done:
            plan = coach.plan
            params: dict[str, Any] = {
                "lesson": _lesson(plan.lesson.id),
                "done": len(coach.finished),
                "orders": len(plan.orders),
                "errors": len(coach.errors),
            }
            banner.show(self.tr("training.banner_lesson", **params))
        else:
            banner.show(self.tr("training.banner"))
        try:
            pane = screen.query_one(CoachPane)
        except NoMatches:
            return
        extra: list[Text] = []
        if coach is not None and coach.started_at is None and not self.picking:
            extra.append(Text(self.tr(f"training.intro.{coach.plan.lesson.id}"), style="dim"))
        if self.note is not None:
            message, ok = self.note
            extra.append(Text(t(message, self.locale), style="bold green" if ok else "bold red"))
        lines: list[Text] = []
        if self.last_score is not None and (coach is None or coach.done):
            lines += self._score_lines(self.last_score)
        if self.picking in ("lead", "lesson"):
            key = "training.pick.lead" if self.picking == "lead" else "training.pick.lesson"
            lines.append(Text(self.tr(key, name=self.picker), style="bold"))
            lines += [
                Text(f"{n} {t(_lesson(lesson.id), self.locale)}")
                for n, lesson in enumerate(LESSONS, start=1)
            ]
            pane.show(lines, extra=tuple(extra))
            return
        if coach is None or self.picking == "preparing":
            pane.show(lines, extra=tuple(extra))
            return
        hint = coach.hint(self.state)
        lines.append(Text(t(hint.message, self.locale), style="bold"))
        pane.show(lines, hint.code, hint.caption, tuple(extra))

    def _render_label(self) -> None:
        """At the label step the body shows the label as printed (the station's own render
        put the checklist there a moment before: the checks are done by then)."""
        state, printer = self.state, self.setup.printer
        if state.stage is not Step.LABEL or state.parcel is None:
            return
        if not isinstance(printer, PreviewPrinter):
            return
        job = printer.label_of(state.parcel.parcel_id)
        if job is None:  # not printed (a printer failure is shown as on the floor)
            return
        try:
            switcher = self.screen.query_one("#body", ContentSwitcher)
            preview = self.screen.query_one(LabelPreview)
        except NoMatches:
            return
        switcher.current = "label"
        preview.show_label(self.tr("training.label.title"), job.lines, job.barcode)

    def _score_lines(self, score: LessonScore) -> list[Text]:
        spu = score.seconds_per_unit
        params = {
            "lesson": _lesson(score.lesson),
            "spu": f"{spu:.0f}" if spu is not None else "-",
            "errors": score.error_count,
            "right": score.faults_right,
            "faults": len(score.faults),
        }
        verdict = "training.passed" if score.passed else "training.not_passed"
        return [
            Text(self.tr("training.score", **params)),
            Text(self.tr(verdict), style="bold green" if score.passed else "bold red"),
        ]


def _lesson(lesson_id: str) -> Msg:
    """A lesson's title (translated where it is shown)."""
    return Msg(f"training.lesson.{lesson_id}")
