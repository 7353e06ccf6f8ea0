"""Migration 0010: one index entry less per imported line and four per imported order,
and the lookups still find their index (partial indexes are used for `col = ?`)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from packstation.models.db import make_engine, upgrade

#: (query with one parameter, index it must use)
LOOKUPS = (
    ("SELECT id FROM orders WHERE status = 'ready' AND station_id IS NULL "
     "AND reserved_for = :v LIMIT 1", "ix_orders_reserved_for"),
    ("SELECT id FROM orders WHERE station_id = :v", "ix_orders_station_id"),
    ("SELECT id FROM orders WHERE tote = :v", "ix_orders_tote"),
    ("SELECT id FROM orders WHERE carrier = :v", "ix_orders_carrier"),
    ("SELECT id FROM order_lines WHERE order_id = :v", "order_lines"),
)  # fmt: skip


def test_order_id_alone_is_not_indexed_twice(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    names = {ix["name"] for ix in inspect(engine).get_indexes("order_lines")}
    assert "ix_order_lines_order_id" not in names
    engine.dispose()


@pytest.mark.parametrize(("query", "index"), LOOKUPS)
def test_lookups_use_an_index_on_sqlite(sqlite_url: str, query: str, index: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with engine.connect() as conn:
        plan = " ".join(
            r[-1] for r in conn.execute(text("EXPLAIN QUERY PLAN " + query), {"v": "x"})
        )
    engine.dispose()
    assert "USING" in plan and "INDEX" in plan, plan
    if index.startswith("ix_"):
        assert index in plan, plan


@pytest.mark.parametrize(("query", "index"), LOOKUPS)
def test_lookups_use_an_index_on_postgresql(pg_url: str, query: str, index: str) -> None:
    """A generic plan (the parameter unknown, as for a prepared statement) still proves
    `col = $1` implies `col IS NOT NULL`."""
    engine = make_engine(pg_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))  # an empty table: a seq scan wins
        conn.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
        sql = query.replace(":v", "$1")
        conn.exec_driver_sql(f"PREPARE lookup(text) AS {sql}")
        plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN EXECUTE lookup('x')"))
        conn.exec_driver_sql("DEALLOCATE lookup")
    engine.dispose()
    assert "Index" in plan, plan
    if index.startswith("ix_"):
        assert index in plan, plan
