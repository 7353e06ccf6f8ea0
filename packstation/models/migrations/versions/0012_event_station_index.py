"""`ix_events_station` keeps only the events of a station.

Recovery, the queue's stations panel and the marketplace hold look events up by station
(`station_id = x`, which both PostgreSQL and SQLite know implies `station_id IS NOT NULL`);
nothing asks for the events without one. Those are most events: one per imported order,
each an index entry that no lookup used. An order import into a PostgreSQL database of
100,000 orders ran 2.52-2.60 s without them against 2.63-2.96 s with them (interleaved).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    where = sa.text("station_id IS NOT NULL")
    op.drop_index("ix_events_station", table_name="events")
    op.create_index(
        "ix_events_station",
        "events",
        ["station_id", "id"],
        postgresql_where=where,
        sqlite_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_events_station", table_name="events")
    op.create_index("ix_events_station", "events", ["station_id", "id"])
