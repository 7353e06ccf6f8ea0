"""The trainee restriction at a real station, and the lead's "ready" that lifts it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.domain.rules import PackRules
from packstation.models import Event
from packstation.models.audit_repo import audit_entries
from packstation.models.db import Database, open_database
from packstation.models.lead_actions import LeadCredentials
from packstation.models.people import Operator
from packstation.models.training_repo import READY_KIND, SCORE_KIND, mark_ready
from packstation.training.store import ScoresStore, trainee_rows
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, SyncRunner
from tests.training.conftest import TRAINEE, TRAINEE_NAME

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def real(real_url: str) -> Iterator[Database]:
    db = open_database(real_url)
    yield db
    db.dispose()


def _role(db: Database, badge: str) -> str:
    with db.sessions() as session:
        role = session.scalar(select(Operator.role).where(Operator.badge == badge))
    assert role is not None
    return role


def _ready(
    db: Database,
    badge: str,
    lead: str,
    pin: str,
    note: str = "5 lessons passed",
    scored: bool = False,
) -> str:
    with db.unit_of_work() as session:
        credentials = LeadCredentials(lead, pin)
        result = mark_ready(session, badge, credentials, note, now=NOW, scored=scored)
    return result.message.key


def test_a_trainee_is_refused_at_a_real_station_until_a_lead_marks_them_ready(
    real: Database, rules: PackRules, tmp_path: Path
) -> None:
    station = SyncRunner(real, rules, tmp_path / "spool")
    try:
        refused = station.scan(TRAINEE)
        assert refused.outcome is not None and not refused.outcome.ok
        assert refused.outcome.message.key == "login.trainee"
        assert refused.state.operator is None  # no session, no order for them
    finally:
        station.stop()
    # Only a lead, with the right PIN and a note, and each refusal audited.
    assert _ready(real, TRAINEE, LEAD, "9999") == "queue.denied.pin"
    assert _ready(real, TRAINEE, PACKER, "") == "queue.denied.role"
    assert _ready(real, TRAINEE, LEAD, LEAD_PIN, note=" ") == "queue.reason_required"
    assert _role(real, TRAINEE) == "trainee"
    assert _ready(real, TRAINEE, LEAD, LEAD_PIN) == "training.ready.done"
    assert _role(real, TRAINEE) == "packer"
    assert _ready(real, TRAINEE, LEAD, LEAD_PIN) == "training.ready.not_trainee"
    assert _ready(real, "NO-SUCH", LEAD, LEAD_PIN) == "training.ready.unknown"
    with real.sessions() as session:
        [entry] = [e for e in audit_entries(session) if e.kind == "lead.trainee_ready"]
        denied = [e.reason for e in audit_entries(session) if e.kind == "lead.denied"]
    assert entry.packer is not None and entry.packer.badge == TRAINEE
    assert entry.lead is not None and entry.lead.badge == LEAD
    assert entry.reason == "5 lessons passed"
    assert denied == ["trainee_ready: wrong_pin", "trainee_ready: not_a_lead"]
    station = SyncRunner(real, rules, tmp_path / "spool")
    try:
        welcomed = station.scan(TRAINEE)
        assert welcomed.outcome is not None and welcomed.outcome.message.key == "login.ok"
        assert welcomed.state.operator is not None and welcomed.state.operator.role == "packer"
    finally:
        station.stop()


def test_the_trainees_list_has_the_stores_scores_and_readiness(
    real: Database, scores_url: str
) -> None:
    payload = {"lesson": "first_order", "units": 2, "passed": True}
    store = ScoresStore(scores_url)
    try:
        store.save(badge=TRAINEE, name="Пётр", station_id="PS-T1", payload=payload, at=NOW)
        with real.sessions() as session:
            [row] = trainee_rows(session, store)
        assert (row.badge, row.name, row.role, row.ready_at) == (
            TRAINEE, TRAINEE_NAME, "trainee", None
        )  # fmt: skip
        # Who it is comes from the real database (its name there); the score from the store.
        assert [dict(s.payload) for s in row.scores] == [
            {**payload, "badge": TRAINEE, "name": "Пётр"}
        ]
        assert _ready(real, TRAINEE, LEAD, LEAD_PIN, scored=True) == "training.ready.done"
        with real.sessions() as session:
            [row] = trainee_rows(session, store)  # still listed (trained, scored), now a packer
            kinds = session.scalars(select(Event.kind).order_by(Event.id)).all()
            [ready] = session.scalars(select(Event).where(Event.kind == READY_KIND)).all()
    finally:
        store.close()
    assert (row.role, row.ready_at, row.ready_by) == ("packer", NOW, "Мария Л.")
    assert "training.scored" not in kinds  # nothing of training in the real database
    assert kinds[-1] == "lead.trainee_ready" and ready.payload["scored"] is True


def test_scores_an_earlier_version_wrote_into_the_real_database_are_still_read(
    real: Database, scores_url: str
) -> None:
    """Before the store, a score was a `training.scored` event in the real database (the
    trainee as operator_id, the badge in the payload): read beside the store's."""
    old = {"badge": TRAINEE, "lesson": "defects", "units": 3, "passed": False}
    with real.unit_of_work() as session:
        trainee = session.scalar(select(Operator).where(Operator.badge == TRAINEE))
        assert trainee is not None
        session.add(
            Event(kind=SCORE_KIND, at=NOW, station_id="PS-T1", operator_id=trainee.id, payload=old)
        )
    new = {"lesson": "first_order", "units": 2, "passed": True}
    store = ScoresStore(scores_url)
    try:
        later = NOW + timedelta(hours=1)
        store.save(badge=TRAINEE, name=TRAINEE_NAME, station_id="PS-T1", payload=new, at=later)
        with real.sessions() as session:
            [row] = trainee_rows(session, store)
            legacy_only = trainee_rows(session, ScoresStore(scores_url + ".none"))
    finally:
        store.close()
    assert [(s.payload["lesson"], s.name) for s in row.scores] == [
        ("defects", TRAINEE_NAME),  # named through operator_id, as it was written
        ("first_order", TRAINEE_NAME),
    ]
    assert [len(r.scores) for r in legacy_only] == [1]  # a store not made yet: no scores
    assert not Path(scores_url.removeprefix("sqlite:///") + ".none").exists()  # nor made
