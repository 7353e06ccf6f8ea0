"""Concurrent claims (SKIP LOCKED on PostgreSQL) and losing the database connection.

`benchmarks/claims.py` runs the same race with 10,000 orders and 16 processes;
here it is 16 threads on fewer orders so the suite stays quick on a shared box.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, Operator, OrderView, PackState
from packstation.domain.workflow.records import OrderClaimed
from packstation.models import Event, Order, OrderLine, PackSession
from packstation.models.db import Database, make_engine, open_database
from packstation.models.operators_repo import add_operator
from packstation.station.backend import StationBackend
from packstation.station.context import DbContext
from packstation.station.store import ClaimConflict
from tests.station.conftest import PACKER, SyncRunner, seed

STATIONS = 16


def seed_ready(db: Database, n: int) -> Operator:
    now = datetime.now(UTC)
    base = datetime(2026, 12, 1, tzinfo=UTC)
    orders: list[dict[str, Any]] = [
        {
            "id": f"ORD-{i:06d}",
            "status": "ready",
            "priority": i % 3,
            "ship_by": base + timedelta(hours=i % 50) if i % 4 else None,
            "problems": [],
            "extra": {},
            "status_changed_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]
    lines: list[dict[str, Any]] = [
        {"order_id": o["id"], "position": 1, "sku": "SKU-1", "qty": 1, "unit_weight_g": Decimal(1)}
        for o in orders
    ]
    with db.unit_of_work() as s:
        row = add_operator(s, badge="BADGE-RACE", name="Race", role="packer", pin_hash=None)
        s.flush()
        s.execute(insert(Order), orders)
        s.execute(insert(OrderLine), lines)
        operator = Operator(row.id, row.badge, row.name, row.role)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE orders")  # what autovacuum does on a live server
    return operator


@pytest.fixture
def race_db(db_url: str) -> Iterator[Database]:
    open_database(db_url, auto_upgrade=True).dispose()
    db = Database(make_engine(db_url, pool_size=STATIONS, max_overflow=4))
    yield db
    db.dispose()


def test_sixteen_stations_claim_every_order_exactly_once(
    race_db: Database, rules: PackRules
) -> None:
    pg = race_db.engine.dialect.name == "postgresql"
    n = 1000 if pg else 200
    operator = seed_ready(race_db, n)
    gate = threading.Barrier(STATIONS)
    claimed: dict[str, list[str]] = {}
    conflicts = Counter[str]()
    errors: list[BaseException] = []

    def station(name: str) -> None:
        try:
            backend = StationBackend(race_db, name, rules, lambda: datetime.now(UTC))
            backend.recover()
            state = PackState(operator=operator)
            mine = claimed.setdefault(name, [])
            gate.wait()
            while True:
                try:
                    decision = backend.decide_and_commit(state, Key(Action.NEXT))
                except ClaimConflict:
                    conflicts[name] += 1
                    continue
                except OperationalError:  # SQLite's busy_timeout ran out: queue up again
                    conflicts[name] += 1
                    continue
                got = [r.order.id for r in decision.records if isinstance(r, OrderClaimed)]
                if not got:
                    return
                mine.extend(got)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=station, args=(f"PS-{i:02d}",)) for i in range(STATIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    everything = [o for orders in claimed.values() for o in orders]
    assert len(everything) == n and len(set(everything)) == n
    holder = {o: st for st, orders in claimed.items() for o in orders}
    with race_db.sessions() as s:
        rows = s.execute(select(Order.id, Order.station_id, Order.status)).all()
        assert {r[0]: r[1] for r in rows} == holder
        assert {r[2] for r in rows} == {"packing"}
        per_order = s.execute(
            select(Event.order_id, func.count())
            .where(Event.kind == "order.claimed")
            .group_by(Event.order_id)
        ).all()
        assert len(per_order) == n and {c for _, c in per_order} == {1}
        assert s.scalar(select(func.count()).select_from(PackSession)) == n
    if pg:
        assert sum(conflicts.values()) == 0  # SKIP LOCKED: nobody ever lost a race
        assert sum(1 for orders in claimed.values() if orders) > 1


def test_skip_locked_gives_a_second_station_the_next_order(pg_url: str, rules: PackRules) -> None:
    db = open_database(pg_url, auto_upgrade=True)
    try:
        seed_ready(db, 3)
        with db.sessions.begin() as first, db.sessions.begin() as second:
            a = DbContext(first, "PS-01", rules).next_order()
            b = DbContext(second, "PS-02", rules).next_order()  # does not wait for PS-01
            assert isinstance(a, OrderView) and isinstance(b, OrderView) and a.id != b.id
            # Readers are not blocked: the locked head is still plainly ready until PS-01 commits.
            assert second.scalar(select(Order.status).where(Order.id == a.id)) == "ready"
    finally:
        db.dispose()


def test_the_head_query_keeps_its_prepared_plan(pg_url: str, rules: PackRules) -> None:
    """psycopg prepares the claim's head query once it has run a few times; PostgreSQL
    then runs it on its cached generic plan. With a bound LIMIT that plan looked dearer
    than a plan for LIMIT 1 and PostgreSQL planned every claim anew (0.1 ms of 0.5):
    0 generic plans to 25 custom here, before `context._ONE`. The queue must be long
    enough for the planner's guess to matter (with 40 orders both plans cost alike)."""
    open_database(pg_url, auto_upgrade=True).dispose()
    db = Database(make_engine(pg_url, pool_size=1, max_overflow=0))  # one connection
    try:
        seed_ready(db, 2_000)
        for _ in range(30):
            with db.sessions.begin() as s:
                assert isinstance(DbContext(s, "PS-01", rules).next_order(), OrderView)
        with db.engine.connect() as conn:
            plans = conn.execute(
                text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                    " WHERE statement LIKE '%SKIP LOCKED%' AND statement LIKE '%max(%'"
                )
            ).all()
        assert len(plans) == 1, plans
        generic, custom = plans[0]
        assert generic > custom, plans
    finally:
        db.dispose()


