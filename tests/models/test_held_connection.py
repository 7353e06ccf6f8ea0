"""The station writer's one connection (`models/held_connection.py`): kept across
transactions, checked like a pooled one before each, replaced when the server ended it,
and a failed block leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from packstation.models.db import make_engine
from packstation.models.held_connection import HeldConnection, connection_of
from tests.models.test_liveness import _terminate, count_pings


class _Base(DeclarativeBase):
    pass


class Note(_Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url, pool_size=2)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(20))"))
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=2)
    yield engine
    engine.dispose()


def _pid(held: HeldConnection) -> int:
    with held.session() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _bodies(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT body FROM notes ORDER BY id")))


def test_each_block_commits_on_one_connection_kept_between_them(engine: Engine) -> None:
    held = HeldConnection(engine)
    for n in (1, 2, 3):
        with held.session() as session:
            session.execute(text("INSERT INTO notes VALUES (:n, :b)"), {"n": n, "b": f"n{n}"})
        assert engine.pool.checkedout() == 1  # kept, not handed back
    assert _bodies(engine) == ["n1", "n2", "n3"]  # each committed, readable elsewhere
    held.close()
    assert engine.pool.checkedout() == 0


def test_a_block_that_fails_leaves_nothing_and_the_next_one_commits(engine: Engine) -> None:
    held = HeldConnection(engine)
    with pytest.raises(RuntimeError, match="refused"), held.session() as session:
        session.execute(text("INSERT INTO notes VALUES (1, 'half')"))
        raise RuntimeError("refused")
    with held.session() as session:
        session.execute(text("INSERT INTO notes VALUES (2, 'whole')"))
    assert _bodies(engine) == ["whole"]
    held.close()


def test_a_kept_connection_in_use_is_not_pinged(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = count_pings(pg_engine, monkeypatch)
    held = HeldConnection(pg_engine)
    first = _pid(held)
    assert [_pid(held) for _ in range(5)] == [first] * 5
    assert pings == []
    held.close()


def test_a_kept_connection_the_server_ended_is_replaced_before_use(
    pg_engine: Engine, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = count_pings(pg_engine, monkeypatch)
    held = HeldConnection(pg_engine)
    first = _pid(held)
    _terminate(pg_url, first)
    second = _pid(held)  # no error: the check before the block noticed and connected anew
    assert second != first
    assert pings == [False]
    held.close()


def test_a_kept_connection_idle_too_long_is_pinged(
    pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from packstation.models import liveness

    pings = count_pings(pg_engine, monkeypatch)
    held = HeldConnection(pg_engine)
    first = _pid(held)
    monkeypatch.setattr(liveness, "PING_IDLE_S", 0.0)
    assert _pid(held) == first
    assert pings == [True]
    held.close()


def test_a_connection_lost_inside_a_block_fails_it_and_the_next_block_reconnects(
    pg_engine: Engine, pg_url: str
) -> None:
    held = HeldConnection(pg_engine)
    first = _pid(held)
    with pytest.raises(OperationalError), held.session() as session:
        session.execute(text("SELECT 1"))
        _terminate(pg_url, first)
        session.execute(text("SELECT 2"))
    assert _pid(held) != first
    held.close()


def test_a_disposed_engine_drops_the_kept_connection_too(engine: Engine) -> None:
    held = HeldConnection(engine)
    with held.session() as session:
        first = session.connection().connection.dbapi_connection
    engine.dispose()  # every connection dropped on purpose (the file was moved, a reset)
    with held.session() as session:
        session.execute(text("INSERT INTO notes VALUES (1, 'after')"))
        assert session.connection().connection.dbapi_connection is not first
    assert _bodies(engine) == ["after"]
    held.close()


def test_core_statements_skip_the_session_and_orm_work_joins_the_same_transaction(
    engine: Engine,
) -> None:
    held = HeldConnection(engine)
    with held.session() as session:
        conn = connection_of(session)
        conn.execute(text("INSERT INTO notes VALUES (1, 'core')"))
        assert not session.in_transaction()  # the Session's own machinery not started
        session.execute(text("INSERT INTO notes VALUES (2, 'orm')"))  # joins it
        assert connection_of(session) is conn
    assert _bodies(engine) == ["core", "orm"]
    with pytest.raises(RuntimeError), held.session() as session:
        connection_of(session).execute(text("INSERT INTO notes VALUES (3, 'core')"))
        session.execute(text("INSERT INTO notes VALUES (4, 'orm')"))
        raise RuntimeError("both undone")
    assert _bodies(engine) == ["core", "orm"]
    held.close()


def test_a_session_from_elsewhere_answers_with_its_own_connection(engine: Engine) -> None:
    from sqlalchemy.orm import Session

    with Session(engine) as session, session.begin():
        assert connection_of(session) is session.connection()


def test_a_commit_that_failed_is_not_committed_by_the_next_block(engine: Engine) -> None:
    """A failed COMMIT can leave the driver inside the transaction while SQLAlchemy counts it
    as ended: the held connection is let go, so the failed rows never reach the disk."""
    from sqlalchemy import event

    fail = [True]

    def commit(conn: Any) -> None:
        if fail[0]:
            fail[0] = False
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(engine, "commit", commit)
    held = HeldConnection(engine)
    try:
        with pytest.raises(OperationalError, match="disk I/O error"), held.session() as session:
            connection_of(session).execute(text("INSERT INTO notes VALUES (1, 'failed')"))
        with held.session() as session:
            connection_of(session).execute(text("INSERT INTO notes VALUES (2, 'next')"))
        assert _bodies(engine) == ["next"]
    finally:
        event.remove(engine, "commit", commit)
        held.close()


def test_one_session_serves_the_blocks_and_forgets_what_the_orm_loaded(engine: Engine) -> None:
    """A block the ORM did not touch leaves the Session as it found it (kept for the next);
    one it did touch ends with the Session closed: no object of it is seen again."""
    held = HeldConnection(engine)
    sessions = []
    for n in (1, 2):
        with held.session() as session:
            connection_of(session).execute(text("INSERT INTO notes VALUES (:n, 'core')"), {"n": n})
            sessions.append(session)
    assert sessions[0] is sessions[1]
    with held.session() as session:
        session.add(Note(id=3, body="orm"))  # flushed at the block's end
        loaded = session.get(Note, 1)  # kept alive: the identity map holds objects weakly
        assert loaded is not None and loaded.body == "core"
    with engine.begin() as conn:  # changed elsewhere in between
        conn.execute(text("UPDATE notes SET body = 'changed' WHERE id = 1"))
    with held.session() as session:
        assert session is sessions[0] and not session.identity_map
        note = session.get(Note, 1)
        assert note is not loaded and note is not None and note.body == "changed"
    assert _bodies(engine) == ["changed", "core", "orm"]
    with pytest.raises(RuntimeError), held.session() as session:
        raise RuntimeError("the connection is let go")
    with held.session() as session:
        assert session is not sessions[0]  # a new connection, a new Session
    held.close()
