"""Training leaves the real database as it was, but for one score row per lesson.

The real file is read when the sandbox is made (catalogue and badges) and written once, at
the lesson's end: one `training.scored` event. So: its bytes do not change while the
lesson runs; afterwards every table is as before, and `events` has exactly the score row
more. Nothing else appears beside it (no station lock file, no labels)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from packstation.screens.training_app import TrainingApp
from packstation.training.lessons import lesson_by_ref
from tests.training.conftest import TRAINEE, scan, wait_until
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


def _tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(path)) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        found = {name: conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
                 for name in names}  # fmt: skip
    found["sqlite_master"] = schema
    return found


async def test_training_changes_nothing_in_the_real_database_but_its_score(
    make_training: Callable[..., TrainingApp], real_url: str, tmp_path: Path
) -> None:
    real = _path(real_url)
    before = tmp_path / "before.db"
    shutil.copyfile(real, before)
    bytes_before = _digest(real)
    app = make_training(lesson=lesson_by_ref("first_order"))  # picked on the command line
    assert _digest(real) == bytes_before  # the sandbox was made by reading only
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, TRAINEE)
        await wait_until(pilot, lambda: app.coach is not None)
        await pilot.pause()
        # Every step but the last label scan: the lesson is on, nothing written yet.
        await follow(pilot, app, lambda: app.state.parcel is not None)
        assert _digest(real) == bytes_before
        last = screen_code(app)
        assert last is not None
        await scan(pilot, last)
        await wait_until(pilot, lambda: app.scores_saved == 1)
    assert app.last_score is not None and app.last_score.passed
    assert sorted(p.name for p in real.parent.iterdir() if p.name.startswith(real.name)) == [
        real.name
    ]  # no station lock file, no WAL left: the score's connection is closed
    after, was = _tables(real), _tables(before)
    events_after, events_before = after.pop("events"), was.pop("events")
    assert after == was  # orders, lines, stock of codes, operators, stations, outbox...
    assert events_after[: len(events_before)] == events_before
    [added] = events_after[len(events_before) :]
    with closing(sqlite3.connect(real)) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM events WHERE id = ?", (added[0],)).fetchone()
        trainee_id = conn.execute(
            "SELECT id FROM operators WHERE badge = ?", (TRAINEE,)
        ).fetchone()[0]
    assert row["kind"] == "training.scored"
    assert row["operator_id"] == trainee_id and row["station_id"] == "PS-T1"
    assert row["order_id"] is None
    payload = json.loads(row["payload"])
    assert payload == {"badge": TRAINEE, **app.last_score.to_payload()}
