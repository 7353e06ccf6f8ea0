"""What a migration test looks at before and after going down and up: row counts and
columns (a table copy on SQLite, with foreign keys on, would cascade rows away)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, inspect, text


def row_counts(engine: Engine, tables: Sequence[str]) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def columns(engine: Engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}
