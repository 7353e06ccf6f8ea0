"""The lead's trainees view (`t` on the queue screen): their training, and "ready".

One row per trainee (role trainee, or anyone with a lesson scored or marked ready): status,
lessons done and passed, seconds per unit, errors, faults handled right, summed from the
lesson scores in the training scores store (`training/store.py`; people and "ready" come
from the real database). `y` marks the selected trainee ready for real orders: the lead's
badge + PIN and a note, checked and audited like every lead action, in the real database
(`training_repo.mark_ready`). Both databases are read and written by thread workers, never
on the UI loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label

from packstation.clock import Clock
from packstation.config import PinLimits
from packstation.domain.text import printable
from packstation.i18n import Msg, t
from packstation.training.lessons import LESSONS
from packstation.training.scoring import LessonScore, record_of
from packstation.widgets.queue_table import Cell, KeyedTable, Row
from packstation.widgets.text_line import TextLine

if TYPE_CHECKING:
    from packstation.models.db import Database
    from packstation.models.training_repo import TraineeRow

log = logging.getLogger(__name__)

COLUMNS = ("name", "status", "lessons", "passed", "spu", "errors", "faults")


@dataclass(frozen=True, slots=True)
class ReadyRequest:
    badge: str
    lead: str
    pin: str
    note: str


class TraineesRead(Message):
    def __init__(self, rows: list[TraineeRow] | None, error: str = "") -> None:
        super().__init__()
        self.rows, self.error = rows, error


class ReadyDone(Message):
    def __init__(self, ok: bool, text: str) -> None:
        super().__init__()
        self.ok, self.text = ok, text


def trainee_cells(row: TraineeRow, locale: str) -> tuple[Cell, ...]:
    """A trainee's row: pure, tested without a terminal."""
    record = record_of(LessonScore.from_payload(s.payload) for s in row.scores)
    if row.ready_at is not None:
        status = (t(Msg("training.view.ready_since", {"date": f"{row.ready_at:%d.%m}"}), locale),
                  "green")  # fmt: skip
    elif row.role == "trainee":
        status = (t(Msg("training.view.trainee"), locale), "yellow")
    else:
        status = (row.role, "")
    spu = record.seconds_per_unit
    faults_style = "green" if record.faults and record.faults_right == record.faults else ""
    return (
        (printable(row.name, limit=20), "bold"),
        status,
        (str(record.lessons), ""),
        (f"{len(record.passed)}/{len(LESSONS)}", ""),
        ("-" if spu is None else f"{spu:.0f}", ""),
        (str(record.error_count), "red" if record.error_count else ""),
        (f"{record.faults_right}/{record.faults}", faults_style),
    )


