"""Migration 0011: events are no longer indexed by pack session, so an event's commit
appends one page per B-tree it touches: the table and its five indexes (was six)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import Engine, insert, inspect

from packstation.models import Event
from packstation.models.db import HEAD, _alembic_config, current_revision, make_engine, upgrade
from tests.models.migration_rows import row_counts

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _event(n: int) -> dict[str, object]:
    return {
        "at": T0 + timedelta(seconds=n),
        "kind": "scan.accepted",
        "order_id": "ORD-1",
        "station_id": "ST-1",
        "operator_id": 1,
        "session_id": 7,
        "payload": {"code": "4601234567893", "line_id": 3, "qty": 1},
    }


def _indexed_columns(engine: Engine) -> list[list[str | None]]:
    return [ix["column_names"] for ix in inspect(engine).get_indexes("events")]


def test_session_index_goes_and_comes_back_with_the_rows(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(insert(Event), [_event(n) for n in range(5)])
        assert ["session_id"] not in _indexed_columns(engine)
        before = row_counts(engine, ("events",))
        config = _alembic_config(engine)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0010")
        assert current_revision(engine) == "0010"
        assert ["session_id"] in _indexed_columns(engine)
        upgrade(engine)
        assert current_revision(engine) == HEAD
        assert ["session_id"] not in _indexed_columns(engine)
        assert row_counts(engine, ("events",)) == before == {"events": 5}
    finally:
        engine.dispose()


def test_an_event_commit_appends_a_page_per_btree_on_sqlite(sqlite_url: str) -> None:
    """What a scan's COMMIT syncs: one write-ahead-log frame per page the event's row
    changed, one page per B-tree while the table is small."""
    engine = make_engine(sqlite_url)
    try:
        upgrade(engine)
        with engine.begin() as conn:  # the table and each index have a page to write into
            conn.execute(insert(Event), [_event(n) for n in range(3)])
        btrees = 1 + len(_indexed_columns(engine))
        assert btrees == 6
        wal = f"{engine.url.database}-wal"
        with engine.connect() as conn:
            page = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
            conn.execute(insert(Event), [_event(3)])
            before = os.path.getsize(wal)
            conn.commit()
            frames = (os.path.getsize(wal) - before) / (page + 24)  # a frame: header + page
        assert frames == btrees
    finally:
        engine.dispose()
