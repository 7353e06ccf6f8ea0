"""Engine set-up, schema upgrades and the unit of work every write goes through."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from packstation.db_settings import HEAD, SQLITE_PRAGMAS
from packstation.errors import DatabaseError, describe_db_error
from packstation.models.liveness import check_before_use

if TYPE_CHECKING:  # Alembic is imported only to migrate: a station starts faster without it
    from alembic.config import Config

__all__ = ["HEAD", "Database", "DatabaseError", "describe_db_error", "open_database", "upgrade"]

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cur.execute(pragma)
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        from packstation.models.orders import name_postgresql_where

        name_postgresql_where()
    engine = create_engine(url, **kwargs)
    check_before_use(engine)  # pings only a connection that may be dead
    return engine


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % as interpolation: escape it (URL-encoded passwords, options).
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def head_revision() -> str:
    """The head according to the migrations folder (what `HEAD` must equal)."""
    from alembic.script import ScriptDirectory

    config = _alembic_config(create_engine("sqlite://"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision stored by Alembic, read with plain SQL (no Alembic import)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        version: str | None = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return version


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


class Database:
    """One per process: the engine plus a session factory."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """All writes of one user action commit together or not at all."""
        with self.sessions.begin() as session:
            yield session

    def checkpoint(self) -> None:
        """Fold SQLite's write-ahead log into the database while the station is idle."""
        if self.engine.dialect.name == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, auto_upgrade: bool | None = None) -> Database:
    """Connect and make sure the schema is current.

    SQLite (one station, one file) is upgraded automatically; a shared
    PostgreSQL is upgraded only when asked (`packstation db upgrade`), so one
    station of an old version cannot change the schema under the others.
    """
    engine = make_engine(url)
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    try:
        current = current_revision(engine)
        head = HEAD
        if current != head:
            if auto_upgrade:
                upgrade(engine)
            else:
                raise DatabaseError(
                    f"database schema is at {current or 'nothing'}, this packstation needs "
                    f"{head}: run `packstation db upgrade --db {engine.url.render_as_string()}`"
                )
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(
            f"cannot use database {engine.url!r}: {describe_db_error(exc)}"
        ) from exc
    return Database(engine)
