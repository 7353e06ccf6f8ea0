"""The lead's trainees view on the queue screen (`t`): the training columns (scores from the
training scores store, found by the environment here), and "ready" with badge + PIN;
everything fits 80x24 in English and Russian."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from packstation.models import Event
from packstation.models.db import open_database
from packstation.models.people import Operator
from packstation.screens.queue_app import QueueApp, QueueScreen, QueueSetup
from packstation.screens.trainees import ReadyScreen, TraineesScreen
from packstation.training.scoring import FaultResult, LessonScore
from packstation.training.store import ScoresStore
from packstation.widgets.queue_table import KeyedTable
from tests.screens.test_fit_80x24 import cut_offs
from tests.station.conftest import LEAD, LEAD_PIN
from tests.training.conftest import TRAINEE, TRAINEE_NAME, wait_until

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _score(scores_url: str) -> None:
    right = FaultResult("scale", "TRN-1-1", True, "reason:scale")
    score = LessonScore("weight_problems", NOW - timedelta(minutes=5), NOW, 5, {"refused": 1},
                        (right,))  # fmt: skip
    store = ScoresStore(scores_url)
    store.save(badge=TRAINEE, name=TRAINEE_NAME, station_id="PS-T1", payload=score.to_payload(),
               at=NOW)  # fmt: skip
    store.close()


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_trainees_view_and_ready(real_url: str, scores_url: str, locale: str) -> None:
    _score(scores_url)
    app = QueueApp(QueueSetup(db=real_url, locale=locale, refresh_s=0.2, clock=lambda: NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        queue = app.queue_screen
        await wait_until(pilot, lambda: queue.renders > 0)
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, TraineesScreen)
        await wait_until(pilot, lambda: screen.reads == 1)
        await pilot.pause()
        table = screen.query_one(KeyedTable)
        assert table.keys == [TRAINEE]
        name, status, lessons, passed, spu, errors, faults = (c[0] for c in table.rows[TRAINEE])
        assert (name, lessons, passed, spu, errors, faults) == (
            TRAINEE_NAME, "1", "1/5", "60", "1", "1/1"
        )  # fmt: skip
        assert status == ("trainee" if locale == "en" else "стажёр")
        assert cut_offs(app) == []
        # A wrong PIN first: refused, and nothing changes.
        await pilot.press("y")
        assert isinstance(app.screen, ReadyScreen)
        assert cut_offs(app) == []
        await pilot.press(*LEAD, "enter", *"0000", "enter", *"ok", "enter")
        await wait_until(pilot, lambda: screen.answers == 1)
        await pilot.press("y")
        await pilot.press(*LEAD, "enter", *LEAD_PIN, "enter", *"5 lessons", "enter")
        await wait_until(pilot, lambda: screen.answers == 2 and screen.reads == 3)
        await pilot.pause()
        assert table.rows[TRAINEE][1][1] == "green"  # "ready 26.11"
        assert "26.11" in table.rows[TRAINEE][1][0]
        assert cut_offs(app) == []
        await pilot.press("q")
        assert isinstance(app.screen, QueueScreen)
    db = open_database(real_url)
    with db.sessions() as session:
        role = session.scalar(select(Operator.role).where(Operator.badge == TRAINEE))
        ready = session.scalar(select(Event.payload).where(Event.kind == "lead.trainee_ready"))
    db.dispose()
    assert role == "packer"
    assert ready is not None and ready["scored"] is True  # the lead saw the store's lesson
