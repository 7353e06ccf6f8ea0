"""Box suggestion: item sizes on order_lines; the suggestion and box volumes on parcels.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINE_COLUMNS = ("length_mm", "width_mm", "height_mm")
_PARCEL_VOLUMES = ("box_cm3", "suggested_cm3", "first_box_cm3")


def upgrade() -> None:
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        for name in _LINE_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suggested_box", sa.String(length=64), nullable=True))
        for name in _PARCEL_VOLUMES:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), never a copy of the table: with foreign
    # keys on, SQLite's DROP TABLE of the old copy of order_lines would delete its barcodes
    # (ON DELETE CASCADE). The columns carry no index or constraint, so SQLite can drop them.
    with op.batch_alter_table("parcels", schema=None, recreate="never") as batch_op:
        for name in reversed(_PARCEL_VOLUMES):
            batch_op.drop_column(name)
        batch_op.drop_column("suggested_box")
    with op.batch_alter_table("order_lines", schema=None, recreate="never") as batch_op:
        for name in reversed(_LINE_COLUMNS):
            batch_op.drop_column(name)
