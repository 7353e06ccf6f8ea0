"""A real database (sample orders, badges, a trainee), a training scores store of the test's
own (never the user's), and a training station on a sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from packstation.domain.rules import PackRules
from packstation.models.db import open_database
from packstation.models.operators_repo import add_operator
from packstation.screens.messages import ScannerLine
from packstation.screens.station_app import StationSetup
from packstation.screens.training_app import TrainingApp, TrainingSetup
from packstation.training.lessons import Lesson
from packstation.training.preview import PreviewPrinter
from packstation.training.sandbox import create_sandbox, read_real, sandbox_path
from packstation.training.store import ENV, ScoresStore
from tests.screens.conftest import scan, wait_until
from tests.station.conftest import seed

#: The station's Pilot helpers, for the training tests that import them from here.
__all__ = ["START", "TRAINEE", "TRAINEE_NAME", "card", "scan", "stored_scores", "wait_until"]

TRAINEE = "BADGE-TRN-01"
TRAINEE_NAME = "Пётр Н."
START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


class StepClock:
    """Each reading is `step` later than the one before: lessons take a known time."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(seconds=2)) -> None:
        self.now, self.step = start, step

    def __call__(self) -> datetime:
        self.now += self.step
        return self.now


@pytest.fixture(autouse=True)
def scores_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test here keeps training scores in a store of its own, by the environment as an
    IT person would set it (`training/store.scores_url`)."""
    url = f"sqlite:///{tmp_path / 'store' / 'scores.db'}"
    monkeypatch.setenv(ENV, url)
    return url


def stored_scores(url: str) -> list[dict[str, Any]]:
    """The payloads in the scores store at `url`, oldest first."""
    store = ScoresStore(url)
    try:
        return [dict(row.payload) for row in store.read()]
    finally:
        store.close()


@pytest.fixture
def real_url(sqlite_url: str, fixtures_dir: Path) -> str:
    """The floor's database: the sample orders, a packer, a lead and a trainee."""
    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    with db.unit_of_work() as session:
        add_operator(session, badge=TRAINEE, name=TRAINEE_NAME, role="trainee", pin_hash=None)
    db.dispose()
    return sqlite_url


@pytest.fixture
def make_training(
    real_url: str, scores_url: str, rules: PackRules, tmp_path: Path
) -> Iterator[Callable[..., TrainingApp]]:
    made: list[TrainingApp] = []
    store = ScoresStore(scores_url)

    def make(
        lesson: Lesson | None = None,
        locale: str = "en",
        seed_: int = 7,
        big: bool = False,
        real: str | None = None,
    ) -> TrainingApp:
        """A training station on a fresh sandbox made from `real` (default: `real_url`)."""
        clock = StepClock()
        snapshot = read_real(real or real_url)
        path = sandbox_path("PS-T1", tmp_path / "data")
        sandbox = create_sandbox(path, snapshot, START)
        setup = StationSetup(
            db=sandbox,
            station_id="PS-T1",
            station_name="Training bench",
            rules=rules,
            locale=locale,
            printer=PreviewPrinter(),
            clock=clock,
            big=big,
        )
        app = TrainingApp(TrainingSetup(setup, store, snapshot, lesson, seed_))
        app.bells = 0  # type: ignore[attr-defined]

        def bell() -> None:
            app.bells += 1  # type: ignore[attr-defined]

        app.bell = bell  # type: ignore[method-assign]
        made.append(app)
        return app

    yield make
    for app in made:
        db = app.setup.db
        if not isinstance(db, str):
            db.dispose()
    store.close()


async def card(pilot: Pilot[None], text: str) -> None:
    """A scan the training station answers itself (a lead's badge, a lesson, TRN:DOCS)."""
    app = pilot.app
    assert isinstance(app, TrainingApp)
    app.post_message(ScannerLine(text))
    await pilot.pause()
    await pilot.pause()
