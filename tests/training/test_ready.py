"""The trainee restriction at a real station, and the lead's "ready" that lifts it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.domain.rules import PackRules
from packstation.models import Event
from packstation.models.audit_repo import audit_entries
from packstation.models.db import Database, open_database
from packstation.models.lead_actions import LeadCredentials
from packstation.models.people import Operator
from packstation.models.training_repo import mark_ready, record_score, trainees
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


def _ready(db: Database, badge: str, lead: str, pin: str, note: str = "5 lessons passed") -> str:
    with db.unit_of_work() as session:
        result = mark_ready(session, badge, LeadCredentials(lead, pin), note, now=NOW)
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


def test_the_trainees_list_has_scores_and_readiness(real: Database) -> None:
    payload = {"lesson": "first_order", "units": 2, "passed": True}
    with real.unit_of_work() as session:
        assert record_score(session, badge=TRAINEE, station_id="PS-T1", payload=payload, at=NOW)
        assert (
            record_score(session, badge="NO-SUCH", station_id="PS-T1", payload={}, at=NOW) is None
        )
    with real.sessions() as session:
        [row] = trainees(session)
    assert (row.badge, row.name, row.role, row.ready_at) == (TRAINEE, TRAINEE_NAME, "trainee", None)
    assert [dict(s.payload) for s in row.scores] == [{"badge": TRAINEE, **payload}]
    _ready(real, TRAINEE, LEAD, LEAD_PIN)
    with real.sessions() as session:
        [row] = trainees(session)  # still listed (trained, with scores), now a packer
        kinds = session.scalars(select(Event.kind).order_by(Event.id)).all()
    assert (row.role, row.ready_at, row.ready_by) == ("packer", NOW, "Мария Л.")
    assert kinds[-2:] == ["training.scored", "lead.trainee_ready"]
