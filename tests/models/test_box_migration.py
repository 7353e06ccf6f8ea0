"""Migration 0006 (box sizes) goes down and up again on a database with orders in it,
without losing rows: on SQLite a table copy would drop order_lines and, with foreign keys
on, cascade to its barcodes."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from packstation.models.db import _alembic_config, current_revision, open_database, upgrade
from tests.models.migration_rows import columns as table_columns
from tests.models.migration_rows import row_counts
from tests.station.conftest import seed

TABLES = ("orders", "order_lines", "barcodes", "operators", "events")


def test_0006_down_and_up_keeps_every_row(db_url: str, fixtures_dir: Path) -> None:
    db = open_database(db_url, auto_upgrade=True)
    try:
        seed(db, fixtures_dir)
        engine = db.engine

        def counts() -> dict[str, int]:
            return row_counts(engine, TABLES)

        def columns(table: str) -> set[str]:
            return table_columns(engine, table)

        before = counts()
        assert before["barcodes"] > 0 and {"length_mm", "height_mm"} <= columns("order_lines")
        config = _alembic_config(engine)
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0005")
        assert current_revision(engine) == "0005"
        assert "length_mm" not in columns("order_lines")
        assert "suggested_box" not in columns("parcels") and "box_cm3" not in columns("parcels")
        assert counts() == before
        upgrade(engine)
        assert {"length_mm", "width_mm", "height_mm"} <= columns("order_lines")
        assert {"suggested_box", "box_cm3", "suggested_cm3", "first_box_cm3"} <= columns("parcels")
        assert counts() == before
    finally:
        db.dispose()
