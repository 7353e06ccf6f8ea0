from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, ScaleReading, Step
from packstation.models import Event, MarkingCode, Order, Parcel
from packstation.models.db import Database
from tests.station.conftest import PACKER, SyncRunner


def pack_ord_1001_to_label(st: SyncRunner) -> str:
    assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
    assert st.scan("ORD-1001").state.step is Step.ITEMS
    for code in ("4601234567893", "4601234567893", "4607654321015", "046000001234"):
        result = st.scan(code)
        assert result.outcome is not None and result.outcome.ok, result.outcome
    assert st.scan("BOX:M").state.step is Step.WEIGHT
    expected = Decimal(2 * 320 + 110 + 95 + 210)
    result = st.do(ScaleReading(expected + 5, stable=True))
    assert result.state.step is Step.CHECKS, result.outcome
    while result.state.step is Step.CHECKS and result.state.next_check is not None:
        result = st.do(Key(Action.OK))
    result = st.scan("DOC:INVOICE:ORD-1001")
    assert result.state.step is Step.LABEL, result.outcome
    assert result.printed is not None
    return result.printed


def test_whole_order_is_committed_and_printed(
    station: SyncRunner, station_db: Database, tmp_path: Path
) -> None:
    parcel_id = pack_ord_1001_to_label(station)
    label = (tmp_path / "spool" / f"{parcel_id}.zpl").read_text(encoding="utf-8")
    assert f"^FD{parcel_id}^FS" in label
    assert "^FD[FRAGILE]^FS" in label  # the mug is fragile: the handling mark is printed
    result = station.scan(parcel_id)
    assert result.outcome is not None and result.outcome.ok
    with station_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "packed" and order.station_id is None
        parcel = s.get(Parcel, parcel_id)
        assert parcel is not None and parcel.status == "confirmed"
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1001")).all()
    assert kinds.count("scan.accepted") == 4
    assert {
        "order.claimed",
        "box.chosen",
        "weight.accepted",
        "label.printed",
        "label.confirmed",
        "order.packed",
    } <= set(kinds)


