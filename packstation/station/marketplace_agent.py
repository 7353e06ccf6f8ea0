"""The station's hands at the marketplace: codes, ship, label, print; never on the scan path.

When a marketplace order reaches its label, the runner gives this thread a job: send
the marking codes (a refused one comes back as `MarksRejected`, red, and that unit is
rescanned), ship the posting in its boxes, fetch the marketplace's label (retried while
the marketplace says "not ready" or is down), print it on the label printer, and tell
the workflow (`MarketplaceLabel`): the scan-back then checks the marketplace's barcode.
The packer is never blocked: the screen says the label is on its way, and CMD:HOLD
puts the parcel on the hold shelf. A job whose order left the station stops, unless the
order went to the hold shelf: then a thread of its own goes on with it in the background
(the clients check each step at the marketplace first, or it is safe to repeat: nothing
done is done twice), prints its label and makes the order ready again for this station
(`models/marketplace_hold.py`); after a restart it goes on with what it left there.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Protocol, TypeVar

from packstation.channels.base import (
    ChannelError,
    Document,
    Marketplace,
    MarkKind,
    NotReady,
    Posting,
    PostingItem,
    PostingState,
    UnitMarks,
)
from packstation.devices.base import Printer, PrintError
from packstation.domain.text import printable
from packstation.domain.workflow import Command, MarketplaceLabel, MarksRejected, Record, replay
from packstation.domain.workflow.state import PackState
from packstation.i18n import Msg
from packstation.station.agent_notes import LABEL_WAITS, OrderFacts

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit scanned: its code as scanned, the marking identity it is stored under
    (None: not a marking code), and what was captured with it (serial/IMEI, expiry, GTIN)."""

    line_sku: str
    code: str
    identity: str | None
    serial: str | None = None
    expiry: date | None = None
    gtin: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    order_id: str
    channel: str
    #: Parcel ids of the order's boxes, in box order.
    parcels: tuple[str, ...]
    #: Per box: (sku, units) packed in it.
    boxes: tuple[tuple[tuple[str, int], ...], ...]
    units: tuple[Unit, ...]


class ShelfRows(Protocol):
    """The hold shelf in the database (`models/marketplace_hold.ShelfRows`)."""

    def held(self, order_id: str) -> bool: ...
    def printed(self, order_id: str, labels: Sequence[tuple[str, str, str]]) -> bool: ...
    def refused(self, order_id: str, error: str) -> bool: ...
    def waiting(self) -> list[list[Record]]: ...


class _Shelved(Exception):
    """The order went to the hold shelf: its job goes on in the background."""


class _Later(Exception):
    """In the background: not now (label not ready, marketplace down): again later."""


class _Refused(Exception):
    """In the background: the marketplace said no (its words): the lead's to sort out."""


@dataclass
class _OnShelf:
    job: Job
    due: float
    attempt: int = 0
    #: Parcel id -> (barcode, package ref) of each label printed so far.
    printed: dict[str, tuple[str, str]] = field(default_factory=dict)


def job_for(state: PackState) -> Job | None:
    """The job for a marketplace order at its label step (None for other orders)."""
    order = state.order
    if order is None or not order.channel or not state.parcels:
        return None
    sku = {line.line_id: line.sku for line in order.lines}
    bounds = [box.upto for box in state.sealed] + [len(state.scans)]
    boxes: list[tuple[tuple[str, int], ...]] = []
    start = 0
    for end in bounds[: len(state.parcels)]:
        counts: dict[str, int] = {}
        for scan in state.scans[start:end]:
            counts[sku[scan.line_id]] = counts.get(sku[scan.line_id], 0) + 1
        boxes.append(tuple(counts.items()))
        start = end
    units = tuple(
        Unit(sku[s.line_id], s.code, s.identity, s.serial, s.expiry, s.gtin) for s in state.scans
    )
    parcels = tuple(p.parcel_id for p in sorted(state.parcels, key=lambda p: p.seq))
    return Job(order.id, order.channel, parcels, tuple(boxes), units)