# --- connection loss -------------------------------------------------------------------


@pytest.fixture
def named_pg(pg_url: str, fixtures_dir: Path) -> Iterator[tuple[Database, str]]:
    """A seeded station database whose connections carry a name we can kill by."""
    name = f"ps-{uuid.uuid4().hex[:10]}"
    url = make_url(pg_url).update_query_dict({"application_name": name})
    db = open_database(url.render_as_string(hide_password=False), auto_upgrade=True)
    seed(db, fixtures_dir)
    yield db, name
    db.dispose()


def kill(pg_url: str, where: str, **params: Any) -> int:
    """Terminate the matching backends and wait until they are gone; how many there were."""
    admin = create_engine(pg_url)
    try:
        with admin.begin() as conn:
            pids = conn.scalars(
                text(f"SELECT pid FROM pg_stat_activity WHERE {where}"), params
            ).all()
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while pids and time.monotonic() < deadline:
            with admin.connect() as conn:
                left = conn.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": list(pids)},
                )
            if not left:
                break
            time.sleep(0.05)
        return len(pids)
    finally:
        admin.dispose()


def scanned(db: Database) -> int:
    with db.sessions() as s:
        return int(
            s.scalar(
                select(func.count()).where(
                    Event.kind == "scan.accepted", Event.order_id == "ORD-1001"
                )
            )
            or 0
        )


def test_killed_idle_connection_is_replaced_before_the_next_scan(
    named_pg: tuple[Database, str], pg_url: str, rules: PackRules, tmp_path: Path
) -> None:
    db, name = named_pg
    st = SyncRunner(db, rules, tmp_path / "spool")
    try:
        st.scan(PACKER)
        st.scan("ORD-1001")
        assert st.scan("4601234567893").state.units_packed == 1
        assert kill(pg_url, "application_name = :name", name=name) >= 1
        result = st.scan("4601234567893")  # the pool's pre-ping notices and reconnects
        assert result.recorded and result.state.units_packed == 2, result.outcome
        assert scanned(db) == 2
    finally:
        st.stop()


def test_connection_killed_mid_scan_is_not_recorded_then_recovers(
    named_pg: tuple[Database, str], pg_url: str, rules: PackRules, tmp_path: Path
) -> None:
    db, _ = named_pg
    armed = threading.Event()

    @event.listens_for(db.engine, "before_cursor_execute")
    def die_now(conn: Any, cursor: Any, *_: Any) -> None:
        if armed.is_set():
            armed.clear()
            kill(pg_url, "pid = :pid", pid=cursor.connection.info.backend_pid)

    st = SyncRunner(db, rules, tmp_path / "spool")
    try:
        st.scan(PACKER)
        st.scan("ORD-1001")
        assert st.scan("4601234567893").state.units_packed == 1
        armed.set()
        lost = st.scan("4601234567893")
        assert not lost.recorded and lost.state.units_packed == 1
        assert lost.outcome is not None and lost.outcome.message.key == "station.not_recorded"
        assert not st.runner.db_ok
        assert scanned(db) == 1  # nothing half-written
        again = st.scan("4601234567893")
        assert again.recorded and again.state.units_packed == 2, again.outcome
        assert st.runner.db_ok
        assert scanned(db) == 2
    finally:
        st.stop()
