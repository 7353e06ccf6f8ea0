"""The coach beside the real pack workflow: what to scan next, the faults, the score.

The trainee works the real station (the same `decide`, runner and screens) on practice
orders; the coach only watches what the station showed (`Seen`, one per result) and says
what to do next (`Hint`: a sentence and the code to scan, which the screen draws large).
It also plays the parts a practice bench lacks: the tote (what comes out of it next), the
scale (`weigh`: the reading a parcel gives, or a wrong one for the scale fault) and the
document tray (`tray`, `fetch_documents`). Pure: no clock, database or screen here.

Errors are the red results the trainee caused, by signal class, except the first reds an
injected fault causes by itself (the wrong item scanned once; the wrong scale reading and
one re-weigh): meeting a fault is not a mistake, handling it wrong is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from packstation.domain.rules import PackRules
from packstation.domain.signals import SignalClass
from packstation.domain.text import printable
from packstation.domain.workflow import OverrideReason, PackState, Step
from packstation.domain.workflow.boxing import suggestion_for
from packstation.i18n import Msg
from packstation.training.lessons import FaultKind
from packstation.training.practice import PracticeOrder, PracticePlan, ToteUnit
from packstation.training.scoring import FaultResult, LessonScore, count_errors

__all__ = ["DOCS_CARD", "WEIGH_CARD", "Coach", "Hint", "Seen"]

#: Cards only a training station knows (drawn on its screen; F6 and F7 do the same).
WEIGH_CARD = "TRN:WEIGH"
DOCS_CARD = "TRN:DOCS"
#: A scale that reads wrong reads at least this much over (and 4 tolerances at least).
SCALE_FAULT_G = Decimal(300)
#: A good reading is this close to the expected weight (well inside any tolerance).
GOOD_READING_G = Decimal(3)
#: Reds a scale fault causes by itself: the first reading and one re-weigh.
SCALE_REDS_FREE = 2
#: A SKU is cut to this many characters in a hint (the pane is 23 cells wide).
SKU_SHOWN = 16
#: Reds that are a lead typing a PIN, not the trainee.
_LEAD_TYPING = frozenset({"override.wrong_pin", "override.too_many", "override.badge_locked"})
_DEFECTS = frozenset({"defect.held", "defect.short", "defect.short_removed"})
_SKIP_DOCUMENT = frozenset({"document.missing", "document.other_order"})
_HOW = {
    "order.packed": "packed",
    "order.packed_parcels": "packed",
    "defect.held": "held",
    "carrier.held": "held",
    "order.released": "released",
}


@dataclass(frozen=True, slots=True)
class Hint:
    """What the coach says now; `code` (if any) is drawn large so it can be scanned off the
    screen, `caption` says what it is."""

    message: Msg
    code: str = ""
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Seen:
    """One result as the station showed it: the new state and its outcome."""

    state: PackState
    ok: bool | None = None
    key: str = ""
    params: Mapping[str, object] = field(default_factory=dict)
    #: The signal class of the outcome (`domain/signals.signal_for`), None for none.
    signal: SignalClass | None = None
    #: The text scanned, when the command was a scan.
    scanned: str | None = None


class Coach:
    """One lesson: its plan, what the trainee did so far, and what comes next."""

    def __init__(self, plan: PracticePlan, rules: PackRules) -> None:
        self.plan = plan
        self.rules = rules
        self.started_at: datetime | None = None
        self.finished_at: datetime | None = None
        #: Order id -> how it left the station ("packed", "held", "released", "left").
        self.finished: dict[str, str] = {}
        self.errors: list[str] = []
        self.faults: dict[str, FaultResult] = {}
        self._taken: dict[str, set[int]] = {o.id: set() for o in plan.orders}
        self._fault_reds: dict[str, int] = {}
        self._fetched: set[str] = set()
        self._tried_skip: set[str] = set()
        self._confirmed_missing: set[str] = set()
        self._current: str | None = None
        self._weighed: dict[str, int] = {}

    # --- what happened ------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return len(self.finished) == len(self.plan.orders)

    def observe(self, seen: Seen, at: datetime) -> None:
        """Take in one result the station showed at `at`."""
        state = seen.state
        here = self.plan.order(state.order.id) if state.order is not None else None
        before = self.plan.order(self._current) if self._current is not None else None
        # A result that ends an order (a defect holding it) is still about that order.
        subject = here or before
        taken = self._take(subject, seen.scanned) if subject is not None else None
        if seen.ok is False:
            self._red(subject, seen, taken)
        if subject is not None:
            self._watch_fault(subject, seen)
        if before is not None and (here is None or here.id != before.id):
            self._finish(before.id, seen.key, at)
        self._current = here.id if here is not None else None
        if here is not None and self.started_at is None:
            self.started_at = at

    def _take(self, order: PracticeOrder, scanned: str | None) -> ToteUnit | None:
        """The tote unit just scanned (it is out of the tote now, put aside if refused)."""
        if scanned is None:
            return None
        taken = self._taken[order.id]
        for i, unit in enumerate(order.tote):
            if i not in taken and unit.code == scanned:
                taken.add(i)
                return unit
        return None

    def _red(self, order: PracticeOrder | None, seen: Seen, taken: ToteUnit | None) -> None:
        signal = seen.signal
        if signal is None or signal is SignalClass.FAILURE or seen.key in _LEAD_TYPING:
            return  # the station's or the lead's, not the trainee's
        if order is not None:
            if self._fault_shows(order, seen, taken):
                self._fault_reds[order.id] = self._fault_reds.get(order.id, 0) + 1
                return
            if order.fault is FaultKind.MISSING_DOCUMENT and seen.key in _SKIP_DOCUMENT:
                self._tried_skip.add(order.id)
        self.errors.append(signal.value)

    def _fault_shows(self, order: PracticeOrder, seen: Seen, taken: ToteUnit | None) -> bool:
        """Whether this red is the injected fault showing itself (not the trainee's error)."""
        reds = self._fault_reds.get(order.id, 0)
        if order.fault is FaultKind.WRONG_ITEM:
            return taken is not None and taken.wrong and reds == 0
        if order.fault is FaultKind.SCALE:
            return seen.key == "weight.out_of_tolerance" and reds < SCALE_REDS_FREE
        return False

    def _watch_fault(self, order: PracticeOrder, seen: Seen) -> None:
        if order.id in self.faults or order.fault is None:
            return
        state = seen.state
        if order.fault is FaultKind.WRONG_ITEM and seen.key in _DEFECTS:
            if seen.params.get("sku") == order.fault_sku:
                kind = seen.params.get("defect")
                kind_key = kind.key if isinstance(kind, Msg) else str(kind)
                note = kind_key.removeprefix("defect.kind.")
                self._decide(order, note == FaultKind.WRONG_ITEM.value, f"defect:{note}")
        elif order.fault is FaultKind.SCALE:
            checks = [box.weight for box in state.sealed] + [state.weight]
            reason = next((w.reason for w in checks if w is not None and w.reason), None)
            if reason is not None:
                self._decide(order, reason is OverrideReason.SCALE, f"reason:{reason.value}")
        elif (
            order.fault is FaultKind.MISSING_DOCUMENT
            and order.missing_document in state.documents_done
        ):
            self._confirmed_missing.add(order.id)

    def _decide(self, order: PracticeOrder, right: bool, note: str) -> None:
        assert order.fault is not None
        self.faults[order.id] = FaultResult(order.fault.value, order.id, right, note)

    def _finish(self, order_id: str, key: str, at: datetime) -> None:
        order = self.plan.order(order_id)
        if order is None or order_id in self.finished:
            return
        how = _HOW.get(key, "left")
        self.finished[order_id] = how
        if order.fault is FaultKind.MISSING_DOCUMENT and order_id not in self.faults:
            fetched = order_id in self._fetched
            skipped = order_id in self._tried_skip
            right = fetched and not skipped and order_id in self._confirmed_missing
            note = "tried to skip" if skipped else "" if fetched else "not reprinted"
            self._decide(order, right and how == "packed", note or how)
        elif order.fault is not None and order_id not in self.faults:
            self._decide(order, False, how if how != "packed" else "not handled")
        if self.done:
            self.finished_at = at

    def score(self, at: datetime) -> LessonScore:
        """The lesson's score (`at`: its end, if it has not ended by itself)."""
        end = self.finished_at or at
        faults = tuple(self.faults[o.id] for o in self.plan.orders if o.id in self.faults)
        return LessonScore(
            self.plan.lesson.id,
            self.started_at or end,
            end,
            self.plan.units,
            count_errors(self.errors),
            faults,
        )

    # --- the bench: tote, scale, tray ---------------------------------------------------

    def current(self, state: PackState) -> PracticeOrder | None:
        return self.plan.order(state.order.id) if state.order is not None else None

    def weigh(self, state: PackState) -> Decimal | None:
        """What the scale reads for the parcel on it now (None: nothing to weigh)."""
        if state.stage is not Step.WEIGHT:
            return None
        expected = state.expected_weight_g
        order = self.current(state)
        key = order.id if order is not None else ""
        # Each time a little different: the same reading again is the same parcel still
        # on the scale, which the station rightly takes for no re-weigh at all.
        times = self._weighed[key] = self._weighed.get(key, 0) + 1
        if order is not None and order.fault is FaultKind.SCALE:
            wrong = max(SCALE_FAULT_G, 4 * self.rules.tolerance_g(expected))
            return expected + wrong + 7 * (times - 1)
        return expected + GOOD_READING_G + (times - 1) % 3

    def fetch_documents(self, state: PackState) -> bool:
        """The office reprints the order's documents: True if one was missing from the tray."""
        order = self.current(state)
        if order is None or not order.missing_document or order.id in self._fetched:
            return False
        self._fetched.add(order.id)
        return True

    def tray(self, state: PackState) -> tuple[str, ...]:
        """The documents in the tray for the order on the station."""
        order = self.current(state)
        if order is None or order.id in self._fetched:
            return state.documents
        return tuple(d for d in state.documents if d != order.missing_document)

    def next_unit(self, state: PackState) -> ToteUnit | None:
        """What comes out of the tote next: a unit still needed, or the wrong item."""
        order = self.current(state)
        if order is None:
            return None
        remaining = {line.sku: state.remaining(line) for line in state.lines}
        taken = self._taken[order.id]
        for i, unit in enumerate(order.tote):
            if i in taken:
                continue
            if unit.wrong or remaining.get(unit.sku, 0) > 0:
                return unit
        return None

    # --- what to do next ------------------------------------------------------------------

    def hint(self, state: PackState) -> Hint:
        step = state.step
        if step is Step.LOGGED_OUT:
            return Hint(Msg("training.hint.badge"))
        if step in (Step.IDLE, Step.CLOSED):
            if self.done:
                return Hint(Msg("training.hint.done"))
            return Hint(Msg("training.hint.next"), "CMD:NEXT")
        if self.current(state) is None:
            return Hint(Msg("training.hint.not_lesson"))
        if step is Step.ITEMS:
            return self._items(state)
        if step is Step.BOX:
            box = self._box(state)
            return Hint(Msg("training.hint.box", {"box": box}), box)
        if step is Step.WEIGHT:
            again = "training.hint.weigh_again" if state.weight_blocked else "training.hint.weigh"
            return Hint(Msg(again), WEIGH_CARD)
        if step is Step.CHECKS:
            return self._checks(state)
        if step is Step.LABEL and state.parcel is not None:
            parcel = state.parcel
            code = (*parcel.codes, parcel.parcel_id)[0]
            params = {"n": parcel.seq, "m": parcel.count}
            return Hint(Msg("training.hint.label", params), code, parcel.parcel_id)
        if step is Step.DEFECT_PICK_LINE:
            return Hint(Msg("training.hint.defect_line"))
        if step is Step.DEFECT_PICK_KIND:
            return Hint(Msg("training.hint.defect_kind"))
        return Hint(Msg("training.hint.lead"))

    def _items(self, state: PackState) -> Hint:
        order = self.current(state)
        assert order is not None
        if order.boxes > 1 and not state.splitting and len(state.sealed) + 1 < order.boxes:
            upto = -(-order.units * (len(state.sealed) + 1) // order.boxes)  # ceil
            if state.units_packed >= upto:
                n = len(state.sealed) + 1
                return Hint(Msg("training.hint.new_box", {"n": n}), "CMD:NEWBOX")
        unit = self.next_unit(state)
        if unit is None:
            open_lines = ", ".join(line.sku for line in state.open_lines(limit=3))
            return Hint(Msg("training.hint.tote_empty", {"skus": open_lines}))
        # Two lines of the pane at most, so a marking code's 11 rows still fit under it.
        sku = printable(unit.sku, limit=SKU_SHOWN)
        return Hint(Msg("training.hint.item", {"sku": sku}), unit.code, unit.name)

    def _box(self, state: PackState) -> str:
        found = suggestion_for(state, self.rules).box
        if found is not None:
            return found.code
        boxes = sorted(self.rules.boxes, key=lambda b: b.tare_g)
        return boxes[len(boxes) // 2].code if boxes else "BOX:M"

    def _checks(self, state: PackState) -> Hint:
        index = state.next_check
        if index is not None:
            text = state.checks[index].text
            return Hint(Msg("training.hint.check", {"text": text}), "CMD:OK")
        document = state.next_document or ""
        order_id = state.order.id if state.order else ""
        if document in self.tray(state):
            code = f"DOC:{document}:{order_id}"
            return Hint(Msg("training.hint.document", {"document": document}), code)
        return Hint(Msg("training.hint.no_document", {"document": document}))
