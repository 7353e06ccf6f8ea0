"""`packstation audit` and `packstation operators unlock` (SQLite and PostgreSQL)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from packstation.cli import main
from packstation.cli.audit_cmd import parse_when
from packstation.clock import utcnow
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, OverrideReason, PickReason, PinEntry
from packstation.domain.workflow import ScaleReading as Reading
from packstation.models.db import Database
from packstation.models.lead_actions import LeadCredentials, set_priority
from packstation.models.operators_repo import PinStatus, check_pin
from tests.station.conftest import LEAD, LEAD_PIN, PACKER, SyncRunner


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def audited(station_db: Database, rules: PackRules, tmp_path: Path) -> Database:
    """Three days ago: a priority change and a wrong PIN. Now: a login and a weight override."""
    old = utcnow() - timedelta(days=3)
    with station_db.unit_of_work() as s:
        lead = LeadCredentials(LEAD, LEAD_PIN)
        assert set_priority(s, "ORD-1005", lead, 1, "customer called", now=old).ok
    with station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, "0000", now=old, purpose="release").status is PinStatus.WRONG
    station = SyncRunner(station_db, rules, tmp_path / "spool")
    try:
        station.scan(PACKER)
        station.scan("ORD-1003")
        for code in ("4609998887776", "4601112223330", "BOX:S"):
            station.scan(code)
        station.do(Reading(Decimal(900), stable=True))
        station.do(Key(Action.LEAD))
        station.scan(LEAD)
        station.do(PinEntry(LEAD_PIN))
        result = station.do(PickReason(OverrideReason.OTHER, "wet box, weighed twice"))
        assert result.outcome is not None and result.outcome.ok, result.outcome
    finally:
        station.stop()
    return station_db


def test_table_lists_the_override_with_both_identities_and_the_reason(
    capsys: pytest.CaptureFixture[str], audited: Database, db_url: str
) -> None:
    code, out, err = run(capsys, "audit", "--db", db_url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["TIME", "KIND", "STATION", "ORDER", "REASON"]
    at = next(i for i, line in enumerate(lines) if "override.weight" in line)
    assert "PS-01" in lines[at] and "ORD-1003" in lines[at]
    assert "other: wet box, weighed twice" in lines[at]
    assert f"packer {PACKER} Анна К." in lines[at + 1]
    assert f"lead {LEAD} Мария Л." in lines[at + 1]
    assert any("session.login" in line for line in lines)
    priority = next(line for line in lines if "lead.priority" in line)
    assert "priority 2 -> 1: customer called" in priority
    assert any("pin.failed" in line and "release: wrong PIN #1" in line for line in lines)
    assert all(len(line) <= 80 for line in lines[:2])
    assert lines[-1].endswith("entries")


def test_json_lines_carry_both_identities_and_since_filters(
    capsys: pytest.CaptureFixture[str], audited: Database, db_url: str
) -> None:
    code, out, _ = run(capsys, "audit", "--json", "--db", db_url)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    override = next(r for r in rows if r["kind"] == "override.weight")
    assert override["packer"]["badge"] == PACKER and override["packer"]["name"] == "Анна К."
    assert override["lead"]["badge"] == LEAD and override["lead"]["name"] == "Мария Л."
    assert override["order"] == "ORD-1003" and override["station"] == "PS-01"
    assert override["payload"]["note"] == "wet box, weighed twice"
    assert "wet box" in override["reason"]
    kinds = [r["kind"] for r in rows]
    assert {"lead.priority", "pin.failed", "session.login", "override.weight"} <= set(kinds)
    assert "scan.accepted" not in kinds and "order.claimed" not in kinds
    times = [datetime.fromisoformat(r["at"]) for r in rows]
    assert times == sorted(times)

    code, out, _ = run(capsys, "audit", "--json", "--since", "2d", "--db", db_url)
    recent = {json.loads(line)["kind"] for line in out.splitlines()}
    assert code == 0 and "override.weight" in recent
    assert "lead.priority" not in recent and "pin.failed" not in recent
    since = (utcnow() - timedelta(days=4)).date().isoformat()
    code, out, _ = run(capsys, "audit", "--json", "--since", since, "--db", db_url)
    assert {json.loads(line)["kind"] for line in out.splitlines()} >= {"lead.priority"}
    code, out, _ = run(capsys, "audit", "--since", "1h", "--until", "30m", "--db", db_url)
    assert code == 0 and out.strip() == "nothing to list"


def test_paging_reads_everything_once(audited: Database) -> None:
    from packstation.models.audit_repo import audit_entries

    with audited.sessions() as s:
        whole = [e.id for e in audit_entries(s)]
        paged = [e.id for e in audit_entries(s, page=2)]
    assert paged == whole and len(whole) == len(set(whole)) >= 4


def test_unlock_command_lifts_the_lock_and_shows_in_the_audit(
    capsys: pytest.CaptureFixture[str], station_db: Database, db_url: str
) -> None:
    for _ in range(5):
        with station_db.unit_of_work() as s:
            check_pin(s, LEAD, "0000", now=utcnow())
    code, out, _ = run(capsys, "operators", "list", "--db", db_url)
    assert "[locked until" in next(line for line in out.splitlines() if LEAD in line)
    code, out, err = run(capsys, "operators", "unlock", LEAD, "--db", db_url)
    assert code == 0, err
    assert out.startswith("unlocked Мария Л. (badge BADGE-LEAD-01): was locked until")
    code, out, _ = run(capsys, "operators", "unlock", LEAD, "--db", db_url)
    assert code == 0 and "not locked" in out
    code, out, err = run(capsys, "operators", "unlock", "NO-SUCH", "--db", db_url)
    assert code == 1 and "NO-SUCH" in err and len(err.strip().splitlines()) == 1
    with station_db.unit_of_work() as s:
        assert check_pin(s, LEAD, LEAD_PIN, now=utcnow()).ok
    code, out, _ = run(capsys, "audit", "--json", "--db", db_url)
    kinds = [json.loads(line)["kind"] for line in out.splitlines()]
    assert kinds.count("pin.failed") == 5
    assert kinds.index("badge.locked") < kinds.index("badge.unlocked")


def test_since_accepts_relative_and_iso_forms() -> None:
    now = datetime(2024, 5, 31, 12, 0, tzinfo=UTC)
    assert parse_when("8h", now=now) == now - timedelta(hours=8)
    assert parse_when("2d", now=now) == now - timedelta(days=2)
    assert parse_when(" 30m ", now=now) == now - timedelta(minutes=30)
    assert parse_when("1w", now=now) == now - timedelta(weeks=1)
    assert parse_when("today", now=now) == datetime(2024, 5, 31, tzinfo=UTC)
    assert parse_when("2024-05-31T08:00+03:00") == datetime(2024, 5, 31, 5, 0, tzinfo=UTC)
    local = parse_when("2024-05-31")
    assert local.tzinfo is not None and (local.hour, local.minute) == (0, 0)
    with pytest.raises(argparse.ArgumentTypeError, match="8h"):
        parse_when("yesterday-ish")


def test_bad_since_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["audit", "--since", "soon"])
    assert exc.value.code == 2


@pytest.fixture
def skipped_and_cancelled(station_db: Database, rules: PackRules, tmp_path: Path) -> Database:
    """Issue 5: a lead lets the packer skip a check, then cancels the started order."""
    station = SyncRunner(station_db, rules, tmp_path / "spool")
    try:
        station.scan(PACKER)
        station.scan("ORD-1001")
        for code in ("4601234567893", "4601234567893", "4607654321015", "046000001234", "BOX:M"):
            station.scan(code)
        station.do(Reading(Decimal(1060), stable=True))
        for action, reason, note in (
            (Action.LEAD, OverrideReason.MATERIALS_MISSING, ""),
            (Action.CANCEL, OverrideReason.OTHER, "customer phoned"),
        ):
            station.do(Key(action))
            station.scan(LEAD)
            station.do(PinEntry(LEAD_PIN))
            result = station.do(PickReason(reason, note))
            assert result.outcome is not None and result.outcome.ok, result.outcome
    finally:
        station.stop()
    return station_db


def test_skipped_check_and_cancel_show_the_reason_and_both_identities(
    capsys: pytest.CaptureFixture[str], skipped_and_cancelled: Database, db_url: str
) -> None:
    code, out, err = run(capsys, "audit", "--db", db_url)
    assert code == 0, err
    lines = out.splitlines()
    people = f"packer {PACKER} Анна К. / lead {LEAD} Мария Л."
    at = next(i for i, line in enumerate(lines) if "override.check" in line)
    assert "PS-01" in lines[at] and "ORD-1001" in lines[at]
    assert "materials_missing (skipped: Box undamaged and clean)" in lines[at]
    assert lines[at + 1].strip() == people
    at = next(i for i, line in enumerate(lines) if "order.released" in line)
    assert "cancel at the station: other: customer phoned" in lines[at]
    assert lines[at + 1].strip() == people

    code, out, _ = run(capsys, "audit", "--json", "--db", db_url)
    rows = {r["kind"]: r for r in map(json.loads, out.splitlines())}
    for kind in ("override.check", "order.released"):
        row = rows[kind]
        assert (row["packer"]["badge"], row["packer"]["name"]) == (PACKER, "Анна К.")
        assert (row["lead"]["badge"], row["lead"]["name"]) == (LEAD, "Мария Л.")
        assert row["order"] == "ORD-1001" and row["station"] == "PS-01"
    assert rows["override.check"]["payload"]["text"] == "Box undamaged and clean"
    assert rows["order.released"]["payload"]["note"] == "customer phoned"


def test_shift_report_counts_a_skipped_check_as_an_override(
    skipped_and_cancelled: Database,
) -> None:
    from packstation.models.reports_repo import shift_report

    with skipped_and_cancelled.sessions() as s:
        report = shift_report(s, utcnow() - timedelta(hours=1))
    [row] = report.rows
    assert (row.station_id, row.packer, row.overrides) == ("PS-01", "Анна К.", 1)


def test_carrier_override_shows_the_tariff_and_both_identities(
    capsys: pytest.CaptureFixture[str], station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    station = SyncRunner(station_db, rules, tmp_path / "spool")
    try:
        station.scan(PACKER)
        station.scan("ORD-1001")
        for code in ("4601234567893", "4601234567893", "4607654321015", "046000001234", "BOX:M"):
            station.scan(code)
        state = station.do(Reading(Decimal(1060), stable=True)).state
        while state.next_check is not None:
            state = station.scan("CMD:OK").state
        station.scan("DOC:INVOICE:ORD-1001")
        station.scan("TARIFF:RUSSIAN-POST:PARCEL")
        station.scan(LEAD)
        station.do(PinEntry(LEAD_PIN))
        result = station.do(PickReason(OverrideReason.CUSTOMER_REQUEST, "buyer asked"))
        assert result.outcome is not None and result.outcome.ok, result.outcome
    finally:
        station.stop()
    url = str(station_db.engine.url.render_as_string(hide_password=False))
    code, out, err = run(capsys, "audit", "--db", url)
    assert code == 0, err
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "override.carrier" in line)
    assert "customer_request: buyer asked (carrier RUSSIAN-POST/PARCEL)" in lines[at]
    assert lines[at + 1].strip() == f"packer {PACKER} Анна К. / lead {LEAD} Мария Л."
    with station_db.sessions() as s:
        from packstation.models.reports_repo import shift_report

        [row] = shift_report(s, utcnow() - timedelta(hours=1)).rows
    assert row.overrides == 1
