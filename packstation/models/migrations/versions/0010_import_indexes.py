"""Fewer index entries per imported order and line (issue 16: import as a process).

- `ix_order_lines_order_id` goes: `uq_order_lines_position` (order_id, position) has
  order_id first and serves the same lookups and cascades.
- The orders' carrier, tote, station and reservation indexes keep only the rows where
  the column is set: an order comes in with none of them, and every lookup asks for a
  value (`col = x`, which both PostgreSQL and SQLite know implies `col IS NOT NULL`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index, column) made partial.
PARTIAL = (
    ("ix_orders_carrier", "carrier"),
    ("ix_orders_tote", "tote"),
    ("ix_orders_station_id", "station_id"),
    ("ix_orders_reserved_for", "reserved_for"),
)


def upgrade() -> None:
    op.drop_index("ix_order_lines_order_id", table_name="order_lines")
    for name, column in PARTIAL:
        where = sa.text(f"{column} IS NOT NULL")
        op.drop_index(name, table_name="orders")
        op.create_index(name, "orders", [column], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name, column in PARTIAL:
        op.drop_index(name, table_name="orders")
        op.create_index(name, "orders", [column])
    op.create_index("ix_order_lines_order_id", "order_lines", ["order_id"])
