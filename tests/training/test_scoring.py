"""Scoring: a lesson's time per unit, errors by kind, faults handled right; the coach's
attribution of reds (meeting a fault is not a mistake, handling it wrong is)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from packstation.domain.rules import PackRules
from packstation.domain.signals import SignalClass
from packstation.domain.workflow import Operator, OrderView, PackState, line_view
from packstation.i18n import Msg
from packstation.training.coach import Coach, Seen
from packstation.training.lessons import LESSONS, FaultKind, Lesson, OrderSpec, lesson_by_ref
from packstation.training.practice import CatalogItem, practice_plan
from packstation.training.scoring import FaultResult, LessonScore, record_of

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def score(
    lesson: str = "defects",
    seconds: int = 120,
    units: int = 4,
    errors: dict[str, int] | None = None,
    faults: tuple[FaultResult, ...] = (),
    day: int = 0,
) -> LessonScore:
    start = T0 + timedelta(days=day)
    return LessonScore(
        lesson, start, start + timedelta(seconds=seconds), units, errors or {}, faults
    )


def test_time_per_unit_errors_and_pass() -> None:
    right = FaultResult("wrong_item", "TRN-1-1", True, "defect:wrong_item")
    s = score(errors={"wrong_item": 1, "refused": 1}, faults=(right,))
    assert (s.seconds, s.seconds_per_unit, s.error_count, s.faults_right) == (120, 30, 2, 1)
    assert s.passed
    assert not score(errors={"refused": 3}).passed  # too many errors
    wrong = FaultResult("scale", "TRN-1-1", False, "reason:other")
    assert not score(faults=(right, wrong)).passed  # a fault handled wrong
    assert score(units=0).seconds_per_unit is None


def test_the_payload_round_trips() -> None:
    s = score(errors={"weight": 2}, faults=(FaultResult("scale", "TRN-2-1", False, "left"),))
    payload = s.to_payload()
    assert payload["seconds"] == 120 and payload["passed"] is False
    assert LessonScore.from_payload(payload) == s


def test_a_trainees_record_sums_their_lessons() -> None:
    first = score("first_order", seconds=100, units=2, errors={"wrong_item": 1})
    second = score("defects", seconds=60, units=4, errors={"wrong_item": 1, "refused": 1}, day=1)
    failed = score("weight_problems", errors={"weight": 5}, day=2)
    record = record_of([second, failed, first])
    assert record.lessons == 3 and record.last == failed
    assert record.passed == {"first_order", "defects"}
    assert (record.units, record.seconds) == (10, 280)
    assert dict(record.errors) == {"weight": 5, "wrong_item": 2, "refused": 1}
    assert list(record.errors) == ["weight", "wrong_item", "refused"]  # most first
    assert record.seconds_per_unit == 28


def test_lessons_by_number_or_id() -> None:
    assert lesson_by_ref("1") is LESSONS[0] and lesson_by_ref("defects") is LESSONS[3]
    assert lesson_by_ref("6") is None and lesson_by_ref("nope") is None
    assert [lesson.faults for lesson in LESSONS] == [
        (), (), (FaultKind.SCALE,), (FaultKind.WRONG_ITEM,), (FaultKind.MISSING_DOCUMENT,)
    ]  # fmt: skip


ITEMS = [
    CatalogItem(f"SKU-{n}", f"Item {n}", f"460123456789{n}", Decimal(100), gtin=None)
    for n in range(4)
]


def _coach(spec: OrderSpec) -> Coach:
    plan = practice_plan(Lesson("t", (spec,)), 1, ITEMS, PackRules.default(), T0, random.Random(3))
    return Coach(plan, PackRules.default())


def _state(coach: Coach) -> PackState:
    order = coach.plan.orders[0].order
    lines = tuple(
        line_view(i + 1, line.sku, line.name, line.qty, Decimal(100), barcodes=tuple(line.barcodes))
        for i, line in enumerate(order.lines)
    )
    view = OrderView(order.id, lines=lines)
    return PackState(operator=Operator(1, "B", "Trainee"), order=view)


def test_meeting_the_wrong_item_is_no_error_scanning_it_again_is() -> None:
    coach = _coach(OrderSpec(lines=2, fault=FaultKind.WRONG_ITEM))
    state = _state(coach)
    wrong = next(u for u in coach.plan.orders[0].tote if u.wrong)
    assert coach.next_unit(state) == coach.plan.orders[0].tote[0]
    red = Seen(state, False, "scan.unknown", {}, SignalClass.WRONG_ITEM, wrong.code)
    coach.observe(red, T0)
    assert coach.errors == [] and coach.started_at == T0
    coach.observe(red, T0 + timedelta(seconds=5))  # the same wrong item, again
    assert coach.errors == ["wrong_item"]
    # A defect of another kind on the replaced line: handled, but not the right way.
    params = {"order": state.order.id if state.order else "", "sku": coach.plan.orders[0].fault_sku,
              "defect": Msg("defect.kind.missing")}  # fmt: skip
    left = PackState(operator=state.operator, closed_order=None)
    coach.observe(Seen(left, True, "defect.held", params), T0 + timedelta(seconds=9))
    assert coach.done and coach.finished == {"TRN-1-1": "held"}
    result = coach.score(T0 + timedelta(seconds=30))
    assert result.faults == (FaultResult("wrong_item", "TRN-1-1", False, "defect:missing"),)
    assert result.seconds == 9 and result.errors == {"wrong_item": 1}


def test_the_stations_failures_and_a_leads_pin_typos_are_not_the_trainees_errors() -> None:
    coach = _coach(OrderSpec(lines=1))
    state = _state(coach)
    coach.observe(Seen(state, False, "station.db_down", {}, SignalClass.FAILURE), T0)
    coach.observe(Seen(state, False, "override.wrong_pin", {}, SignalClass.REFUSED), T0)
    coach.observe(Seen(state, False, "scan.over_scan", {}, SignalClass.OVER_SCAN), T0)
    assert coach.errors == ["over_scan"]


@pytest.mark.parametrize("fault", [FaultKind.SCALE, FaultKind.MISSING_DOCUMENT])
def test_a_fault_left_unhandled_is_not_right(fault: FaultKind) -> None:
    coach = _coach(OrderSpec(lines=1, fault=fault))
    state = _state(coach)
    coach.observe(Seen(state, True, "order.claimed"), T0)
    coach.observe(Seen(PackState(operator=state.operator), True, "order.released"), T0)
    [result] = coach.score(T0).faults
    assert not result.right and result.note in ("released", "not reprinted")