class TraineesScreen(Screen[None]):
    CSS_PATH = "queue.tcss"
    BINDINGS = [
        Binding("y", "ready", "ready"),
        Binding("q", "close", "back"),
        Binding("escape", "close", "back", show=False),
        Binding("t", "close", show=False),
    ]

    def __init__(
        self,
        db: Database | str,
        locale: str,
        clock: Clock,
        pin_limits: PinLimits,
        scores: str | None = None,
    ) -> None:
        """`db` is the real database; `scores` the scores store's URL (None: the default,
        `training.store.scores_url`)."""
        super().__init__()
        self.db_arg, self.locale, self.clock, self.pin_limits = db, locale, clock, pin_limits
        self.scores_url = scores
        self.rows: dict[str, TraineeRow] = {}
        #: Reads shown so far and ready requests answered (tests wait on them).
        self.reads = 0
        self.answers = 0

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.locale)

    def compose(self) -> ComposeResult:
        yield TextLine(Text(" " + self.tr("training.view.title"), style="bold"), id="floor")
        labels = [self.tr(f"training.col.{c}") for c in COLUMNS]
        yield KeyedTable(list(zip(COLUMNS, labels, strict=True)), id="trainees")
        yield TextLine("", id="message")
        yield TextLine(Text(" " + self.tr("training.view.keys"), style="dim"), id="keys")

    def on_mount(self) -> None:
        self.query_one(KeyedTable).focus()
        self._read()

    def _in_thread(self, work: Callable[[Database], None]) -> None:
        def run() -> None:
            from packstation.models.db import Database, open_database

            arg = self.db_arg
            db = arg if isinstance(arg, Database) else open_database(arg)
            try:
                work(db)
            finally:
                if db is not arg:
                    db.dispose()

        self.run_worker(run, thread=True, group="trainees")

    def _read(self) -> None:
        def read(db: Database) -> None:
            from packstation.training.store import ScoresStore, scores_url, trainee_rows

            store = ScoresStore(self.scores_url or scores_url(None))
            try:
                with db.sessions() as session:
                    rows = trainee_rows(session, store)
            except Exception as exc:
                log.warning("trainees not read: %s", exc)
                self.post_message(TraineesRead(None, str(exc)))
                return
            finally:
                store.close()
            self.post_message(TraineesRead(rows))

        self._in_thread(read)

    def on_trainees_read(self, message: TraineesRead) -> None:
        if message.rows is None:
            self._say(self.tr("queue.action_failed", error=message.error), False)
            return
        self.rows = {r.badge: r for r in message.rows}
        table: list[Row] = [(r.badge, trainee_cells(r, self.locale)) for r in message.rows]
        self.query_one(KeyedTable).sync(table)
        if not table:
            self._say(self.tr("training.view.none"), True)
        self.reads += 1

    def action_ready(self) -> None:
        badge = self.query_one(KeyedTable).cursor_key()
        row = self.rows.get(badge or "")
        if row is None:
            self._say(self.tr("training.view.no_selection"), False)
            return
        title = self.tr("training.view.ready_title", name=row.name)
        self.app.push_screen(ReadyScreen(row.badge, title, self.locale), callback=self._ready)

    def _ready(self, request: ReadyRequest | None) -> None:
        if request is None:
            return
        now, limits = self.clock(), self.pin_limits
        row = self.rows.get(request.badge)
        scored = row is not None and bool(row.scores)  # as the lead saw them

        def act(db: Database) -> None:
            from packstation.models.lead_actions import LeadCredentials
            from packstation.models.training_repo import mark_ready

            lead = LeadCredentials(request.lead, request.pin)
            try:
                with db.unit_of_work() as session:
                    result = mark_ready(
                        session,
                        request.badge,
                        lead,
                        request.note,
                        now=now,
                        limits=limits,
                        scored=scored,
                    )
            except Exception as exc:
                log.warning("ready not recorded: %s", exc)
                self.post_message(ReadyDone(False, self.tr("queue.action_failed", error=exc)))
                return
            self.post_message(ReadyDone(result.ok, t(result.message, self.locale)))

        self._in_thread(act)

    def on_ready_done(self, message: ReadyDone) -> None:
        self.answers += 1
        self._say(message.text, message.ok)
        if not message.ok:
            self.app.bell()
        self._read()

    def _say(self, text: str, ok: bool) -> None:
        style = "bold green" if ok else "bold red"
        self.query_one("#message", TextLine).show_text(Text(f" {text}", style=style))

    def action_close(self) -> None:
        self.dismiss()


class ReadyScreen(ModalScreen[ReadyRequest | None]):
    """The lead's badge, PIN (masked) and a note; checked by the worker, never here."""

    CSS_PATH = "queue.tcss"
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, badge: str, title: str, locale: str) -> None:
        super().__init__()
        self.badge, self.title_text, self.locale = badge, title, locale

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.locale)

    def compose(self) -> ComposeResult:
        with Vertical(id="lead-box"):
            yield Label(self.title_text, id="lead-title", markup=False)
            yield Label(self.tr("queue.field.badge"), markup=False)
            yield Input(id="badge")
            yield Label(self.tr("queue.field.pin"), markup=False)
            yield Input(id="pin", password=True, restrict=r"[0-9]*", max_length=12)
            yield Label(self.tr("training.view.note"), markup=False)
            yield Input(id="note")
            yield Label("", id="lead-error", markup=False)
            yield Label(self.tr("queue.modal_keys"), id="lead-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#badge", Input).focus()

    @on(Input.Submitted)
    def _next_or_done(self, event: Input.Submitted) -> None:
        event.stop()
        fields = list(self.query(Input))
        index = fields.index(event.input)
        if index + 1 < len(fields):
            fields[index + 1].focus()
            return
        values = {f.id: f.value.strip() for f in fields}
        missing = next((name for name in ("badge", "pin", "note") if not values.get(name)), None)
        if missing is not None:
            field = (
                self.tr("training.view.note")
                if missing == "note"
                else self.tr(f"queue.field.{missing}")
            )
            self.query_one("#lead-error", Label).update(self.tr("queue.field_missing", field=field))
            self.query_one(f"#{missing}", Input).focus()
            return
        pin = self.query_one("#pin", Input).value
        self.dismiss(ReadyRequest(self.badge, values["badge"] or "", pin, values["note"] or ""))

    def action_cancel(self) -> None:
        self.dismiss(None)
