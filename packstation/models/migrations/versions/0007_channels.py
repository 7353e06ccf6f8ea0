"""Marketplace channels: an order's channel and id there, the calls made, product facts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN and a unique index, never a copy of `orders` (a batch
    # constraint would be one on SQLite): with foreign keys on, dropping the old copy
    # would delete every order's lines and barcodes (ON DELETE CASCADE).
    op.add_column("orders", sa.Column("channel", sa.String(length=64), nullable=True))
    op.add_column("orders", sa.Column("channel_ref", sa.String(length=64), nullable=True))
    op.create_index("uq_orders_channel_ref", "orders", ["channel", "channel_ref"], unique=True)
    op.create_table(
        "channel_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("endpoint", sa.String(length=200), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_channel_calls_channel_at", "channel_calls", ["channel", "at"])
    op.create_table(
        "channel_products",
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("product_ref", sa.String(length=64), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "product_ref"),
    )


def downgrade() -> None:
    op.drop_table("channel_products")
    op.drop_index("ix_channel_calls_channel_at", table_name="channel_calls")
    op.drop_table("channel_calls")
    op.drop_index("uq_orders_channel_ref", table_name="orders")
    with op.batch_alter_table("orders", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("channel_ref")
        batch_op.drop_column("channel")
