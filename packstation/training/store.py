"""The training scores store: where lesson scores are kept, apart from the real database.

Training must leave the real database byte-for-byte as it was, yet the lead needs the
scores (`report training`, `t` on the queue, the queue's training column, "ready"). So a
training station writes each lesson's score (`models/training_repo.record_score`) into a
store of its own: a packstation database (the same schema, so the same migrations and the
same append-only `events`; only `training.scored` events are written there), chosen by

1. `--scores URL` (`report training`, `training ready`);
2. `$PACKSTATION_TRAINING_SCORES`;
3. `[training] scores = "URL"` in the config (a bare path is a SQLite file, relative to the
   config file, as `[database] url`);
4. else `training/scores.db` in the user data dir, beside the sandboxes.

The default suits one PC (training station and lead's queue under one user). A floor on
PostgreSQL points every station's and the lead's config at one store: a schema (or
database) of its own, made once with `packstation db upgrade --db URL`. The real database's
own URL is refused: the store is what keeps training out of it.

Reading never makes a store: a SQLite store not made yet simply has no scores. Scores an
earlier version wrote into the real database are read beside the store's (`all_scores`).
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

from packstation.config import ConfigError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from packstation.models.db import Database
    from packstation.models.training_repo import ScoreRow, TraineeRow

__all__ = [
    "ENV",
    "ScoresStore",
    "Standing",
    "StandingReader",
    "StoreError",
    "all_scores",
    "default_scores_url",
    "same_database",
    "scores_url",
    "standing_of",
    "trainee_rows",
    "training_dir",
]

ENV = "PACKSTATION_TRAINING_SCORES"
#: Sandboxes are `<station>.sqlite`: this name is never one of them.
SCORES_FILE = "scores.db"


class StoreError(RuntimeError):
    """The scores store cannot be used (one line for the CLI and the screens)."""


def training_dir(base: Path | None = None) -> Path:
    """`training/` in the user data dir (or under `base`): sandboxes and the default store."""
    root = base if base is not None else Path(platformdirs.user_data_dir("packstation"))
    return root / "training"


def default_scores_url(base: Path | None = None) -> str:
    return f"sqlite:///{training_dir(base) / SCORES_FILE}"


def _url(value: str, relative_to: Path | None = None) -> str:
    """A URL as given, or a SQLite file path (relative to `relative_to`, else the cwd)."""
    if "://" in value:
        relative = value.startswith("sqlite:///") and not value.startswith("sqlite:////")
        if relative and relative_to is not None:
            return "sqlite:///" + str((relative_to / value.removeprefix("sqlite:///")).resolve())
        return value
    path = Path(value).expanduser()
    if not path.is_absolute() and relative_to is not None:
        path = relative_to / path
    return "sqlite:///" + str(path.resolve())


def scores_url(
    cli_value: str | None, raw: Mapping[str, Any] | None = None, source: Path | None = None
) -> str:
    """Where the scores are: `--scores`, `$PACKSTATION_TRAINING_SCORES`, `[training] scores`
    (relative to the config file `source`), else the default file (see the module)."""
    if cli_value:
        return _url(cli_value)
    if env := os.environ.get(ENV):
        return _url(env)
    where = f"config {source}" if source is not None else "config"
    section = (raw or {}).get("training", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: [training] must be a table")
    value = section.get("scores")
    if value is None:
        return default_scores_url()
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: training.scores must be a database URL or a SQLite file path")
    return _url(value.strip(), source.parent if source is not None else None)


def same_database(a: str, b: str) -> bool:
    """Whether two URLs name one database (SQLite: the same file; else the same URL, its
    options such as the PostgreSQL search_path included)."""
    from sqlalchemy.engine import make_url

    ua, ub = make_url(a), make_url(b)
    backend = ua.get_backend_name()
    if backend != ub.get_backend_name():
        return False
    if backend == "sqlite":
        pa, pb = ua.database or "", ub.database or ""
        if ":memory:" in (pa, pb) or not pa or not pb:
            return False
        return Path(pa).expanduser().resolve() == Path(pb).expanduser().resolve()
    return ua.set(drivername=backend) == ub.set(drivername=backend)


class ScoresStore:
    """The scores store, opened once used (thread-safe: the training station saves from a
    worker, the queue's feed reads from its thread)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._db: Database | None = None
        self._lock = threading.Lock()

    @property
    def shown(self) -> str:
        """The URL without its password (for messages)."""
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)

    def _not_made(self) -> bool:
        """A SQLite store whose file does not exist yet (reading it must not make it)."""
        from sqlalchemy.engine import make_url

        parsed = make_url(self.url)
        if parsed.get_backend_name() != "sqlite":
            return False
        name = parsed.database or ""
        return name not in ("", ":memory:") and not Path(name).expanduser().is_file()

    def _database(self, make: bool) -> Database | None:
        from packstation.errors import DatabaseError
        from packstation.models.db import open_database

        with self._lock:
            if self._db is None:
                if not make and self._not_made():
                    return None
                try:
                    self._db = open_database(self.url)  # SQLite upgrades itself; PostgreSQL not
                except DatabaseError as exc:
                    raise StoreError(f"training scores store: {exc}") from exc
            return self._db

    def open(self) -> None:
        """Made (a SQLite file) or checked (PostgreSQL: its schema must be current) now: a
        training station that cannot keep scores says so at its start, not after a lesson."""
        self._database(make=True)

    def save(
        self, *, badge: str, name: str, station_id: str, payload: Mapping[str, Any], at: datetime
    ) -> int:
        """One lesson's score, in one transaction; its event id."""
        from packstation.models.training_repo import record_score

        db = self._database(make=True)
        assert db is not None
        with db.unit_of_work() as session:
            return record_score(
                session, badge=badge, name=name, station_id=station_id, payload=payload, at=at
            )

    def read(self, *, badge: str | None = None) -> list[ScoreRow]:
        """The stored scores, oldest first ([] from a store not made yet)."""
        from packstation.models.training_repo import scores

        db = self._database(make=False)
        if db is None:
            return []
        with db.sessions() as session:
            return scores(session, badge=badge)

    def latest(self) -> int | None:
        """The newest score's id (None: none yet)."""
        from packstation.models.training_repo import latest_score_id

        db = self._database(make=False)
        if db is None:
            return None
        with db.sessions() as session:
            return latest_score_id(session)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.dispose()
                self._db = None