class MarketplaceAgent:
    def __init__(
        self,
        marketplaces: dict[str, Marketplace],
        facts: Callable[[str], OrderFacts | None],
        printer: Printer | None,
        submit: Callable[[Command], None],
        tell: Callable[[Msg, bool], None],
        current_order: Callable[[], str | None],
        *,
        convert: Callable[[Document, str], tuple[bytes, str]] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        waits: Sequence[float] = LABEL_WAITS,
        after_job: Callable[[], None] | None = None,
        shelf: ShelfRows | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.after_job = after_job
        #: Without it a held order's job just stops (the order waits for a lead).
        self.shelf = shelf
        self.monotonic = monotonic
        self.marketplaces = marketplaces
        self.facts = facts
        self.printer = printer
        self.submit = submit
        self.tell = tell
        self.current_order = current_order
        self.convert = convert
        self.sleep = sleep
        self.waits = tuple(waits)
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._on_shelf: dict[str, _OnShelf] = {}
        self._shelf_changed = threading.Condition()
        self._stopping = False
        #: The printer and the call log, shared by the two threads.
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="marketplace", daemon=True)
        self._thread.start()
        self._shelf_thread: threading.Thread | None = None
        if shelf is not None:
            self._shelf_thread = threading.Thread(
                target=self._shelf_run, name="marketplace-shelf", daemon=True
            )
            self._shelf_thread.start()

    def hand_over(self, job: Job) -> None:
        self._jobs.put(job)

    def stop(self, timeout: float = 2.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)
        with self._shelf_changed:
            self._stopping = True
            self._shelf_changed.notify_all()
        if self._shelf_thread is not None:
            self._shelf_thread.join(timeout)
        for marketplace in self.marketplaces.values():
            marketplace.close()

    # --- the agent's thread ----------------------------------------------------------

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                self._do(job)
            except _Shelved:
                self._to_shelf(_OnShelf(job, self.monotonic() + self.waits[0]))
            except Exception:  # never the station's end: logged, the packer may HOLD
                log.exception("marketplace job for %s failed", job.order_id)
                params = {"order": job.order_id, "error": "internal error (see the log)"}
                self.tell(Msg("station.marketplace_failed", params), False)
            self._after_job()

    def _after_job(self) -> None:
        if self.after_job is not None:
            try:
                with self._lock:
                    self.after_job()
            except Exception:  # the call log is for the lead: never the packer's problem
                log.exception("marketplace call records not stored")

    # --- the hold shelf's thread -------------------------------------------------------

    def _shelf_run(self) -> None:
        assert self.shelf is not None
        try:  # left on the shelf before a restart: go on with them
            for records in self.shelf.waiting():
                if (job := job_for(replay(records))) is not None:
                    self._to_shelf(_OnShelf(job, self.monotonic()))
        except Exception:
            log.exception("the hold shelf could not be read")
        while (entry := self._next_on_shelf()) is not None:
            order_id = entry.job.order_id
            try:
                self._do(entry.job, entry)
            except _Refused as exc:
                log.warning("marketplace refused held %s: %s", order_id, exc)
                try:
                    self.shelf.refused(order_id, str(exc))
                except Exception:
                    log.exception("held %s: the refusal not stored", order_id)
                    self._again(entry)
            except _Later as exc:
                log.info("held %s: again later (%s)", order_id, exc)
                self._again(entry)
            except Exception:
                log.exception("held %s: again later", order_id)
                self._again(entry)
            self._after_job()

    def _again(self, entry: _OnShelf) -> None:
        entry.attempt += 1
        wait = self.waits[min(entry.attempt, len(self.waits) - 1)]
        entry.due = self.monotonic() + wait
        self._to_shelf(entry)

    def _to_shelf(self, entry: _OnShelf) -> None:
        with self._shelf_changed:
            self._on_shelf[entry.job.order_id] = entry
            self._shelf_changed.notify_all()

    def _next_on_shelf(self) -> _OnShelf | None:
        """The next job due; None once the agent stops."""
        with self._shelf_changed:
            while not self._stopping:
                entry = min(self._on_shelf.values(), key=lambda e: e.due, default=None)
                now = self.monotonic()
                if entry is not None and entry.due <= now:
                    return self._on_shelf.pop(entry.job.order_id)
                self._shelf_changed.wait(None if entry is None else entry.due - now)
            return None

    def _shelved(self, job: Job) -> bool:
        """Whether the order left for the hold shelf (in doubt, yes: the shelf asks again)."""
        if self.shelf is None:
            return False
        try:
            return self.shelf.held(job.order_id)
        except Exception:
            log.exception("whether %s is on the hold shelf is not known", job.order_id)
            return True

    # --- a job, at the station or from the shelf -----------------------------------------

    def _ours(self, job: Job) -> bool:
        return self.current_order() == job.order_id

    def _do(self, job: Job, shelved: _OnShelf | None = None) -> None:
        """At the station (`shelved` None) each step is retried while the order is there;
        from the hold shelf each is tried once (`_Later`: the whole job again later)."""
        if shelved is not None and self.shelf is not None and not self.shelf.held(job.order_id):
            return  # cancelled, or a lead took it off the shelf: nothing more to do
        marketplace = self.marketplaces.get(job.channel)
        facts = self.facts(job.order_id)
        if marketplace is None or facts is None:
            why = f"channel {job.channel} is not configured at this station"
            if shelved is not None:
                raise _Refused(why)
            self.tell(
                Msg("station.marketplace_failed", {"order": job.order_id, "error": why}), False
            )
            return
        posting = _posting(facts, job)
        ship = partial(self._marks_then_ship, marketplace, posting, facts, job, shelved)
        refs = self._call(job, shelved, ship)
        if refs is None:
            return
        per_package = marketplace.label_per_package and len(refs) == len(job.parcels)
        for n, parcel_id in enumerate(job.parcels):
            package = refs[n] if n < len(refs) else refs[0] if refs else ""
            ref = package if per_package else posting.ref
            if shelved is not None and parcel_id in shelved.printed:
                continue
            document = self._call(job, shelved, partial(marketplace.label, ref))
            if document is None:
                return
            if not self._print(job, parcel_id, document):
                if shelved is not None:
                    raise _Later("the label printer")
                return
            barcode = document.barcode or ref
            if shelved is None:
                label = MarketplaceLabel(job.order_id, parcel_id, barcode, package, document.codes)
                self.submit(label)
            else:
                shelved.printed[parcel_id] = (barcode, package)
        if shelved is not None and self.shelf is not None:
            labels = [(p, *shelved.printed[p]) for p in job.parcels]
            if self.shelf.printed(job.order_id, labels):
                params = {"order": job.order_id, "count": len(labels)}
                self.tell(Msg("station.held_label_printed", params), True)

    def _call(self, job: Job, shelved: _OnShelf | None, call: Callable[[], T | None]) -> T | None:
        """At the station: retried while it is there; on the shelf: once, then later."""
        if shelved is None:
            return self._retrying(job, call)
        try:
            return call()
        except NotReady as exc:
            raise _Later(str(exc)) from None
        except ChannelError as exc:
            if exc.retryable:
                raise _Later(str(exc)) from None
            raise _Refused(str(exc)[:200]) from None

    def _marks_then_ship(
        self,
        marketplace: Marketplace,
        posting: Posting,
        facts: OrderFacts,
        job: Job,
        shelved: _OnShelf | None = None,
    ) -> list[str] | None:
        units = [
            UnitMarks(facts.products.get(u.line_sku, ""), marks)
            for u in job.units
            if (marks := unit_marks(u, facts.required.get(u.line_sku, ())))
        ]
        if units:
            verdicts = marketplace.submit_marks(posting, units)
            by_code = {u.code: u.identity for u in job.units if u.identity is not None}
            refused = tuple(
                (by_code[v.value], v.reason or "refused")
                for v in verdicts
                if not v.accepted and v.value in by_code
            )
            if refused and shelved is None:
                self.submit(MarksRejected(job.order_id, refused))
                return None
            other = next((v for v in verdicts if not v.accepted), None)
            if other is not None:  # an IMEI or a date refused: not a unit the packer swaps
                error = f"{printable(other.value, limit=40)}: {other.reason or 'refused'}"
                if shelved is not None:  # a code too: the parcel is on the shelf, not here
                    raise _Refused(error)
                self.tell(Msg("station.marketplace_failed", {"order": job.order_id,
                                                             "error": error}), False)  # fmt: skip
                return None
        boxes = [[(facts.products.get(sku, sku), qty) for sku, qty in box] for box in job.boxes]
        return marketplace.ship(posting, boxes)

    def _retrying(self, job: Job, call: Callable[[], T | None]) -> T | None:
        """`call` until it answers; "not ready" and a marketplace that is down are asked
        again (the packer told once); a refusal is told and ends the job. An order that left
        the station for the hold shelf raises `_Shelved`: its job goes on there."""
        told = False
        for attempt in range(10**6):
            if not self._ours(job):
                if self._shelved(job):
                    raise _Shelved
                return None
            try:
                return call()
            except NotReady:
                pass
            except ChannelError as exc:
                if not exc.retryable:
                    params = {"order": job.order_id, "error": str(exc)[:200]}
                    self.tell(Msg("station.marketplace_failed", params), False)
                    return None
                log.warning("marketplace for %s: %s", job.order_id, exc)
            if not told:
                self.tell(Msg("label.waiting_marketplace", {"order": job.order_id}), True)
                told = True
            self.sleep(self.waits[min(attempt, len(self.waits) - 1)])
        return None

    def _print(self, job: Job, parcel_id: str, document: Document) -> bool:
        if self.printer is None:
            error = {"error": "no printer", "parcel": parcel_id}
            self.tell(Msg("station.print_failed", error), False)
            return False
        try:
            data, ext = (
                self.convert(document, self.printer.target)
                if self.convert is not None
                else (document.data, document.kind)
            )
            with self._lock:  # the shelf's labels and this station's never interleave
                self.printer.send(data, f"{parcel_id}.{ext}")
        except (PrintError, ValueError) as exc:
            error = {"error": str(exc), "parcel": parcel_id}
            self.tell(Msg("station.print_failed", error), False)
            return False
        return True


