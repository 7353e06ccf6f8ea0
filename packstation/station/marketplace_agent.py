"""The station's hands at the marketplace: codes, ship, label, print; never on the scan path.

When a marketplace order reaches its label, the runner gives this thread a job: send
the marking codes (a refused one comes back as `MarksRejected`, red, and that unit is
rescanned), ship the posting in its boxes, fetch the marketplace's label (retried while
the marketplace says "not ready" or is down), print it on the label printer, and tell
the workflow (`MarketplaceLabel`): the scan-back then checks the marketplace's barcode.
The packer is never blocked: the screen says the label is on its way, and CMD:HOLD
puts the parcel on the hold shelf. A job whose order left the station just stops.
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
from typing import TypeVar

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
from packstation.domain.workflow import Command, MarketplaceLabel, MarksRejected
from packstation.domain.workflow.state import PackState
from packstation.i18n import Msg

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Seconds between asks for a label that is not ready (then every last one).
LABEL_WAITS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0)


@dataclass(frozen=True, slots=True)
class AgentNote:
    """What the agent tells the packer (the label is on its way, the marketplace refused):
    shown by the runner's thread, in turn with the scans."""

    message: Msg
    ok: bool = False


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


@dataclass(frozen=True, slots=True)
class OrderFacts:
    """What the job needs from the order's row: its marketplace id and product ids."""

    ref: str
    products: dict[str, str]
    required: dict[str, tuple[str, ...]]
    names: dict[str, str]
    warehouse_id: str = ""
    #: What the marketplace said of the posting that its calls need back (WB cargo type).
    extra: dict[str, str] = field(default_factory=dict)


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
    ) -> None:
        self.after_job = after_job
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
        self._thread = threading.Thread(target=self._run, name="marketplace", daemon=True)
        self._thread.start()

    def hand_over(self, job: Job) -> None:
        self._jobs.put(job)

    def stop(self, timeout: float = 2.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout)
        for marketplace in self.marketplaces.values():
            marketplace.close()

    # --- the agent's thread ----------------------------------------------------------

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                self._do(job)
            except Exception:  # never the station's end: logged, the packer may HOLD
                log.exception("marketplace job for %s failed", job.order_id)
                params = {"order": job.order_id, "error": "internal error (see the log)"}
                self.tell(Msg("station.marketplace_failed", params), False)
            if self.after_job is not None:
                try:
                    self.after_job()
                except Exception:  # the call log is for the lead: never the packer's problem
                    log.exception("marketplace call records not stored")

    def _ours(self, job: Job) -> bool:
        return self.current_order() == job.order_id

    def _do(self, job: Job) -> None:
        marketplace = self.marketplaces.get(job.channel)
        facts = self.facts(job.order_id)
        if marketplace is None or facts is None:
            why = f"channel {job.channel} is not configured at this station"
            self.tell(
                Msg("station.marketplace_failed", {"order": job.order_id, "error": why}), False
            )
            return
        posting = _posting(facts, job)
        refs = self._retrying(job, partial(self._marks_then_ship, marketplace, posting, facts, job))
        if refs is None:
            return
        per_package = marketplace.label_per_package and len(refs) == len(job.parcels)
        for n, parcel_id in enumerate(job.parcels):
            package = refs[n] if n < len(refs) else refs[0] if refs else ""
            ref = package if per_package else posting.ref
            document = self._retrying(job, partial(marketplace.label, ref))
            if document is None:
                return
            if not self._print(job, parcel_id, document):
                return
            barcode = document.barcode or ref
            self.submit(MarketplaceLabel(job.order_id, parcel_id, barcode, package))

    def _marks_then_ship(
        self, marketplace: Marketplace, posting: Posting, facts: OrderFacts, job: Job
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
            if refused:
                self.submit(MarksRejected(job.order_id, refused))
                return None
            other = next((v for v in verdicts if not v.accepted), None)
            if other is not None:  # an IMEI or a date refused: not a unit the packer swaps
                error = f"{printable(other.value, limit=40)}: {other.reason or 'refused'}"
                self.tell(Msg("station.marketplace_failed", {"order": job.order_id,
                                                             "error": error}), False)  # fmt: skip
                return None
        boxes = [[(facts.products.get(sku, sku), qty) for sku, qty in box] for box in job.boxes]
        return marketplace.ship(posting, boxes)

    def _retrying(self, job: Job, call: Callable[[], T | None]) -> T | None:
        """`call` until it answers; "not ready" and a marketplace that is down are asked
        again (the packer told once); a refusal is told and ends the job."""
        told = False
        for attempt in range(10**6):
            if not self._ours(job):
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
            self.printer.send(data, f"{parcel_id}.{ext}")
        except (PrintError, ValueError) as exc:
            error = {"error": str(exc), "parcel": parcel_id}
            self.tell(Msg("station.print_failed", error), False)
            return False
        return True


def unit_marks(unit: Unit, required: Sequence[str]) -> dict[MarkKind, str]:
    """What the marketplace asked for of this unit's line, from what was captured with it:
    the marking code, the IMEI (the serial step), the GTIN and expiry of its GS1 code."""
    marks: dict[MarkKind, str] = {}
    if "sgtin" in required and unit.identity is not None:
        marks[MarkKind.SGTIN] = unit.code
    if "imei" in required and unit.serial:
        marks[MarkKind.IMEI] = unit.serial
    if "gtin" in required and unit.gtin:
        marks[MarkKind.GTIN] = unit.gtin
    if "expiration" in required and unit.expiry is not None:
        marks[MarkKind.EXPIRATION] = unit.expiry.isoformat()
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
