"""The station's state: immutable, and as much as possible derived rather than stored.

Only facts are kept (who is logged in, the claimed order, accepted scans, the
box, the last weighing, sealed boxes, confirmations, defects, the parcels). The step is
computed from them, so undo, a defect or a changed box can never leave the
station in a step its facts do not support (e.g. a weight that was accepted
for a different set of items).

``flow`` (defect / lead-override dialogs) and ``alert`` are screen state: they
are not facts and are not restored by ``replay``; ``durable()`` drops them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal

from msgspec import Struct
from msgspec.structs import replace

from packstation.domain.carriers import NoFit
from packstation.domain.instructions import Instruction
from packstation.domain.workflow.facts import (
    AcceptedScan,
    BoxChoice,
    CarrierOverride,
    DefectEntry,
    Parcel,
    SealedBox,
    SkippedCheck,
    Verdict,
    WeightCheck,
)
from packstation.domain.workflow.model import (
    CheckItem,
    LineView,
    Operator,
    OrderView,
    OverrideReason,
)
from packstation.domain.workflow.tallies import (
    items_complete_of,
    tally_scans,
    tally_shorts,
    units_required_of,
)
from packstation.i18n import Msg

__all__ = [
    "DefectFlow",
    "Flow",
    "Outcome",
    "OverrideFlow",
    "PackState",
    "Purpose",
    "Step",
]


class Step(enum.StrEnum):
    LOGGED_OUT = "logged_out"
    IDLE = "idle"
    ITEMS = "items"
    BOX = "box"
    WEIGHT = "weight"
    CHECKS = "checks"
    LABEL = "label"
    CLOSED = "closed"
    DEFECT_PICK_LINE = "defect_pick_line"
    DEFECT_PICK_KIND = "defect_pick_kind"
    OVERRIDE_BADGE = "override_badge"
    OVERRIDE_PIN = "override_pin"
    OVERRIDE_REASON = "override_reason"
    #: The last unit's serial number or IMEI is due (its line asks for one), by scan.
    SERIAL = "serial"


#: The steps of an order, in screen order (the breadcrumb).
ORDER_STEPS = (Step.ITEMS, Step.BOX, Step.WEIGHT, Step.CHECKS, Step.LABEL)


class Outcome(Struct, frozen=True):
    """What the packer sees after a command. ``quiet``: nothing to show (ignored input)."""

    ok: bool
    message: Msg
    next_hint: Msg
    bell: bool = False
    shown_code: str | None = None
    quiet: bool = False
    #: A red that would mis-ship, shown before this lesser red and not yet acknowledged:
    #: it stays on screen with it (`signals.pending_mis_ship`).
    earlier: Outcome | None = None


class DefectFlow(Struct, frozen=True):
    """CMD:DEFECT: first the line, then the kind."""

    line_id: int | None = None
    #: The unit scanned to pick the line: its lot, expiry and serial go on the defect.
    unit: AcceptedScan | None = None

    @property
    def step(self) -> Step:
        return Step.DEFECT_PICK_LINE if self.line_id is None else Step.DEFECT_PICK_KIND


class Purpose(enum.StrEnum):
    WEIGHT = "weight"
    CANCEL = "cancel"
    CARRIER = "carrier"
    #: A packaging check the packer cannot do (documents are never skipped).
    SKIP_CHECK = "skip_check"
    #: A box the items do not fit by size (volume or longest side).
    BOX = "box"

    def allows(self, reason: OverrideReason) -> bool:
        """Whether ``reason`` is offered for this purpose."""
        if self is Purpose.CARRIER:
            return reason.for_carrier
        if self is Purpose.CANCEL:
            return reason.for_cancel
        if self is Purpose.SKIP_CHECK:
            return reason.for_check
        if self is Purpose.BOX:
            return reason.for_box
        return reason.for_weight

    def reason_numbers(self) -> dict[OverrideReason, int]:
        """The reasons offered, by the number the packer types (a position in
        ``OverrideReason``, so the numbers of one purpose are not consecutive)."""
        return {
            reason: n for n, reason in enumerate(OverrideReason, start=1) if self.allows(reason)
        }


class OverrideFlow(Struct, frozen=True):
    """A lead approves: badge, then PIN, then a reason."""

    purpose: Purpose
    lead: Operator | None = None
    pin_ok: bool = False
    failures: int = 0
    #: Carrier override: the scanned tariff, as configured (``CARRIER:TARIFF``).
    tariff: str = ""
    #: Skipped check: its index in the order's checklist, fixed when the dialog opened.
    check: int | None = None
    #: Box override: the box code the station refused for the items' size.
    box: str = ""

    @property
    def step(self) -> Step:
        if self.lead is None:
            return Step.OVERRIDE_BADGE
        return Step.OVERRIDE_REASON if self.pin_ok else Step.OVERRIDE_PIN


Flow = DefectFlow | OverrideFlow


class PackState(Struct, frozen=True):
    operator: Operator | None = None
    order: OrderView | None = None
    #: The order's checklist and documents, fixed at claim.
    checks: tuple[CheckItem, ...] = ()
    documents: tuple[str, ...] = ()
    #: The order's pack instructions (order file and config), fixed at claim.
    instructions: tuple[Instruction, ...] = ()
    #: Accepted item scans, oldest first: the undo stack and the source of all counts.
    scans: tuple[AcceptedScan, ...] = ()
    box: BoxChoice | None = None
    weight: WeightCheck | None = None
    #: Checks done: confirmed by the packer, or skipped with a lead's approval.
    checks_done: frozenset[int] = frozenset()
    #: The skipped ones among them (shown as skipped, not as confirmed).
    checks_skipped: tuple[SkippedCheck, ...] = ()
    documents_done: frozenset[str] = frozenset()
    defects: tuple[DefectEntry, ...] = ()
    #: Labels printed for the order (one per box, by seq); empty until the label step.
    parcels: tuple[Parcel, ...] = ()
    #: Boxes closed with CMD:NEWBOX and weighed, in order (multi-parcel orders).
    sealed: tuple[SealedBox, ...] = ()
    #: CMD:NEWBOX: the open box holds what was scanned so far; it needs a box and a weight.
    splitting: bool = False
    #: Why no tariff fits (label step): the packer waits for a lead (override or hold).
    no_fit: NoFit | None = None
    carrier_override: CarrierOverride | None = None
    #: The order packed last, shown on the CLOSED screen until the next claim.
    closed_order: str | None = None
    last_activity: datetime | None = None
    flow: Flow | None = None
    alert: Outcome | None = None

    # --- screen state ---------------------------------------------------------------

    def durable(self) -> PackState:
        """The part ``replay`` restores: everything but the open dialog and the alert."""
        return replace(self, flow=None, alert=None)

    @property
    def step(self) -> Step:
        if self.flow is not None:
            return self.flow.step
        return Step.SERIAL if self.serial_due is not None else self.stage

    # --- derived facts ----------------------------------------------------------------

    @property
    def stage(self) -> Step:
        """The main step, from the facts alone."""
        if self.operator is None:
            return Step.LOGGED_OUT
        if self.order is None:
            return Step.CLOSED if self.closed_order else Step.IDLE
        if self.serial_due is not None:
            return Step.ITEMS
        if self.splitting and self.open_units:
            return Step.BOX if self.box is None else Step.WEIGHT
        if not self.items_complete:
            return Step.ITEMS
        if self.box is None and not self.open_box_empty:
            return Step.BOX
        if not self.weight_ok and not self.open_box_empty:
            return Step.WEIGHT
        if not (self.checks_complete and self.documents_complete):
            return Step.CHECKS
        return Step.LABEL

    @property
    def lines(self) -> tuple[LineView, ...]:
        return self.order.lines if self.order else ()

    @property
    def serial_due(self) -> AcceptedScan | None:
        """The last unit when its serial is still to be scanned (only the last one can be
        waiting: nothing else is taken until it is given)."""
        last = self.scans[-1] if self.scans else None
        return last if last is not None and last.ask and last.serial is None else None

    # --- boxes and parcels ------------------------------------------------------------

    @property
    def sealed_units(self) -> int:
        return self.sealed[-1].upto if self.sealed else 0

    @property
    def open_units(self) -> int:
        """Units in the open box: scanned since the last sealed box."""
        return len(self.scans) - self.sealed_units

    @property
    def open_box_empty(self) -> bool:
        """Every unit is in a sealed box (a short-shipped line emptied the last one)."""
        return bool(self.sealed) and self.open_units == 0 and self.box is None

    @property
    def box_count(self) -> int:
        """Boxes (parcels) of the order so far: the sealed ones and the open one."""
        return len(self.sealed) + (0 if self.open_box_empty else 1)

    @property
    def parcel(self) -> Parcel | None:
        """The next label to scan (the first unconfirmed parcel), if labels are printed."""
        return next((p for p in self.parcels if not p.confirmed), None)

    @property
    def any_confirmed(self) -> bool:
        return any(p.confirmed for p in self.parcels)

    def packed(self, line_id: int) -> int:
        return tally_scans(self.scans).get(line_id, 0)

    def shorted(self, line_id: int) -> int:
        return tally_shorts(self.defects).get(line_id, 0)

    def required(self, line: LineView) -> int:
        """Units of the line that will ship: ordered minus short-shipped."""
        return max(line.qty - self.shorted(line.line_id), 0)

    def remaining(self, line: LineView) -> int:
        return max(self.required(line) - self.packed(line.line_id), 0)

    def open_lines(self, limit: int | None = None) -> list[LineView]:
        """Lines still waiting for units, in order; at most ``limit`` of them.

        A tight loop over the tallies: it runs on every scan of 2,000-line orders.
        """
        packed, shorted = tally_scans(self.scans), tally_shorts(self.defects)
        found: list[LineView] = []
        for line in self.lines:
            lid = line.line_id
            if line.qty - shorted.get(lid, 0) - packed.get(lid, 0) > 0:
                found.append(line)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def line_counts(
        self, lines: Iterable[LineView] | None = None
    ) -> Iterator[tuple[LineView, int, int]]:
        """(line, packed, required) for each line, from one tally of the scans (for screens)."""
        packed, shorted = tally_scans(self.scans), tally_shorts(self.defects)
        for line in self.lines if lines is None else lines:
            lid = line.line_id
            yield line, packed.get(lid, 0), max(line.qty - shorted.get(lid, 0), 0)

    @property
    def items_complete(self) -> bool:
        return items_complete_of(self.lines, self.scans, self.defects)

    @property
    def units_packed(self) -> int:
        return len(self.scans)

    @property
    def units_required(self) -> int:
        return units_required_of(self.lines, self.defects)

    @property
    def markings(self) -> frozenset[str]:
        """Marking identities counted in this order."""
        return frozenset(s.identity for s in self.scans if s.identity)

    @property
    def expected_weight_g(self) -> Decimal:
        """Units in the open box times their weight, plus its tare (if a box is chosen).

        Sealed boxes are subtracted by their stored item weight, so a multi-box order
        costs no more per scan than a single box."""
        packed = tally_scans(self.scans)
        items = sum(
            (
                line.unit_weight_g * packed[line.line_id]
                for line in self.lines
                if line.line_id in packed
            ),
            Decimal(0),
        )
        items -= sum((s.items_g for s in self.sealed), Decimal(0))
        return items + (self.box.tare_g if self.box else Decimal(0))

    def _weighing_is_current(self) -> bool:
        return (
            self.weight is not None
            and self.box is not None
            and self.weight.box_code == self.box.code
            and self.weight.expected_g == self.expected_weight_g
        )

    @property
    def weight_ok(self) -> bool:
        return self._weighing_is_current() and (
            self.weight is not None and self.weight.verdict is not Verdict.REJECTED
        )

    @property
    def weight_blocked(self) -> bool:
        """The current parcel was weighed out of tolerance and nobody has fixed it yet."""
        return self._weighing_is_current() and (
            self.weight is not None and self.weight.verdict is Verdict.REJECTED
        )

    @property
    def checks_complete(self) -> bool:
        return len(self.checks_done) == len(self.checks)

    @property
    def documents_complete(self) -> bool:
        return all(d in self.documents_done for d in self.documents)

    def skipped(self, index: int) -> SkippedCheck | None:
        """How check ``index`` was skipped, or None if it was not."""
        return next((s for s in self.checks_skipped if s.index == index), None)

    @property
    def next_check(self) -> int | None:
        return next((i for i in range(len(self.checks)) if i not in self.checks_done), None)

    @property
    def next_document(self) -> str | None:
        return next((d for d in self.documents if d not in self.documents_done), None)

    @property
    def touched(self) -> bool:
        """Anything done to the order that a plain release would silently throw away."""
        return bool(
            self.scans
            or self.box
            or self.weight
            or self.checks_done
            or self.documents_done
            or self.defects
            or self.parcels
            or self.sealed
            or self.splitting
            or self.carrier_override
        )
