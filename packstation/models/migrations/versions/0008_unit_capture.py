"""Lot, expiry and serial capture: an order's deliver_by, a line's serial flag, the faulty
unit's lot/expiry/serial on defects, and packed_units (serials shipped once).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_RETURNED = sa.text("returned_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deliver_by", sa.Date(), nullable=True))
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("serial", sa.String(length=8), nullable=True))
    with op.batch_alter_table("defects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lot", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("expiry", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("serial", sa.String(length=64), nullable=True))
    op.create_table(
        "packed_units",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("parcel_id", sa.String(length=64), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=True),
        sa.Column("lot", sa.String(length=20), nullable=True),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("serial", sa.String(length=64), nullable=True),
        sa.Column("serial_scope", sa.String(length=100), nullable=True),
        sa.Column("packed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("return_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["line_id"], ["order_lines.id"], name="fk_packed_units_line_id_order_lines"
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name="fk_packed_units_order_id_orders"
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name="fk_packed_units_return_id_returns"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_packed_units"),
    )
    op.create_index("ix_packed_units_order_id", "packed_units", ["order_id"])
    op.create_index(
        "uq_packed_units_serial",
        "packed_units",
        ["serial_scope", "serial"],
        unique=True,
        sqlite_where=_NOT_RETURNED,
        postgresql_where=_NOT_RETURNED,
    )


def downgrade() -> None:
    op.drop_index("uq_packed_units_serial", table_name="packed_units")
    op.drop_index("ix_packed_units_order_id", table_name="packed_units")
    op.drop_table("packed_units")
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), never a copy of the table: with foreign
    # keys on, SQLite's DROP TABLE of the old copy of order_lines would delete its barcodes
    # (ON DELETE CASCADE). The columns carry no index or constraint, so SQLite can drop them.
    with op.batch_alter_table("defects", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("serial")
        batch_op.drop_column("expiry")
        batch_op.drop_column("lot")
    with op.batch_alter_table("order_lines", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("serial")
    with op.batch_alter_table("orders", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("deliver_by")
