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


def test_partial_indexes_match_the_migration(db_url: str) -> None:
    """Autogenerate does not compare an index's WHERE: each partial index the models
    declare is compared here with what migration 0010 made, on either database."""
    from sqlalchemy.schema import CreateIndex

    from packstation.models.orders import _PARTIAL

    engine = make_engine(db_url)  # a PostgreSQL engine gives the models the PG condition
    upgrade(engine)
    with engine.connect() as conn:
        for index, where in _PARTIAL:
            ddl = str(CreateIndex(index).compile(dialect=engine.dialect))
            assert ddl.endswith(f"WHERE {where.text}"), ddl
            if engine.dialect.name == "postgresql":
                made = conn.execute(
                    text(  # this test's schema, not another one on the same server
                        "SELECT indexdef FROM pg_indexes"
                        " WHERE indexname = :n AND schemaname = current_schema()"
                    ),
                    {"n": index.name},
                ).scalar_one()
                assert made.endswith(f"WHERE ({where.text})"), made
            else:
                made = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :n"), {"n": index.name}
                ).scalar_one()
                assert made.endswith(f"WHERE {where.text}"), made
    engine.dispose()


def test_a_sqlite_station_loads_no_postgresql_code() -> None:
    """Naming a `postgresql_` option at import loads every PostgreSQL driver's module: a
    SQLite station's start paid 60 ms for it."""
    import subprocess
    import sys

    code = (
        "import sys, packstation.models, packstation.station.backend\n"
        "from packstation.models.db import make_engine\n"
        "make_engine('sqlite://').dispose()\n"
        "print(sorted(m for m in sys.modules if 'postgresql' in m))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


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
