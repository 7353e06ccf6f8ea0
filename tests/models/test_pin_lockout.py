"""Badge lockout: one PIN check, the wrong-PIN count, the lock, unlocks (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from packstation.config import ConfigError, PinLimits, load_config, pin_limits
from packstation.domain.pins import ScryptParams, hash_params, hash_pin, stored_params, verify_pin
from packstation.models import Event, Order
from packstation.models.db import Database
from packstation.models.lead_actions import LeadCredentials, release_order
from packstation.models.operators_repo import (
    PIN_ATTEMPTS,
    PIN_LOCK,
    PinStatus,
    check_pin,
    find_by_badge,
    kiosk_exit,
    lead_check,
    unlock_badge,
)
from packstation.models.people import Operator
from tests.station.conftest import LEAD, LEAD_PIN, PACKER

T0 = datetime(2024, 5, 31, 9, 0, tzinfo=UTC)


def _lead(db: Database) -> Operator:
    with db.sessions() as s:
        op = find_by_badge(s, LEAD)
        assert op is not None
        return op


def _kinds(db: Database, *kinds: str) -> list[str]:
    with db.sessions() as s:
        return list(
            s.scalars(select(Event.kind).where(Event.kind.in_(kinds)).order_by(Event.id)).all()
        )


def _wrong(db: Database, n: int, now: datetime = T0, **kw: object) -> list[PinStatus]:
    out = []
    for _ in range(n):
        with db.unit_of_work() as s:
            out.append(check_pin(s, LEAD, "0000", now=now, **kw).status)  # type: ignore[arg-type]
    return out


def test_defaults_agree_with_the_config() -> None:
    assert PinLimits().attempts == PIN_ATTEMPTS and PinLimits().lock_for == PIN_LOCK


def test_five_wrong_pins_lock_the_badge(station_db: Database) -> None:
    lefts = []
    for _ in range(4):
        with station_db.unit_of_work() as s:
            check = check_pin(s, LEAD, "0000", now=T0, station_id="PS-01", purpose="override")
            assert check.status is PinStatus.WRONG
            lefts.append(check.attempts_left)
    assert lefts == [4, 3, 2, 1]
    with station_db.unit_of_work() as s:
        check = check_pin(s, LEAD, "0000", now=T0)
    assert check.status is PinStatus.LOCKED and check.locked_until == T0 + timedelta(minutes=15)
    lead = _lead(station_db)
    assert lead.failed_pins == 0 and lead.locked_until == T0 + timedelta(minutes=15)
    assert _kinds(station_db, "pin.failed", "badge.locked") == ["pin.failed"] * 5 + ["badge.locked"]
    with station_db.sessions() as s:
        first = s.scalars(
            select(Event).where(Event.kind == "pin.failed").order_by(Event.id)
        ).first()
        assert first is not None
        assert first.operator_id == lead.id and first.station_id == "PS-01"
        assert first.payload["badge"] == LEAD and first.payload["purpose"] == "override"
        assert first.payload["attempt"] == 1
        assert LEAD_PIN not in str(first.payload) and "0000" not in str(first.payload)


def test_right_pin_is_refused_while_locked_then_accepted_after_the_lock(
    station_db: Database,
) -> None:
    assert _wrong(station_db, 5)[-1] is PinStatus.LOCKED
    until = T0 + timedelta(minutes=15)
    with station_db.unit_of_work() as s:
        check = check_pin(s, LEAD, LEAD_PIN, now=T0 + timedelta(minutes=14))
        assert check.status is PinStatus.LOCKED and check.locked_until == until
        assert not lead_check(s, LEAD, LEAD_PIN, now=T0 + timedelta(minutes=14)).ok
    # Attempts while locked are refused without counting (the lock is not extended).
    assert _wrong(station_db, 3, T0 + timedelta(minutes=1)) == [PinStatus.LOCKED] * 3
    assert _kinds(station_db, "pin.failed").count("pin.failed") == 5
    assert _lead(station_db).locked_until == until
    with station_db.unit_of_work() as s:
        check = check_pin(s, LEAD, LEAD_PIN, now=until)
        assert check.ok and check.attempts_left == PIN_ATTEMPTS
    lead = _lead(station_db)
    assert lead.locked_until is None and lead.failed_pins == 0


def test_a_right_pin_resets_the_count(station_db: Database) -> None:
    assert _wrong(station_db, 3) == [PinStatus.WRONG] * 3
    assert _lead(station_db).failed_pins == 3
    with station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, LEAD_PIN, now=T0).ok
    assert _lead(station_db).failed_pins == 0
    assert _wrong(station_db, 4) == [PinStatus.WRONG] * 4  # five in a row lock, not five in all
    assert _lead(station_db).locked_until is None


def test_limits_from_the_config_apply(station_db: Database) -> None:
    got = _wrong(station_db, 2, limit=2, lock_for=timedelta(seconds=30))
    assert got == [PinStatus.WRONG, PinStatus.LOCKED]
    assert _lead(station_db).locked_until == T0 + timedelta(seconds=30)


def test_the_count_survives_when_the_protected_action_rolls_back(station_db: Database) -> None:
    class Refused(Exception):
        pass

    with pytest.raises(Refused), station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, "0000", now=T0).status is PinStatus.WRONG
        s.add(Event(kind="test.rolled_back", at=T0, payload={}))
        raise Refused
    assert _lead(station_db).failed_pins == 1
    assert _kinds(station_db, "pin.failed", "test.rolled_back") == ["pin.failed"]


def test_a_refused_queue_action_still_counts(station_db: Database) -> None:
    for _ in range(PIN_ATTEMPTS):
        with pytest.raises(RuntimeError), station_db.unit_of_work() as s:
            result = release_order(s, "ORD-1001", LeadCredentials(LEAD, "0000"), "stuck", now=T0)
            assert not result.ok
            raise RuntimeError("the queue screen's transaction fails afterwards")
    assert _lead(station_db).locked_until == T0 + PIN_LOCK
    with station_db.unit_of_work() as s:
        result = release_order(s, "ORD-1001", LeadCredentials(LEAD, LEAD_PIN), "stuck", now=T0)
        assert not result.ok and result.message.key == "ui.lead.badge_locked"
        assert result.message.params["until"] == check_pin(s, LEAD, "", now=T0).until_local()
    with station_db.sessions() as s:
        denied = s.scalars(select(Event).where(Event.kind == "lead.denied")).all()
        assert [e.payload["why"] for e in denied] == ["locked"]
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "ready"


def test_count_written_with_the_caller_when_it_already_writes(station_db: Database) -> None:
    # On SQLite a caller holding the write lock gets the count in its own unit of work.
    with station_db.unit_of_work() as s:
        s.add(Event(kind="test.first", at=T0, payload={}))
        s.flush()
        assert check_pin(s, LEAD, "0000", now=T0).status is PinStatus.WRONG
    assert _lead(station_db).failed_pins == 1


def test_only_leads_are_checked_and_unknown_badges_count_nothing(station_db: Database) -> None:
    with station_db.unit_of_work() as s:
        assert check_pin(s, "NO-SUCH", "1234", now=T0).status is PinStatus.UNKNOWN
        assert lead_check(s, PACKER, "1234", now=T0).status is PinStatus.NOT_ALLOWED
        check = kiosk_exit(s, PACKER, "1234", station_id="PS-01", now=T0)
        assert check.status is PinStatus.NOT_ALLOWED
    assert _kinds(station_db, "pin.failed") == []


def test_kiosk_exit_is_audited_and_refused_when_locked(station_db: Database) -> None:
    with station_db.unit_of_work() as s:
        assert kiosk_exit(s, LEAD, LEAD_PIN, station_id="PS-02", now=T0).ok
    _wrong(station_db, 5)
    with station_db.unit_of_work() as s:
        check = kiosk_exit(s, LEAD, LEAD_PIN, station_id="PS-02", now=T0 + timedelta(minutes=1))
        assert check.status is PinStatus.LOCKED
    with station_db.sessions() as s:
        exits = s.scalars(select(Event).where(Event.kind == "kiosk.exit")).all()
    assert [(e.station_id, e.payload["badge"]) for e in exits] == [("PS-02", LEAD)]


def test_unlock_lifts_the_lock_and_is_audited(station_db: Database) -> None:
    _wrong(station_db, 5)
    with station_db.unit_of_work() as s:
        before = unlock_badge(s, LEAD, now=T0 + timedelta(minutes=1), by="admin")
        assert before.status is PinStatus.LOCKED and before.locked_until == T0 + PIN_LOCK
    with station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, LEAD_PIN, now=T0 + timedelta(minutes=2)).ok
        assert unlock_badge(s, LEAD, now=T0).status is PinStatus.OK  # nothing to lift
    with station_db.sessions() as s:
        unlocked = s.scalars(select(Event).where(Event.kind == "badge.unlocked")).all()
    assert len(unlocked) == 1 and unlocked[0].payload["by"] == "admin"


def test_security_section_of_the_config(tmp_path: Path, fixtures_dir: Path) -> None:
    assert load_config(fixtures_dir / "station-sample.toml").pin_limits == PinLimits(5, 900)
    assert load_config(None).pin_limits == PinLimits()
    assert pin_limits({"security": {"pin_attempts": 3}}) == PinLimits(3, 900)
    conf = tmp_path / "s.toml"
    conf.write_text("[security]\npin_attempts = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="security.pin_attempts"):
        load_config(conf)
    with pytest.raises(ConfigError, match="security.pin_lock_s"):
        pin_limits({"security": {"pin_lock_s": "15m"}})


def test_the_last_allowed_attempt_with_the_right_pin_is_accepted(station_db: Database) -> None:
    # The last attempt locks the badge before hashing (so racing stations find it locked);
    # when its PIN is right, that lock is lifted again.
    assert _wrong(station_db, PIN_ATTEMPTS - 1) == [PinStatus.WRONG] * (PIN_ATTEMPTS - 1)
    with station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, LEAD_PIN, now=T0).ok
    lead = _lead(station_db)
    assert lead.locked_until is None and lead.failed_pins == 0
    with station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, LEAD_PIN, now=T0, limit=1).ok  # every attempt is the last
    assert _lead(station_db).locked_until is None
    assert _kinds(station_db, "badge.locked") == []


def test_a_weaker_hash_is_replaced_after_the_right_pin(station_db: Database) -> None:
    weak = ScryptParams(n=2**9)
    assert not weak.at_least(hash_params())
    with station_db.unit_of_work() as s:
        s.execute(
            update(Operator)
            .where(Operator.badge == LEAD)
            .values(pin_hash=hash_pin(LEAD_PIN, params=weak))
        )
    assert _wrong(station_db, 1) == [PinStatus.WRONG]
    assert stored_params(_lead(station_db).pin_hash) == weak  # a wrong PIN changes nothing
    with station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, LEAD_PIN, now=T0).ok
    stored = _lead(station_db).pin_hash
    assert stored_params(stored) == hash_params() and verify_pin(LEAD_PIN, stored)
    with station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, LEAD_PIN, now=T0).ok
    assert _lead(station_db).pin_hash == stored  # current parameters: kept as it is
