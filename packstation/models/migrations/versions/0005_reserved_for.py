"""A lead's reassignment: orders.reserved_for, the station an order is kept for.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reserved_for", sa.String(length=64), nullable=True))
    op.create_index("ix_orders_reserved_for", "orders", ["reserved_for"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_reserved_for", table_name="orders")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("reserved_for")
