"""The queue screen's one database thread: refresh every few seconds, run lead actions.

The UI never touches the database: it sets filters and submits actions here,
and gets `QueueSnapshot`s / `ActionResult`s back through callbacks (which the
Textual app turns into posted messages). SQLAlchemy and the repository are
imported by the thread itself, so the screen is up before they load.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from packstation.config import PinLimits
from packstation.errors import describe_db_error
from packstation.i18n import Msg

if TYPE_CHECKING:
    from packstation.models.db import Database
    from packstation.models.queue_repo import ActionResult, QueueFilters, QueueSnapshot

log = logging.getLogger(__name__)

ActionName = Literal["release", "priority", "hold", "reassign"]


@dataclass(frozen=True, slots=True)
class LeadRequest:
    """A lead action as typed into the modal; run by the feed thread."""

    action: ActionName
    order_id: str
    badge: str
    pin: str = field(repr=False)
    reason: str = ""
    priority: int | None = None
    #: Reassign: the station to keep the order for ("-": any).
    station: str = ""


@dataclass(frozen=True, slots=True)
class FeedError:
    """A refresh that failed: the screen keeps its last data and says why."""

    error: str
    at: datetime


class _Refresh:
    pass


_REFRESH = _Refresh()


class QueueFeed:
    def __init__(
        self,
        db: Database | str,
        *,
        on_snapshot: Callable[[QueueSnapshot | FeedError], object],
        on_action: Callable[[ActionResult], object],
        clock: Callable[[], datetime],
        shift_start: Callable[[datetime], datetime],
        refresh_s: float = 2.0,
        page_size: int = 200,
        pin_limits: PinLimits | None = None,
    ) -> None:
        self._db_arg = db
        self.pin_limits = pin_limits or PinLimits()
        self._db: Database | None = None
        self.on_snapshot = on_snapshot
        self.on_action = on_action
        self.clock = clock
        self.shift_start = shift_start
        self.refresh_s = refresh_s
        self.page_size = page_size
        self._lock = threading.Lock()
        self._filters: QueueFilters | None = None
        self._offset = 0
        self._jobs: queue.Queue[_Refresh | LeadRequest | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="queue-feed", daemon=True)
        #: Refreshes done (tests and the benchmark wait on it).
        self.refreshes = 0

    # --- called from the UI thread ---------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._jobs.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def set_view(self, filters: QueueFilters, offset: int = 0) -> None:
        """New filters or page: refreshed at once, not at the next tick."""
        with self._lock:
            self._filters, self._offset = filters, max(offset, 0)
        self.refresh_now()

    def refresh_now(self) -> None:
        self._jobs.put(_REFRESH)

    def submit(self, request: LeadRequest) -> None:
        self._jobs.put(request)

    # --- the thread ----------------------------------------------------------------------

    def _database(self) -> Database:
        if self._db is None:
            from packstation.models.db import Database, open_database

            arg = self._db_arg
            self._db = arg if isinstance(arg, Database) else open_database(arg)
        return self._db

    def _run(self) -> None:
        try:
            while True:
                try:
                    job = self._jobs.get(timeout=self.refresh_s)
                except queue.Empty:
                    job = _REFRESH
                if job is None:
                    return
                if isinstance(job, LeadRequest):
                    self._act(job)
                    self._refresh()
                    continue
                # Several refresh requests queued up (fast filter keys): one query does.
                stop = self._drain()
                self._refresh()
                if stop:
                    return
        finally:
            if self._db is not None and isinstance(self._db_arg, str):  # ours to close
                self._db.dispose()

    def _drain(self) -> bool:
        """Drop queued refreshes; run queued actions in order. True if stop was asked."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return False
            if job is None:
                return True
            if isinstance(job, LeadRequest):
                self._act(job)

    def _refresh(self) -> None:
        from packstation.models.queue_repo import QueueFilters, load_snapshot

        with self._lock:
            filters, offset = self._filters or QueueFilters(), self._offset
        now = self.clock()
        try:
            db = self._database()
            with db.sessions() as session:
                snapshot = load_snapshot(
                    session,
                    filters,
                    now,
                    self.shift_start(now),
                    limit=self.page_size,
                    offset=offset,
                )
        except Exception as exc:  # the feed must survive a database that went away
            log.warning("queue refresh failed: %s", exc)
            self.on_snapshot(FeedError(_describe(exc), now))
            return
        self.refreshes += 1
        self.on_snapshot(snapshot)

    def _act(self, request: LeadRequest) -> None:
        from packstation.models import queue_repo as repo

        lead = repo.LeadCredentials(request.badge, request.pin)
        now = self.clock()
        try:
            with self._database().unit_of_work() as session:
                order_id, reason, limits = request.order_id, request.reason, self.pin_limits
                if request.action == "release":
                    result = repo.release_order(
                        session, order_id, lead, reason, now=now, limits=limits
                    )
                elif request.action == "priority":
                    result = repo.set_priority(
                        session,
                        order_id,
                        lead,
                        request.priority if request.priority is not None else 0,
                        reason,
                        now=now,
                        limits=limits,
                    )
                elif request.action == "reassign":
                    result = repo.reassign_order(
                        session, order_id, lead, request.station, reason, now=now, limits=limits
                    )
                else:
                    result = repo.hold_order(
                        session, order_id, lead, reason, now=now, limits=limits
                    )
        except Exception as exc:
            log.warning("queue action %s failed: %s", request.action, exc)
            result = repo.ActionResult(
                False, Msg("queue.action_failed", {"error": _describe(exc)}), request.order_id
            )
        self.on_action(result)


def _describe(exc: Exception) -> str:
    if type(exc).__module__.startswith("sqlalchemy"):
        return describe_db_error(exc)
    return str(exc) or type(exc).__name__
