"""Errors every layer may raise or report, without importing the layers that raise them."""

from __future__ import annotations


class DatabaseError(Exception):
    """A database problem worth one line to the user (no traceback)."""


def describe_db_error(exc: BaseException) -> str:
    """The first line of the driver's message, without SQLAlchemy's boilerplate."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__
