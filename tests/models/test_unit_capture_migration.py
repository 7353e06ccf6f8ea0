"""Migration 0008 (lot, expiry and serial capture) goes down and up again on a database with
orders in it, without losing rows (no table copies: on SQLite, with foreign keys on, the
copy of order_lines would cascade to its barcodes), and its serial index is partial."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from packstation.models.db import (
    HEAD,
    _alembic_config,
    current_revision,
    open_database,
    upgrade,
)
from tests.models.migration_rows import columns as table_columns
from tests.models.migration_rows import row_counts
from tests.station.conftest import seed

TABLES = ("orders", "order_lines", "barcodes", "defects", "operators", "events")


def test_0008_down_and_up_keeps_every_row(db_url: str, fixtures_dir: Path) -> None:
    db = open_database(db_url, auto_upgrade=True)
    try:
        seed(db, fixtures_dir)
        engine = db.engine

        def counts() -> dict[str, int]:
            return row_counts(engine, TABLES)

        def columns(table: str) -> set[str]:
            return table_columns(engine, table)

        before = counts()
        assert before["barcodes"] > 0
        assert "deliver_by" in columns("orders") and "serial" in columns("order_lines")
        assert {"lot", "expiry", "serial"} <= columns("defects")
        [unique] = [i for i in inspect(engine).get_indexes("packed_units") if i["unique"]]
        assert unique["column_names"] == ["serial_scope", "serial"]
        options = unique.get("dialect_options", {})
        where = options.get("sqlite_where", options.get("postgresql_where"))
        assert "returned_at IS NULL" in str(where)
        config = _alembic_config(engine)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0007")
        assert current_revision(engine) == "0007"
        assert "packed_units" not in inspect(engine).get_table_names()
        assert "deliver_by" not in columns("orders") and "serial" not in columns("order_lines")
        assert not {"lot", "expiry", "serial"} & columns("defects")
        assert counts() == before
        upgrade(engine)
        assert current_revision(engine) == HEAD
        assert "packed_units" in inspect(engine).get_table_names()
        assert counts() == before
    finally:
        db.dispose()