def test_restart_resumes_same_order_step_and_counts(
    station: SyncRunner, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    station.scan(PACKER)
    station.scan("ORD-1001")
    station.scan("4601234567893")
    station.scan("4607654321015")
    before = station.results[-1].state
    station.stop()
    again = SyncRunner(station_db, rules, tmp_path / "spool2")
    try:
        resumed = again.results[0]
        assert resumed.recovered
        assert resumed.state.durable() == before.durable()
        assert resumed.state.units_packed == 2 and resumed.state.step is Step.ITEMS
    finally:
        again.stop()


def test_second_station_cannot_claim_a_held_order(
    station: SyncRunner, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    station.scan(PACKER)
    station.scan("ORD-1001")
    other = SyncRunner(station_db, rules, tmp_path / "spool2", station="PS-02")
    try:
        other.scan("BADGE-LEAD-01")
        result = other.scan("ORD-1001")
        assert result.outcome is not None and not result.outcome.ok
        assert result.state.order is None
    finally:
        other.stop()


def test_marking_codes_are_stored_unique(station: SyncRunner, station_db: Database) -> None:
    station.scan(PACKER)
    station.scan("ORD-1002")
    first = "0104605550001116" + "21" + "AAAAAAAAAAAAA" + "\x1d91ABCD\x1d92" + "x" * 44
    assert station.scan(first).outcome.ok  # type: ignore[union-attr]
    again = station.scan(first)
    assert again.outcome is not None and not again.outcome.ok
    with station_db.sessions() as s:
        rows = s.scalars(select(MarkingCode)).all()
    assert [r.order_id for r in rows] == ["ORD-1002"]
    assert rows[0].identity == "0104605550001116" + "21" + "AAAAAAAAAAAAA"


def test_printer_failure_is_never_shown_as_printed(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the spool directory should be")
    st = SyncRunner(station_db, rules, blocker / "spool")
    try:
        st.scan(PACKER)
        st.scan("ORD-1001")
        for code in ("4601234567893", "4601234567893", "4607654321015", "046000001234"):
            st.scan(code)
        st.scan("BOX:M")
        result = st.do(ScaleReading(Decimal(1055), stable=True))
        while result.state.step is Step.CHECKS and result.state.next_check is not None:
            result = st.do(Key(Action.OK))
        result = st.scan("DOC:INVOICE:ORD-1001")
        assert result.printed is None
        assert result.outcome is not None and not result.outcome.ok
        assert result.outcome.message.key == "station.print_failed"
        with station_db.sessions() as s:
            kinds = s.scalars(select(Event.kind).where(Event.kind == "printer.failed")).all()
        assert kinds == ["printer.failed"]
    finally:
        st.stop()


def test_database_gone_mid_order_is_not_recorded_then_recovers(
    sqlite_url: str, fixtures_dir: Path, rules: PackRules, tmp_path: Path
) -> None:
    from packstation.models.db import open_database
    from tests.station.conftest import seed

    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    st = SyncRunner(db, rules, tmp_path / "spool")
    try:
        st.scan(PACKER)
        st.scan("ORD-1001")
        assert st.scan("4601234567893").state.units_packed == 1
        path = Path(sqlite_url.removeprefix("sqlite:///"))
        db.engine.dispose()
        moved = {}
        for suffix in ("", "-wal", "-shm"):
            f = Path(str(path) + suffix)
            if f.exists():
                moved[f] = f.rename(f.with_name(f.name + ".away"))
        result = st.scan("4601234567893")
        assert result.outcome is not None and not result.outcome.ok
        assert result.outcome.message.key == "station.not_recorded"
        assert not result.recorded and result.state.units_packed == 1
        db.engine.dispose()
        for original, away in moved.items():
            Path(str(original)).unlink(missing_ok=True)
            away.rename(original)
        result = st.scan("4601234567893")
        assert result.outcome is not None and result.outcome.ok
        assert result.state.units_packed == 2
    finally:
        st.stop()
        db.dispose()


def test_unreachable_database_at_start_is_reported_not_fatal(
    rules: PackRules, tmp_path: Path
) -> None:
    from packstation.station.results import RunResult
    from packstation.station.runner import StationRunner

    results: list[RunResult] = []
    runner = StationRunner(
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2",
        "PS-X",
        rules,
        results.append,
    )
    runner.start()
    try:
        import time

        deadline = time.monotonic() + 20
        while not results and time.monotonic() < deadline:
            time.sleep(0.05)
        assert results and not results[0].recorded
        assert results[0].outcome is not None
        assert results[0].outcome.message.key == "station.db_down"
        assert not runner.db_ok
    finally:
        runner.stop()


def _queue_at_once(
    station: SyncRunner, texts: list[str], then_stop: bool = False, as_text: bool = False
) -> None:
    """Put the scans (and the stop request) in the worker's queue in one step, as a
    scanner's stored batch lands (`as_text`: as its driver hands them over, unread)."""
    from packstation.domain.codes import parse_code
    from packstation.domain.workflow import Scan
    from packstation.station.input import TextInput

    q = station.runner._queue
    items: list[Scan | TextInput | None] = [
        TextInput(text) if as_text else Scan(parse_code(text)) for text in texts
    ]
    if then_stop:
        items.append(None)
    with q.mutex:
        q.queue.extend(items)
        q.unfinished_tasks += len(items)
        q.not_empty.notify()


def test_a_burst_of_scans_is_one_commit_in_order(station: SyncRunner, station_db: Database) -> None:
    from sqlalchemy import event

    station.scan(PACKER)
    station.scan("ORD-1001")
    commits: list[int] = []
    event.listen(station_db.engine, "commit", lambda conn: commits.append(1))
    burst = ["4601234567893", "4607654321015", "0000000000000", "4601234567893", "046000001234"]
    n = len(station.results)
    _queue_at_once(station, burst)
    last = station.wait(n + len(burst))
    results = station.results[n:]
    assert [r.outcome.ok for r in results if r.outcome] == [True, True, False, True, True]
    assert last.state.units_packed == 4 and last.state.step is Step.BOX  # all four in
    assert len(commits) == 1  # one transaction, one fsync, for the five scans
    with station_db.sessions() as s:
        rows = s.execute(
            select(Event.kind, Event.payload)
            .where(Event.order_id == "ORD-1001", Event.kind.like("scan.%"))
            .order_by(Event.id)
        ).all()
    assert [p["code"] for _, p in rows] == burst
    assert [k for k, _ in rows].count("scan.accepted") == 4


def test_a_burst_that_cannot_commit_goes_one_by_one(
    station: SyncRunner, station_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    station.scan(PACKER)
    station.scan("ORD-1001")

    backend = station.runner.backend
    assert backend is not None
    commit = backend.decide_and_commit_batch

    def fails_for_many(state: Any, commands: Any, before_commit: Any = None) -> Any:
        if len(commands) > 1:  # the batch fails; each scan alone commits
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        return commit(state, commands, before_commit)

    monkeypatch.setattr(backend, "decide_and_commit_batch", fails_for_many)
    burst = ["4601234567893", "4607654321015"]
    n = len(station.results)
    _queue_at_once(station, burst)
    last = station.wait(n + len(burst))
    assert last.state.units_packed == 2
    assert last.gate is not None and last.gate.passes(timeout=20.0)  # committed
    with station_db.sessions() as s:
        codes = s.scalars(
            select(Event.payload)
            .where(Event.order_id == "ORD-1001", Event.kind == "scan.accepted")
            .order_by(Event.id)
        ).all()
    assert [p["code"] for p in codes] == burst


def test_a_stop_queued_behind_a_burst_still_stops_the_worker(
    station: SyncRunner, station_db: Database
) -> None:
    station.scan(PACKER)
    station.scan("ORD-1001")
    n = len(station.results)
    # The stop request lands in the same breath as the burst: taken out with it.
    _queue_at_once(station, ["4601234567893", "4607654321015"], then_stop=True)
    station.runner._thread.join(timeout=10)
    assert not station.runner._thread.is_alive()
    assert station.wait(n + 2).state.units_packed == 2


def test_scanned_text_is_read_in_the_step_the_scans_before_it_leave(
    station: SyncRunner, station_db: Database
) -> None:
    """A scanner's lines reach the worker as text: "2" right behind the defect card, in the
    same burst, picks line 2 (read before the card was decided it would be a code)."""
    station.scan(PACKER)
    station.scan("ORD-1001")
    n = len(station.results)
    _queue_at_once(station, ["4601234567893", "CMD:DEFECT", "2"], as_text=True)
    last = station.wait(n + 3)
    assert [r.state.step for r in station.results[n:]] == [
        Step.ITEMS,
        Step.DEFECT_PICK_LINE,
        Step.DEFECT_PICK_KIND,
    ]
    assert last.state.units_packed == 1
