"""Badge lockout after wrong PINs, the stored carrier choice, parcel numbering, queue indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_pins", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("choice_note", sa.String(length=1000), nullable=False, server_default="")
        )
    op.create_index("ix_events_kind_at", "events", ["kind", "at"], unique=False)
    op.create_index("ix_orders_carrier", "orders", ["carrier"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_orders_carrier", table_name="orders")
    op.drop_index("ix_events_kind_at", table_name="events")
    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.drop_column("choice_note")
        batch_op.drop_column("seq")
    with op.batch_alter_table("operators", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_pins")