def all_scores(real: Session, store: ScoresStore, *, badge: str | None = None) -> list[ScoreRow]:
    """The store's scores and those an earlier version wrote into the real database (read
    only; nothing writes them there any more), oldest first."""
    from packstation.models.training_repo import scores

    return sorted([*scores(real, badge=badge), *store.read(badge=badge)], key=lambda s: s.at)


def trainee_rows(
    real: Session, store: ScoresStore, *, badge: str | None = None
) -> list[TraineeRow]:
    """The lead's list (`report training`, `t` on the queue): people from the real database,
    their scores from the store."""
    from packstation.models.training_repo import trainees

    rows = trainees(real, all_scores(real, store, badge=badge))
    return [r for r in rows if badge in (None, r.badge)]


@dataclass(frozen=True, slots=True)
class Standing:
    """One operator's training in a queue cell: distinct lessons passed of all, and status."""

    passed: int
    total: int
    #: "trainee" (refused at real stations), "ready" (a lead marked them), "" (neither).
    status: str


def standing_of(role: str | None, ready: bool, rows: Iterable[ScoreRow]) -> Standing | None:
    """An operator's standing; None for someone never in training (no scores, not a trainee,
    never marked ready)."""
    from packstation.training.lessons import LESSONS
    from packstation.training.scoring import LessonScore, record_of

    done = [LessonScore.from_payload(row.payload) for row in rows]
    status = "trainee" if role == "trainee" else "ready" if ready else ""
    if not done and not status:
        return None
    return Standing(len(record_of(done).passed), len(LESSONS), status)


class StandingReader:
    """The queue's training column, read by its feed thread with the stations: the store's
    scores read again only when a newer one was saved, the real database's old scores once
    (nothing adds to them), and who a lead marked ready."""

    def __init__(self, store: ScoresStore) -> None:
        self.store = store
        self._legacy: list[ScoreRow] | None = None
        self._latest: int | None = None
        self._stored: list[ScoreRow] = []

    def read(self, real: Session, people: Mapping[str, str | None]) -> dict[str, Standing]:
        """Badge -> standing for `people` (badge -> role), who have one."""
        from packstation.models.training_repo import ready_badges, scores

        if not people:
            return {}
        if self._legacy is None:
            self._legacy = scores(real)
        latest = self.store.latest()
        if latest != self._latest:
            self._stored, self._latest = self.store.read(), latest
        by_badge: dict[str, list[ScoreRow]] = defaultdict(list)
        for row in (*self._legacy, *self._stored):
            by_badge[row.badge].append(row)
        ready = ready_badges(real, list(people))
        found = {}
        for badge, role in people.items():
            standing = standing_of(role, badge in ready, by_badge.get(badge, ()))
            if standing is not None:
                found[badge] = standing
        return found
