"""Migration 0012: `ix_events_station` holds only the events of a station. An imported
order's event (no station) is one B-tree fewer to write, and every lookup by station
still finds the index, on both databases."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import Engine, event, insert, text

from packstation.models import Event, Station
from packstation.models.db import HEAD, Database, _alembic_config, make_engine, upgrade
from packstation.models.queue_repo import stations_panel
from packstation.station.store import StationStore
from tests.models.migration_rows import row_counts

T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _event(n: int, station: str | None) -> dict[str, object]:
    return {
        "at": T0 + timedelta(seconds=n),
        "kind": "order.imported" if station is None else "station.note",
        "order_id": f"ORD-{n}",
        "station_id": station,
        "payload": {"status": "ready"},
    }


def _index_sql(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_events_station'"
        else:
            sql = (  # this test's schema: the server may hold others with the same index
                "SELECT indexdef FROM pg_indexes"
                " WHERE indexname = 'ix_events_station' AND schemaname = current_schema()"
            )
        return str(conn.exec_driver_sql(sql).scalar_one())


def _downgrade(engine: Engine, revision: str) -> None:
    config = _alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_the_index_keeps_station_events_only_and_goes_back_with_the_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(insert(Event), [_event(n, "ST-1" if n % 2 else None) for n in range(6)])
        assert "WHERE" in _index_sql(engine) and "station_id IS NOT NULL" in _index_sql(engine)
        before = row_counts(engine, ("events",))
        _downgrade(engine, "0011")
        assert "WHERE" not in _index_sql(engine)
        upgrade(engine)
        assert "station_id IS NOT NULL" in _index_sql(engine)
        assert row_counts(engine, ("events",)) == before == {"events": 6}
        assert HEAD == "0012"
    finally:
        engine.dispose()


def _lookups_by_station(engine: Engine) -> list[tuple[str, Any]]:
    """The statements that read events by station: recovery's and the stations panel's."""
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "events.station_id" in statement:
            seen.append((statement, parameters))

    db = Database(engine)
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with db.sessions() as session:
            StationStore("ST-1").load_records(session)
            stations_panel(session, T0)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) == 3, seen
    return seen


def _plans(engine: Engine) -> list[str]:
    """How each lookup runs; on PostgreSQL with sequential scans off (the tables are
    small): what is asked is whether the partial index can serve the lookup at all."""
    plans = []
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for sql, params in _lookups_by_station(engine):
            prefix = (
                "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (COSTS OFF) "
            )
            rows = conn.exec_driver_sql(prefix + sql, params).all()
            plans.append(" ".join(str(r[-1]) for r in rows))
    return plans


def test_lookups_by_station_use_the_index_as_before(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(insert(Station), [{"id": "ST-1", "name": "one", "devices": {}}])
            conn.execute(insert(Event), [_event(n, "ST-1" if n % 2 else None) for n in range(6)])
        after = _plans(engine)
        _downgrade(engine, "0011")
        before = _plans(engine)
        assert after == before
        assert all("ix_events_station" in plan for plan in after), after
    finally:
        engine.dispose()


def _commit_frames(engine: Engine, write: Callable[[Any], None]) -> float:
    wal = f"{engine.url.database}-wal"
    with engine.connect() as conn:
        page = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
        write(conn)
        before = os.path.getsize(wal)
        conn.commit()
        return (os.path.getsize(wal) - before) / (page + 24)  # a frame: header + page


def test_an_imported_orders_event_writes_one_btree_fewer_on_sqlite(sqlite_url: str) -> None:
    """One write-ahead-log frame per B-tree the row went into: a station's event six (the
    table and five indexes), an imported order's five."""
    engine = make_engine(sqlite_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:  # the table and each index have a page to write into
            conn.execute(insert(Event), [_event(n, "ST-1" if n % 2 else None) for n in range(4)])
        station = _commit_frames(engine, lambda c: c.execute(insert(Event), [_event(4, "ST-1")]))
        imported = _commit_frames(engine, lambda c: c.execute(insert(Event), [_event(5, None)]))
        assert (station, imported) == (6, 5)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 6
    finally:
        engine.dispose()
