"""Box suggestion at the box step (issue 12 part 3): the hint, refusals, a lead's override,
a suggestion per box of a multi-box order, and what the label records."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from packstation.domain.workflow import (
    Action,
    OverrideReason,
    PickReason,
    PinEntry,
    ScaleReading,
    Step,
    record_from,
    replay,
)
from packstation.domain.workflow.records import BoxOverridden, LabelPrinted
from packstation.domain.workflow.state import OverrideFlow, Purpose
from packstation.i18n import t

from .conftest import LEAD, MUG, SPOON, TEA, Station
from .test_replay import stored

SIZES = {MUG: (100, 80, 90), TEA: (120, 60, 50), SPOON: (150, 30, 15)}


@pytest.fixture
def sized(logged_in: Station) -> Station:
    """ORD-1001 with item sizes (2 mugs, tea, spoons: 1.9 l, BOX:S suggested)."""
    order = logged_in.ctx.orders["ORD-1001"]
    lines = tuple(replace(line, dims_mm=SIZES[line.barcodes[0]]) for line in order.lines)
    logged_in.ctx.orders["ORD-1001"] = replace(order, lines=lines)
    assert logged_in.scan("ORD-1001").ok
    for code in (MUG, MUG, TEA, SPOON):
        assert logged_in.scan(code).ok
    return logged_in


def test_the_box_step_names_the_suggested_box(sized: Station) -> None:
    hint = t(sized.last.outcome.next_hint)  # type: ignore[union-attr]
    assert hint == "Box BOX:S fits (Small 20x15x10): scan it, or another box"
    assert t(sized.last.outcome.next_hint, "ru").startswith("Подойдёт BOX:S")  # type: ignore[union-attr]


def test_without_sizes_the_screen_says_there_is_no_suggestion(ord1001: Station) -> None:
    for code in (MUG, MUG, TEA, SPOON):
        out = ord1001.scan(code)
    assert (
        t(out.next_hint) == "No box suggestion (no item sizes). Scan the box: BOX:S, BOX:M, BOX:BAG"
    )
    assert ord1001.scan("BOX:BAG").ok  # nothing is refused for size without sizes


def test_a_box_too_small_is_refused_with_the_suggestion(sized: Station) -> None:
    out = sized.scan("BOX:BAG")
    assert not out.ok and out.bell and out.message.key == "box.too_small"
    assert t(out.message) == "BOX:BAG IS TOO SMALL: the items do not fit by volume. Use BOX:S"
    assert sized.state.step is Step.BOX and sized.state.box is None
    assert sized.kinds() == ["scan.rejected"]


def test_a_box_whose_longest_side_is_too_short_is_refused_by_scan(logged_in: Station) -> None:
    """Volume enough (1.9 l in 3 l) but a 25 cm spoon set in a box 20 cm long at most."""
    sizes = {**SIZES, SPOON: (250, 30, 15)}
    order = logged_in.ctx.orders["ORD-1001"]
    lines = tuple(replace(line, dims_mm=sizes[line.barcodes[0]]) for line in order.lines)
    logged_in.ctx.orders["ORD-1001"] = replace(order, lines=lines)
    for code in ("ORD-1001", MUG, MUG, TEA, SPOON):
        assert logged_in.scan(code).ok
    out = logged_in.scan("BOX:S")
    assert not out.ok and out.message.key == "box.too_small"
    assert t(out.message) == ("BOX:S IS TOO SMALL: an item is longer than the box. Use BOX:M")
    assert logged_in.state.box is None
    assert logged_in.scan("BOX:M").ok and logged_in.state.box is not None


def test_a_larger_box_is_taken_and_the_first_pick_is_kept(sized: Station) -> None:
    out = sized.scan("BOX:M")
    assert out.ok and t(out.message).endswith("BOX:S is enough: scan it to change")
    assert sized.scan("BOX:S").ok and sized.state.box is not None
    assert (sized.state.box.code, sized.state.box.first) == ("BOX:S", "BOX:M")
    expected = sized.state.expected_weight_g
    assert sized.do(ScaleReading(expected, stable=True)).ok
    while sized.state.step is Step.CHECKS:
        if sized.state.next_check is not None:
            assert sized.key(Action.OK).ok
        else:
            doc = sized.state.next_document
            assert sized.scan(f"DOC:{doc}:ORD-1001").ok
    [label] = [r for r in sized.records if isinstance(r, LabelPrinted)]
    assert (label.box_code, label.suggested_box) == ("BOX:S", "BOX:S")
    assert (label.box_cm3, label.suggested_cm3, label.first_box_cm3) == (3000, 3000, 11250)
    assert replay(stored(sized.records)) == sized.state.durable()


def test_a_lead_overrides_a_refused_box(sized: Station) -> None:
    assert not sized.scan("BOX:BAG").ok
    out = sized.key(Action.LEAD)
    assert out.ok and out.message.key == "box.override_started"
    assert sized.state.flow == OverrideFlow(Purpose.BOX, box="BOX:BAG")
    assert sized.scan(LEAD.badge).ok
    assert sized.do(PinEntry("4321")).ok and sized.state.step is Step.OVERRIDE_REASON
    hint = t(sized.last.outcome.next_hint)  # type: ignore[union-attr]
    assert hint.startswith("Reason: 13 catalogue sizes wrong, 14 fits anyway, 4 other")
    assert not sized.do(PickReason(OverrideReason.SCALE)).ok  # a weight reason
    assert not sized.do(PickReason(OverrideReason.OTHER)).ok  # OTHER needs a note
    out = sized.do(PickReason(OverrideReason.FITS_ANYWAY))
    assert out.ok and t(out.message) == "Box BOX:BAG approved by Ольга Л."
    [record] = sized.new_records
    assert isinstance(record, BoxOverridden) and record.kind == "override.box"
    assert (record.code, record.why, record.suggested) == ("BOX:BAG", "volume", "BOX:S")
    assert (record.lead_name, record.packer_name) == (LEAD.name, "Анна К.")
    assert record_from(record.kind, record.to_payload()) == record
    assert sized.state.box is not None and sized.state.box.code == "BOX:BAG"
    assert sized.state.step.value == "weight"  # (mypy narrowed it to the reason step)
    assert replay(stored(sized.records)) == sized.state.durable()


def test_lead_without_a_refused_box_is_not_a_box_override(sized: Station) -> None:
    assert sized.key(Action.LEAD).message.key == "override.nothing"


def test_each_box_of_a_multi_box_order_gets_its_own_suggestion(logged_in: Station) -> None:
    order = logged_in.ctx.orders["ORD-1001"]
    sizes = {MUG: (100, 80, 90), TEA: (120, 60, 5), SPOON: (150, 30, 5)}
    lines = tuple(replace(line, dims_mm=sizes[line.barcodes[0]]) for line in order.lines)
    logged_in.ctx.orders["ORD-1001"] = replace(order, lines=lines)
    st = logged_in
    assert st.scan("ORD-1001").ok
    assert st.scan(MUG).ok and st.scan(MUG).ok
    out = st.scan("CMD:NEWBOX")
    assert t(out.next_hint) == "Box BOX:S fits (Small 20x15x10): scan it for box 1"  # two mugs
    assert not st.scan("BOX:BAG").ok  # two mugs are 1.44 l, the bag 0.875 l
    assert st.scan("BOX:S").ok
    assert (
        st.do(ScaleReading(st.state.expected_weight_g, stable=True)).ok
        and len(st.state.sealed) == 1
    )
    assert st.scan(TEA).ok
    out = st.scan(SPOON)
    assert t(out.next_hint).startswith("Box BOX:BAG fits (Courier bag)")  # the flat ones
    assert st.scan("BOX:BAG").ok
    assert st.do(ScaleReading(st.state.expected_weight_g, stable=True)).ok
    while st.state.step is Step.CHECKS:
        if st.state.next_check is not None:
            assert st.key(Action.OK).ok
        else:
            assert st.scan(f"DOC:{st.state.next_document}:ORD-1001").ok
    labels = [r for r in st.records if isinstance(r, LabelPrinted)]
    assert [(lb.seq, lb.box_code, lb.suggested_box) for lb in labels] == [
        (1, "BOX:S", "BOX:S"),
        (2, "BOX:BAG", "BOX:BAG"),
    ]
