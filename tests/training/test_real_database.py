"""Training leaves the real database byte-for-byte as it was: a whole lesson, its score
included. The real database is read once, when the sandbox is made (catalogue and badges);
the lesson runs in the sandbox and its score goes to the training scores store.

SQLite: the real file's bytes, and nothing appears beside it (no WAL, no station lock).
PostgreSQL: every table's full contents and every sequence, before and after."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from textual.pilot import Pilot

from packstation.models.db import open_database
from packstation.models.operators_repo import add_operator
from packstation.screens.training_app import TrainingApp
from packstation.training.lessons import lesson_by_ref
from tests.station.conftest import seed
from tests.training.conftest import TRAINEE, TRAINEE_NAME, scan, stored_scores, wait_until
from tests.training.helpers import screen_code
from tests.training.test_lessons import follow


def _path(url: str) -> Path:
    database = make_url(url).database
    assert database is not None
    return Path(database)


def _digest(path: Path) -> dict[str, str]:
    """SHA-256 of the database file and of whatever lies beside it (WAL, locks)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.parent.iterdir())
        if p.name.startswith(path.name)
    }


async def _whole_lesson(pilot: Pilot[None], app: TrainingApp) -> None:
    """The trainee logs in and packs the lesson given on the command line by the screen's
    codes, to its end and its score saved."""
    await wait_until(pilot, lambda: app.results_seen >= 1)
    await scan(pilot, TRAINEE)
    await wait_until(pilot, lambda: app.coach is not None)
    await pilot.pause()
    await follow(pilot, app, lambda: app.state.parcel is not None)
    last = screen_code(app)
    assert last is not None
    await scan(pilot, last)  # the label: the lesson's end
    await wait_until(pilot, lambda: app.scores_saved == 1)


async def test_a_whole_lesson_leaves_the_real_sqlite_file_byte_for_byte(
    make_training: Callable[..., TrainingApp], real_url: str, scores_url: str
) -> None:
    real = _path(real_url)
    before = _digest(real)
    assert list(before) == [real.name]
    app = make_training(lesson=lesson_by_ref("first_order"))  # picked on the command line
    async with app.run_test(size=(80, 24)) as pilot:
        await _whole_lesson(pilot, app)
        assert _digest(real) == before
    assert _digest(real) == before  # the score included; no WAL, no lock file beside it
    # The score is kept all the same: in the store, for the lead.
    score = app.last_score
    assert score is not None and score.passed
    assert stored_scores(scores_url) == [
        {**score.to_payload(), "badge": TRAINEE, "name": TRAINEE_NAME}
    ]


def _contents(url: str) -> dict[str, list[str]]:
    """Every table's rows (sorted, as text) and every sequence's position, of the URL's
    schema (the search_path the test's URL sets)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                text(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
                    "ORDER BY table_name"
                )
            ).scalars()
            found = {
                name: sorted(
                    repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{name}"'))
                )
                for name in list(tables)
            }
            found["(sequences)"] = sorted(
                repr(tuple(row))
                for row in conn.execute(
                    text(
                        "SELECT sequencename, last_value FROM pg_sequences "
                        "WHERE schemaname = current_schema()"
                    )
                )
            )
    finally:
        engine.dispose()
    return found


@pytest.fixture
def real_pg(pg_url: str, fixtures_dir: Path) -> Iterator[str]:
    """The floor's database on PostgreSQL (skipped, saying why, without PACKSTATION_TEST_PG)."""
    db = open_database(pg_url, auto_upgrade=True)
    seed(db, fixtures_dir)
    with db.unit_of_work() as session:
        add_operator(session, badge=TRAINEE, name=TRAINEE_NAME, role="trainee", pin_hash=None)
    db.dispose()
    yield pg_url


@pytest.mark.pg
async def test_a_whole_lesson_leaves_every_table_of_a_real_postgresql_as_it_was(
    make_training: Callable[..., TrainingApp], real_pg: str, scores_url: str
) -> None:
    before = _contents(real_pg)
    assert before["orders"] and before["operators"] and before["events"]  # a floor, not empty
    app = make_training(lesson=lesson_by_ref("first_order"), real=real_pg)
    async with app.run_test(size=(80, 24)) as pilot:
        await _whole_lesson(pilot, app)
    assert _contents(real_pg) == before
    [stored] = stored_scores(scores_url)
    assert stored["badge"] == TRAINEE and stored["lesson"] == "first_order"
