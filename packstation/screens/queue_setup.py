"""What the lead's queue screen is given (`QueueSetup`), and the clock rules it draws by."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from packstation.clock import Clock, utcnow
from packstation.config import PinLimits
from packstation.models.queue_repo import STALE_AFTER

if TYPE_CHECKING:
    from packstation.evidence.settings import EvidenceSettings
    from packstation.models.db import Database
    from packstation.models.queue_repo import StationRow

__all__ = ["QueueSetup", "is_stale", "shift_start_at"]


def shift_start_at(start: time, tz: tzinfo | None = None) -> Callable[[datetime], datetime]:
    """The shift began at the latest `start` (local wall time) not after now."""

    def shift_start(now: datetime) -> datetime:
        local = now.astimezone(tz)
        began = datetime.combine(local.date(), start, tzinfo=local.tzinfo)
        if began > local:
            began -= timedelta(days=1)
        return began.astimezone(UTC)

    return shift_start


def is_stale(station: StationRow, now: datetime) -> bool:
    """Offline: no heartbeat for longer than STALE_AFTER (as the repository reads it)."""
    beat = station.heartbeat_at
    return beat is None or now - beat > STALE_AFTER


@dataclass
class QueueSetup:
    """Everything the queue screen needs, built by the CLI or a test."""

    #: An open database, or its URL (then the feed thread opens it).
    db: Database | str
    locale: str = "ru"
    refresh_s: float = 2.0
    #: The floor's clock (tests and snapshots pin it).
    clock: Clock = utcnow
    #: Wall-clock zone for times on screen; None is the machine's local zone.
    tz: tzinfo | None = None
    shift_start: Callable[[datetime], datetime] = field(
        default_factory=lambda: shift_start_at(time(8, 0))
    )
    page_size: int = 200
    #: `[security]` of the config: wrong PINs before a lead badge locks, and for how long.
    pin_limits: PinLimits = field(default_factory=PinLimits)
    #: `[evidence]` of the config: a status line with the video's disk use (None: none).
    evidence: EvidenceSettings | None = None
    #: Seconds between two reads of the evidence folder (a walk over every segment).
    evidence_every_s: float = 60.0
    #: The training scores store (the stations' training column, `t`); None: the
    #: default (`training.store.scores_url`: the environment, else the user data dir).
    training_scores: str | None = None
    #: Where `packstation serve` is reached: `v` shows `<web_url>/evidence/<order>`
    #: ("": the path alone; None: no browser view).
    web_url: str | None = None
