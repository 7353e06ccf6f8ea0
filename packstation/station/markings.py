"""A scanned marking code's row, written in one statement that keeps it to one order.

`marking_codes.identity` is the primary key: a code belongs to one order ever. The same
order may store it again: an order held or released after a marked unit was scanned is
claimed again and the unit scanned again, and a plain INSERT would refuse that (the packer
saw "NOT RECORDED"). So the row is written with INSERT ... ON CONFLICT (identity) DO
UPDATE ... WHERE the stored order is this one: taken over for the same order, untouched
(no row changed) for another, which is then refused as the primary key refused it before.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Insert, bindparam
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from packstation.domain.workflow.records import ScanAccepted
from packstation.models import MarkingCode
from packstation.models.held_connection import connection_of

__all__ = ["MarkingTaken", "store_marking"]

_MARKINGS = MarkingCode.metadata.tables["marking_codes"]
#: What a marking code's row holds besides its identity; all but the order are updated
#: when the same order stores it again.
_MARKING_VALUES = ("order_id", "line_id", "gtin", "crypto_tail", "scanned_at")


@functools.cache
def _marking_upsert(dialect: str) -> Insert:
    """INSERT of a marking code that takes its row over when it is stored for the same order
    (an order held or released after the unit was scanned, packed again) and changes
    nothing when another order has it. Built once per dialect, the PostgreSQL one only
    on PostgreSQL (its dialect is not loaded at a SQLite station's start)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        pg = postgresql.insert(_MARKINGS).values(_marking_params())
        return pg.on_conflict_do_update(
            index_elements=[_MARKINGS.c.identity],
            set_={c: pg.excluded[c] for c in _MARKING_VALUES[1:]},
            where=_MARKINGS.c.order_id == pg.excluded.order_id,
        )
    from sqlalchemy.dialects import sqlite

    lite = sqlite.insert(_MARKINGS).values(_marking_params())
    return lite.on_conflict_do_update(
        index_elements=[_MARKINGS.c.identity],
        set_={c: lite.excluded[c] for c in _MARKING_VALUES[1:]},
        where=_MARKINGS.c.order_id == lite.excluded.order_id,
    )


def _marking_params() -> dict[str, Any]:
    return {c: bindparam(f"m_{c}") for c in ("identity", *_MARKING_VALUES)}


class MarkingTaken(Exception):
    """The marking code is stored for another order (its unit is in that parcel)."""


def store_marking(session: Session, record: ScanAccepted) -> None:
    """The code's row, in one statement: the primary key keeps a code to one order even
    when two stations scan it at once (the second waits for the first's commit, then
    finds it taken). Taken: an `IntegrityError`, so the packer sees "not recorded" for a
    constraint (`backend.refusal`) and this transaction rolls back."""
    conn = connection_of(session)
    params = {
        "m_identity": record.identity,
        "m_order_id": record.order_id,
        "m_line_id": record.line_id,
        "m_gtin": record.gtin or "",
        "m_crypto_tail": record.crypto_tail or "",
        "m_scanned_at": record.at,
    }
    statement = _marking_upsert(conn.dialect.name)
    # An INSERT's row count is kept only when asked for (SQLAlchemy's `preserve_rowcount`).
    result = conn.execute(statement, params, execution_options={"preserve_rowcount": True})
    if result.rowcount != 1:
        taken = MarkingTaken(f"marking code {record.identity} is stored for another order")
        raise IntegrityError(str(statement), params, taken)
