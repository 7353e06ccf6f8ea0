from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from packstation.models import Base
from packstation.models.db import (
    DatabaseError,
    current_revision,
    head_revision,
    make_engine,
    open_database,
    upgrade,
)


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    engine = make_engine(db_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    engine.dispose()


def test_migrations_match_the_models(db_url: str) -> None:
    """Autogenerate against the migrated schema finds nothing: models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == []


def test_upgrade_twice_is_harmless(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_event_log_refuses_update_and_delete(db_url: str) -> None:
    db = open_database(db_url, auto_upgrade=True)
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO events (at, kind, payload) VALUES (:at, 'scan.accepted', '{}')"),
            {"at": "2026-11-26 10:00:00+00:00"},
        )
    for sql in ("UPDATE events SET kind = 'forged'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT kind FROM events")).scalars().all() == ["scan.accepted"]
    db.dispose()


def test_sqlite_file_is_upgraded_by_itself(sqlite_url: str) -> None:
    db = open_database(sqlite_url)
    assert current_revision(db.engine) == head_revision()
    db.dispose()


def test_shared_postgresql_is_not_upgraded_behind_the_lead_s_back(pg_url: str) -> None:
    with pytest.raises(DatabaseError, match="packstation db upgrade"):
        open_database(pg_url)


def test_unreachable_database_is_one_clear_line() -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    with pytest.raises(DatabaseError, match="cannot use database") as info:
        open_database(url)
    assert "\n" not in str(info.value)


def test_head_constant_matches_the_migrations_folder() -> None:
    from packstation.models.db import HEAD

    assert head_revision() == HEAD
