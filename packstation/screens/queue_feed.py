"""The queue screen's database threads: the lead's page on demand, the floor when it changed.

The UI never touches the database: it sets the view (filters, page) and
submits lead actions here, and gets the results back through callbacks
(which the Textual app turns into posted messages). Two threads, each with
its own connection:

- the page thread reads only the page the lead asked for and hands it over as
  soon as its query returns: a filter key waits for one page read, never for
  the floor's aggregates;
- the floor thread looks every `refresh_s` seconds whether anything changed
  (`queue_changes.ChangeProbe`: one tiny read) and only then reads the stations,
  the floor stats and the page again; what time alone changes (late orders,
  the last hour) is read again every `full_every` seconds. It also runs the
  lead actions, then refreshes everything. With the stations it reads the training
  column: each operator's training, from the training scores store
  (`training/store.StandingReader`); a store that cannot be read shows "?" there and
  never fails the floor.

SQLAlchemy and the repository are imported by the threads, so the screen is up
before they load.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from packstation.config import PinLimits
from packstation.errors import describe_db_error
from packstation.i18n import Msg

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from packstation.evidence.lookup import OrderEvidence
    from packstation.models.db import Database
    from packstation.models.lead_actions import ActionResult
    from packstation.models.queue_changes import ChangeProbe
    from packstation.models.queue_page import QueueFilters, QueuePage
    from packstation.models.queue_repo import FloorStats, StationRow
    from packstation.training.store import Standing, StandingReader

log = logging.getLogger(__name__)

ActionName = Literal["release", "priority", "hold", "reassign"]

#: Seconds between full refreshes of a floor where nothing was written: late orders,
#: at-risk orders and the last hour's throughput change with the clock alone.
FULL_REFRESH_S = 30.0


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
    """A read that failed: the screen keeps its last data and says why."""

    error: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PageData:
    """One page of the view the lead asked for, read at `now`."""

    page: QueuePage
    filters: QueueFilters
    now: datetime


@dataclass(frozen=True, slots=True)
class FloorData:
    """The stations panel and the floor stats (None: not read again this time)."""

    stations: tuple[StationRow, ...]
    stats: FloorStats | None
    now: datetime
    #: Operator badge -> training standing (the training column); None: the training
    #: scores store could not be read this time.
    training: Mapping[str, Standing] | None = field(default_factory=dict)


FeedData = PageData | FloorData | FeedError


class _Refresh:
    pass


_REFRESH = _Refresh()


class _Tick:
    pass


_TICK = _Tick()


class QueueFeed:
    def __init__(
        self,
        db: Database | str,
        *,
        on_data: Callable[[FeedData], object],
        on_action: Callable[[ActionResult], object],
        clock: Callable[[], datetime],
        shift_start: Callable[[datetime], datetime],
        refresh_s: float = 2.0,
        page_size: int = 200,
        pin_limits: PinLimits | None = None,
        full_every: float = FULL_REFRESH_S,
        training_scores: str | None = None,
    ) -> None:
        self._db_arg = db
        #: The training scores store's URL (None: `training.store.scores_url`'s default).
        self.training_scores = training_scores
        self._standings: StandingReader | None = None
        self.pin_limits = pin_limits or PinLimits()
        self._db: Database | None = None
        self._db_lock = threading.Lock()
        self.on_data = on_data
        self.on_action = on_action
        self.clock = clock
        self.shift_start = shift_start
        self.refresh_s = refresh_s
        self.full_every = full_every
        self.page_size = page_size
        #: The view wanted (filters, offset) and whether the page thread owes a read of it.
        self._view_cond = threading.Condition()
        self._filters: QueueFilters | None = None
        self._offset = 0
        self._view_wanted = False
        self._stopping = False
        self._first_page = threading.Event()
        self._page_failed = False
        self._jobs: queue.Queue[_Refresh | _Tick | LeadRequest | None] = queue.Queue()
        self._page_thread = threading.Thread(target=self._pages, name="queue-page", daemon=True)
        self._floor_thread = threading.Thread(target=self._floor, name="queue-feed", daemon=True)
        #: Page reads and floor refreshes done (tests and benchmarks wait on them).
        self.page_reads = 0
        self.refreshes = 0
        #: Change probes that found nothing to read.
        self.quiet_looks = 0

    # --- called from the UI thread ---------------------------------------------------

    @property
    def started(self) -> bool:
        return self._page_thread.ident is not None

    def start(self) -> None:
        self._page_thread.start()
        self._floor_thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._view_cond:
            self._stopping = True
            self._view_cond.notify_all()
        self._jobs.put(None)
        self._first_page.set()
        deadline = time.monotonic() + timeout
        for thread in (self._page_thread, self._floor_thread):
            if thread.is_alive():
                thread.join(max(deadline - time.monotonic(), 0.0))
        alive = self._page_thread.is_alive() or self._floor_thread.is_alive()
        if self._db is not None and isinstance(self._db_arg, str) and not alive:  # ours
            self._db.dispose()
        if self._standings is not None and not alive:
            self._standings.store.close()

    def set_view(self, filters: QueueFilters, offset: int = 0) -> None:
        """New filters or page: read at once by the page thread (a newer view replaces a
        read not yet begun)."""
        with self._view_cond:
            self._filters, self._offset = filters, max(offset, 0)
            self._view_wanted = True
            self._view_cond.notify_all()

    def refresh_now(self) -> None:
        """Read everything again now (page, stations, stats), changed or not."""
        self._jobs.put(_REFRESH)

    def submit(self, request: LeadRequest) -> None:
        self._jobs.put(request)

    def order_evidence(self, order_id: str, evidence_dir: Path | None) -> OrderEvidence | None:
        """The order's clip and photos (`evidence.lookup`); blocking: call it in a thread
        worker. Without a folder (no `[evidence]`) every file shows as not found."""
        from packstation.evidence.lookup import order_evidence

        with self._database().sessions() as session:
            return order_evidence(session, order_id, evidence_dir or Path(os.devnull))

    # --- both threads ------------------------------------------------------------------

    def _database(self) -> Database:
        with self._db_lock:
            if self._db is None:
                from packstation.models.db import Database, open_database

                arg = self._db_arg
                self._db = arg if isinstance(arg, Database) else open_database(arg)
            return self._db

    def _failed(self, what: str, exc: Exception, now: datetime) -> None:
        log.warning("queue %s failed: %s", what, exc)
        self.on_data(FeedError(_describe(exc), now))

    # --- the page thread ---------------------------------------------------------------

    def _reload_page(self) -> None:
        with self._view_cond:
            if self._filters is not None:
                self._view_wanted = True
                self._view_cond.notify_all()

    def _pages(self) -> None:
        while True:
            with self._view_cond:
                while not self._view_wanted and not self._stopping:
                    self._view_cond.wait()
                if self._stopping:
                    return
                filters, offset = self._filters, self._offset
                self._view_wanted = False
            if filters is not None:
                self._read_page(filters, offset)
            self._first_page.set()

    def _read_page(self, filters: QueueFilters, offset: int) -> None:
        from packstation.evidence.events import with_evidence
        from packstation.models.queue_page import queue_page

        now = self.clock()
        try:
            with self._database().sessions() as session:
                page = queue_page(session, filters, now, limit=self.page_size, offset=offset)
                page = with_evidence(session, page)  # the video column: the page's rows only
        except Exception as exc:  # the feed must survive a database that went away
            self._page_failed = True  # the floor thread reads it again on its next tick
            self._failed("page", exc, now)
            return
        self._page_failed = False
        self.page_reads += 1
        self.on_data(PageData(page, filters, now))

    # --- the floor thread --------------------------------------------------------------

    def _floor(self) -> None:
        # The first rows first: the floor's reads wait for the first page (or a second).
        self._first_page.wait(timeout=1.0)
        probe: ChangeProbe | None = None
        last_full: float | None = None
        failed = False
        first = True
        job: _Refresh | _Tick | LeadRequest | None = _REFRESH
        try:
            while True:
                if not first:
                    try:
                        job = self._jobs.get(timeout=self.refresh_s)
                    except queue.Empty:
                        job = _TICK
                if job is None:
                    return
                if isinstance(job, LeadRequest):
                    self._act(job)
                    job = _REFRESH
                if job is _REFRESH and self._drain():
                    return
                now = time.monotonic()
                full = (
                    job is _REFRESH
                    or failed
                    or self._page_failed
                    or last_full is None
                    or now - last_full >= self.full_every
                )
                try:
                    if probe is None:
                        from packstation.models.queue_changes import ChangeProbe

                        probe = ChangeProbe(self._database().engine)
                    # Looked at before reading: a write during the reads shows next time.
                    changes = probe.look()
                except Exception as exc:
                    if probe is not None:
                        probe.reset()
                    self._failed("change probe", exc, self.clock())
                    failed, first = True, False
                    continue
                if not full and not changes:
                    self.quiet_looks += 1
                    continue
                orders = full or changes.orders
                ok = self._refresh(orders=orders, reload_page=orders and not first)
                first, failed = False, not ok
                if ok and orders:
                    last_full = now
                if not ok:
                    probe.reset()
        finally:
            if probe is not None:
                probe.close()

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

    def _refresh(self, *, orders: bool, reload_page: bool) -> bool:
        """Stations (and, with `orders`, the floor stats); the page thread reads the page
        again when asked. False if the database failed."""
        from packstation.models.queue_repo import floor_stats, stations_panel

        if reload_page:
            self._reload_page()
        now = self.clock()
        try:
            with self._database().sessions() as session:
                stations = stations_panel(session, now)
                stats = floor_stats(session, now, self.shift_start(now)) if orders else None
                training = self._training(session, stations)
        except Exception as exc:
            self._failed("refresh", exc, now)
            return False
        self.refreshes += 1
        self.on_data(FloorData(stations, stats, now, training))
        return True

    def _training(
        self, session: Session, stations: tuple[StationRow, ...]
    ) -> dict[str, Standing] | None:
        """The training column's standings, last in the read (a failure here leaves the
        stations and stats read); None when the scores store could not be read."""
        people = {s.operator_badge: s.operator_role for s in stations if s.operator_badge}
        try:
            if self._standings is None:
                from packstation.training.store import ScoresStore, StandingReader, scores_url

                store = ScoresStore(self.training_scores or scores_url(None))
                self._standings = StandingReader(store)
            return self._standings.read(session, people)
        except Exception as exc:
            log.warning("queue training column not read: %s", exc)
            return None

    def _act(self, request: LeadRequest) -> None:
        from packstation.models import lead_actions as repo

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
