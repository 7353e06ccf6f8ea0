"""The lead's queue: a training column in the stations table, for the operator at each
station (lessons passed of all, "trainee" or "ready"), read by the queue's feed thread from
the training scores store and the real database; at 80 columns it is left out, as the
orders table leaves columns out, and the screen still fits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from packstation.models import Operator, Station
from packstation.models.db import Database, open_database
from packstation.models.lead_actions import LeadCredentials
from packstation.models.operators_repo import add_operator
from packstation.models.training_repo import mark_ready
from packstation.screens.queue_app import QueueApp, QueueSetup
from packstation.training.scoring import FaultResult, LessonScore
from packstation.training.store import ScoresStore
from tests.models.test_queue_repo import LEAD, LEAD_PIN, NOW, PACKER, SHIFT, seed_floor
from tests.screens.test_fit_80x24 import cut_offs
from tests.screens.test_queue_app import cell
from tests.training.conftest import wait_until

TRAINEE = "BADGE-TRN-09"


@pytest.fixture
def floor(sqlite_url: str, fixtures_dir: Path) -> Iterator[Database]:
    """The queue's floor; its packer (PS-01) trained and was marked ready by the lead, a
    trainee is still logged in at PS-02, the lead (never in training) at PS-03."""
    db = open_database(sqlite_url)
    seed_floor(db, fixtures_dir)
    with db.unit_of_work() as s:
        s.execute(update(Operator).where(Operator.badge == PACKER).values(role="trainee"))
        trainee = add_operator(s, badge=TRAINEE, name="Олег С.", role="trainee", pin_hash=None)
        lead = s.scalar(select(Operator.id).where(Operator.badge == LEAD))
        s.execute(update(Station).where(Station.id == "PS-02").values(operator_id=trainee.id))
        s.execute(update(Station).where(Station.id == "PS-03").values(operator_id=lead))
    with db.unit_of_work() as s:
        ready = mark_ready(s, PACKER, LeadCredentials(LEAD, LEAD_PIN), "passed", now=NOW)
        assert ready.ok
    yield db
    db.dispose()


def _save(store: ScoresStore, badge: str, lesson: str, passed: bool, minutes: int) -> None:
    at = NOW - timedelta(minutes=minutes)
    faults = () if passed else (FaultResult("wrong_item", "TRN-1-1", False, "not handled"),)
    score = LessonScore(lesson, at - timedelta(minutes=3), at, 3, {}, faults)
    store.save(badge=badge, name="", station_id="PS-T1", payload=score.to_payload(), at=at)


@pytest.fixture
def make_queue(floor: Database) -> Callable[..., QueueApp]:
    def make(scores: str, locale: str = "en") -> QueueApp:
        setup = QueueSetup(
            db=floor,
            locale=locale,
            refresh_s=0.2,
            clock=lambda: NOW,
            shift_start=lambda now: SHIFT,
            training_scores=scores,
        )
        return QueueApp(setup)

    return make


def _column(app: QueueApp) -> dict[str, Any]:
    table = app.queue_screen.stations
    return {key: cell(table, key, "training") for key in table.keys}


async def test_the_stations_table_shows_each_operators_training(
    make_queue: Callable[..., QueueApp], floor: Database, scores_url: str
) -> None:
    store = ScoresStore(scores_url)
    _save(store, PACKER, "first_order", True, 90)
    _save(store, PACKER, "defects", False, 80)
    _save(store, PACKER, "marked_goods", True, 70)
    _save(store, PACKER, "first_order", True, 60)  # again: still one lesson passed
    _save(store, TRAINEE, "first_order", True, 50)
    app = make_queue(scores_url)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            screen = app.queue_screen
            await wait_until(pilot, lambda: screen.renders >= 1)
            await pilot.pause()
            assert _column(app) == {"PS-01": "2/5 ready", "PS-02": "1/5 trainee", "PS-03": "-"}
            assert cut_offs(app) == []
            # A lesson passed at a training station: the store has it, the real database
            # not; the column follows with the stations' next read (a heartbeat here).
            _save(store, PACKER, "defects", True, 10)
            with floor.unit_of_work() as s:
                beat = NOW - timedelta(seconds=1)
                s.execute(update(Station).where(Station.id == "PS-01").values(heartbeat_at=beat))
            await wait_until(pilot, lambda: _column(app)["PS-01"] == "3/5 ready")
    finally:
        store.close()


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_at_80_columns_the_training_column_is_left_out_and_all_fits(
    make_queue: Callable[..., QueueApp], scores_url: str, locale: str
) -> None:
    app = make_queue(scores_url, locale)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.queue_screen
        await wait_until(pilot, lambda: screen.renders >= 1)
        await pilot.pause()
        assert "training" not in [c.key for c in screen.stations.ordered_columns]
        assert cut_offs(app) == []
        await pilot.resize_terminal(120, 30)  # wider: the column is back
        await wait_until(pilot, lambda: "training" in screen.station_columns)
        await pilot.pause()
        label, ready, trainee = {
            "en": ("Training", "ready", "trainee"),
            "ru": ("Обучение", "допущен", "стажёр"),
        }[locale]
        assert label in [c.label.plain for c in screen.stations.ordered_columns]
        assert _column(app) == {"PS-01": f"0/5 {ready}", "PS-02": f"0/5 {trainee}", "PS-03": "-"}
        assert cut_offs(app) == []


async def test_a_store_that_cannot_be_read_shows_a_question_mark_not_a_dead_floor(
    make_queue: Callable[..., QueueApp], tmp_path: Path
) -> None:
    broken = tmp_path / "scores.db"
    broken.write_bytes(b"this is not a database" * 100)
    app = make_queue(f"sqlite:///{broken}")
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.queue_screen
        await wait_until(pilot, lambda: screen.renders >= 1)
        await pilot.pause()
        assert _column(app) == {"PS-01": "?", "PS-02": "?", "PS-03": "?"}
        assert cell(screen.stations, "PS-01", "heartbeat") == "5s ago"  # the floor is there
        assert screen.error is None
