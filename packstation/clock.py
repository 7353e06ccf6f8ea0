"""The one place packstation reads the wall clock.

Every function that needs "now" takes it as a `now` parameter or a `Clock`
(a callable returning an aware UTC datetime); only the edges (a CLI command,
an app's default clock, a column default) call these. Tests pin time by
passing their own `now`/clock, and `tests/test_clock_discipline.py` fails if
any other module reads the clock, so a test can never again compare a fixed
date with something that read the real one.

Monotonic time (`time.monotonic`, `time.perf_counter`) is not the wall clock:
it measures intervals (timeouts, polling, frame pacing) and is used directly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Now, timezone-aware in UTC: what is stored and compared."""
    return datetime.now(UTC)


def to_utc(value: datetime) -> datetime:
    """An instant as it is stored: in UTC. A naive value is refused (its zone is unknown)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC)


def local_now() -> datetime:
    """Now in the machine's local zone: what a person reads (shift start, "today")."""
    return datetime.now().astimezone()


def today() -> date:
    """The local calendar date (a manifest's ship date, a document's issue date)."""
    return local_now().date()


def local_date(now: datetime) -> date:
    """The local calendar date of an instant from a clock."""
    return now.astimezone().date()