def unit_marks(unit: Unit, required: Sequence[str]) -> dict[MarkKind, str]:
    """What the marketplace asked for of this unit's line, from what was captured with it:
    the marking code; what the line asked after the unit (the IMEI, the УИН or the
    best-before date: `unit_ask` says which, the rule that flagged the line); the GTIN of
    the code scanned (a GS1 code's, or a plain EAN's as GTIN-14); the expiry of its AI 17."""
    # Local imports keep this change to this function (the module is being changed
    # elsewhere at the same time); they can move to the top with the next edit of it.
    from packstation.channels.orders import unit_ask
    from packstation.domain.check_digits import gtin14
    from packstation.domain.workflow.units import EXPIRY, UIN

    asked = unit_ask(required)
    marks: dict[MarkKind, str] = {}
    if "sgtin" in required and unit.identity is not None:
        marks[MarkKind.SGTIN] = unit.code
    if asked == MarkKind.IMEI and unit.serial:
        marks[MarkKind.IMEI] = unit.serial
    if asked == UIN and unit.serial:
        marks[MarkKind.UIN] = unit.serial
    gtin = unit.gtin or gtin14(unit.code)
    if "gtin" in required and gtin:
        marks[MarkKind.GTIN] = gtin
    # The date asked for is kept as yyyy-mm-dd where a serial would be (`workflow/units`).
    expiry = unit.expiry.isoformat() if unit.expiry else unit.serial if asked == EXPIRY else None
    if "expiration" in required and expiry:
        marks[MarkKind.EXPIRATION] = expiry
    return marks


def _posting(facts: OrderFacts, job: Job) -> Posting:
    counts: dict[str, int] = {}
    for box in job.boxes:
        for sku, qty in box:
            counts[sku] = counts.get(sku, 0) + qty
    items = tuple(
        PostingItem(
            sku=sku,
            name=facts.names.get(sku, ""),
            qty=qty,
            product_ref=facts.products.get(sku, ""),
            required=frozenset(MarkKind(k) for k in facts.required.get(sku, ())),
        )
        for sku, qty in counts.items()
    )
    return Posting(
        ref=facts.ref,
        state=PostingState.TO_PACK,
        items=items,
        warehouse_id=facts.warehouse_id,
        extra=dict(facts.extra),
    )
