"""The station writer's compiled-statement cache (`models/statement_cache.py`): the hot
path's statements are found by identity, every other statement as SQLAlchemy finds it,
and a compiled form never serves another dialect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, bindparam, create_engine, select, text
from sqlalchemy.sql import column, table

from packstation.models.db import make_engine
from packstation.models.statement_cache import StatementCache, constant

NOTES = table("notes", column("id"), column("body"))
#: Built once, as the station's hot statements are.
BODY_OF = constant(select(NOTES.c.body).where(NOTES.c.id == bindparam("id")))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url, pool_size=1)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(20))"))
        conn.execute(text("INSERT INTO notes VALUES (1, 'one'), (2, 'two')"))
    yield engine
    engine.dispose()


def test_a_constant_statement_compiles_once_and_is_found_by_identity(engine: Engine) -> None:
    cache = StatementCache()
    with engine.connect() as conn:
        conn.execution_options(compiled_cache=cache)
        first = conn.execute(BODY_OF, {"id": 1})
        assert first.scalar_one() == "one"
        second = conn.execute(BODY_OF, {"id": 2})
        assert second.scalar_one() == "two"
    dialect = engine.dialect
    assert (first.context.cache_hit, second.context.cache_hit) == (
        dialect.CACHE_MISS,
        dialect.CACHE_HIT,
    )
    assert second.context.compiled is first.context.compiled
    assert cache.sizes == (1, 0)


def test_a_statement_built_for_each_call_is_found_by_its_hash(engine: Engine) -> None:
    cache = StatementCache()
    results = []
    with engine.connect() as conn:
        conn.execution_options(compiled_cache=cache)
        for note in (1, 2):  # equal statements, different objects
            query = select(NOTES.c.body).where(NOTES.c.id == bindparam("id"))
            results.append(conn.execute(query, {"id": note}))
        assert [r.scalar_one() for r in results] == ["one", "two"]
    assert results[1].context.cache_hit == engine.dialect.CACHE_HIT
    assert cache.sizes == (0, 1)


def test_parameter_names_and_dialects_keep_their_own_compiled_forms(engine: Engine) -> None:
    cache = StatementCache()
    with engine.connect() as conn:
        conn.execution_options(compiled_cache=cache)
        conn.execute(BODY_OF, {"id": 1})
        conn.execute(BODY_OF, {"id": 1, "unused": 0})  # another set of names: compiled anew
    assert cache.sizes == (2, 0)
    key = BODY_OF._generate_cache_key()
    assert key is not None
    other = create_engine("sqlite://")  # a dialect object of its own
    for dialect in (engine.dialect, other.dialect):
        found = cache.get((dialect, key.key, ("id",), False, False))
        assert (found is not None) is (dialect is engine.dialect)
    with pytest.raises(KeyError):
        cache[(other.dialect, key.key, ("id",), False, False)]
    other.dispose()
