"""Wrong lead PINs in the runner's transaction count towards the badge lockout, on SQLite and
PostgreSQL (the count commits on its own connection beside the runner's open transaction)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from packstation.config import PinLimits
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, PinEntry, ScaleReading, Step
from packstation.models import Event
from packstation.models.db import Database
from packstation.models.operators_repo import find_by_badge
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, SyncRunner


def test_wrong_pins_lock_the_badge_and_the_right_one_is_then_refused(
    station: SyncRunner, station_db: Database
) -> None:
    station.scan(PACKER)
    station.scan("ORD-1003")
    for code in ("4609998887776", "4601112223330", "BOX:S"):
        station.scan(code)
    assert station.do(ScaleReading(Decimal(900), stable=True)).state.weight_blocked
    keys: list[str] = []
    for pins in (["0000"] * 3, ["0000"] * 2, [LEAD_PIN]):
        station.do(Key(Action.LEAD))
        assert station.scan(LEAD).state.step is Step.OVERRIDE_PIN
        for pin in pins:
            result = station.do(PinEntry(pin))
            assert result.outcome is not None and not result.outcome.ok
            keys.append(result.outcome.message.key)
    assert keys[-2:] == ["override.badge_locked", "override.badge_locked"]
    assert keys[:3] == ["override.wrong_pin", "override.wrong_pin", "override.too_many"]
    with station_db.sessions() as s:
        lead = find_by_badge(s, LEAD)
        assert lead is not None and lead.locked_until is not None
        kinds = s.scalars(select(Event.kind).where(Event.kind.like("%.%"))).all()
        reasons = s.scalars(
            select(Event.payload).where(Event.kind == "override.denied").order_by(Event.id)
        ).all()
    assert kinds.count("pin.failed") == 5 and kinds.count("badge.locked") == 1
    assert [r["reason"] for r in reasons] == ["wrong_pin"] * 4 + ["locked"] * 2


def test_the_configured_limit_applies_at_the_station(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    """`[security] pin_attempts = 2`: the second wrong PIN locks the badge."""
    station = SyncRunner(
        station_db, rules, tmp_path / "spool", pin_limits=PinLimits(attempts=2, lock_s=60)
    )
    try:
        station.scan(PACKER)
        station.scan("ORD-1003")
        for code in ("4609998887776", "4601112223330", "BOX:S"):
            station.scan(code)
        assert station.do(ScaleReading(Decimal(900), stable=True)).state.weight_blocked
        station.do(Key(Action.LEAD))
        station.scan(LEAD)
        station.do(PinEntry("0000"))
        station.do(PinEntry("0000"))
    finally:
        station.stop()
    with station_db.sessions() as s:
        lead = find_by_badge(s, LEAD)
        assert lead is not None and lead.locked_until is not None
        locked = lead.locked_until.replace(tzinfo=None) - datetime.now(UTC).replace(tzinfo=None)
    assert timedelta(seconds=50) < locked <= timedelta(seconds=60)
