"""The import's row formats from a SQLAlchemy dialect: `formats_of`.

The rows themselves are made without SQLAlchemy (`domain/intake/rows.py`); here each
formatted column's bind processor is looked up once, as the ORM would apply it.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import JSON, Dialect

from packstation.domain.intake.rows import FORMATTED, Format, RowFormats, as_is
from packstation.models.orders import Order

__all__ = ["formats_of", "processor"]


def processor(dialect: Dialect, column: str) -> Format:
    """`column` ("table.column")'s bind processor on `dialect`. COPY (psycopg) sends every
    value as text, so a JSON value goes as the text psycopg would send for it."""
    table, name = column.split(".")
    type_ = Order.metadata.tables[table].c[name].type
    # JSONType (models/base.py) is a decorator over JSON: its impl tells.
    if (dialect.name, dialect.driver) == ("postgresql", "psycopg") and isinstance(
        getattr(type_, "impl", type_), JSON
    ):
        serializer: Format | None = getattr(dialect, "_json_serializer", None)
        return serializer or json.dumps
    found = type_.dialect_impl(dialect).bind_processor(dialect)
    return found or as_is


def formats_of(dialect: Dialect, now: datetime) -> RowFormats:
    """The row formats of `dialect`, stamped `now`."""
    processors = {column: processor(dialect, column) for column in FORMATTED}
    return RowFormats(dialect.name, dialect.driver, now, processors)
