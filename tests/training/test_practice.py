"""Practice orders from the real catalogue and the config; codes drawn to be scanned off
the screen (decoded with zxing-cpp as a scanner would)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from packstation.domain.check_digits import barcode_problem
from packstation.domain.codes import CodeKind, parse_code
from packstation.domain.rules import PackRules
from packstation.domain.validation import validate_order
from packstation.labels.symbols import code128
from packstation.training.lessons import LESSONS, FaultKind, Lesson, OrderSpec
from packstation.training.practice import PracticeError, catalog_from_orders, practice_plan
from packstation.training.sandbox import sample_items
from packstation.widgets.big_code import block_lines, code_text, symbol_for
from tests.training.helpers import decode_blocks

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_lesson_makes_valid_orders_from_the_catalogue(
    lesson: Lesson, rules: PackRules
) -> None:
    items = sample_items()
    plan = practice_plan(lesson, 4, items, rules, NOW, random.Random(11))
    assert [o.id for o in plan.orders] == [f"TRN-4-{n + 1}" for n in range(len(lesson.orders))]
    priorities = [o.order.priority for o in plan.orders]
    assert priorities == sorted(priorities, reverse=True) and min(priorities) > 40
    known = {i.sku: i for i in items}
    for spec, made in zip(lesson.orders, plan.orders, strict=True):
        order = made.order
        assert validate_order(order, barcode_problem) == []
        assert len(order.lines) == spec.lines and order.ship_by and order.ship_by > NOW
        assert all(known[line.sku].barcode == line.barcodes[0] for line in order.lines)
        assert sum(line.marked for line in order.lines) == spec.marked
        assert (order.address.country != "RU") is spec.international
        assert len(made.tote) == made.units == sum(line.qty for line in order.lines)
        skus = {line.sku for line in order.lines}
        units = [line for line in order.lines for _ in range(line.qty)]
        for unit, line in zip(made.tote, units, strict=True):
            if unit.wrong:
                assert unit.sku not in skus
            elif line.marked:  # a fresh marking code per unit, of the line's GTIN
                code = parse_code(unit.code)
                assert code.kind is CodeKind.MARKING and code.gtin == known[line.sku].gtin
            else:
                assert unit.code == line.barcodes[0]
        assert sum(unit.wrong for unit in made.tote) == (spec.fault is FaultKind.WRONG_ITEM)
        assert made.missing_document == ("CN23" if spec.fault is FaultKind.MISSING_DOCUMENT else "")
        assert made.boxes == spec.boxes


def test_marking_codes_are_unique_within_a_lesson(rules: PackRules) -> None:
    spec = OrderSpec(lines=1, qty=20, marked=1)
    plan = practice_plan(Lesson("x", (spec, spec)), 1, sample_items(), rules, NOW, random.Random(2))
    codes = [u.code for o in plan.orders for u in o.tote]
    assert len(set(codes)) == 40


def test_a_catalogue_too_small_says_so(rules: PackRules) -> None:
    few = sample_items()[:2]
    with pytest.raises(PracticeError, match="needs 3"):
        practice_plan(Lesson("x", (OrderSpec(lines=3),)), 1, few, rules, NOW, random.Random(1))
    no_gtin = [replace(i, gtin=None) for i in sample_items()]
    with pytest.raises(PracticeError, match="marked goods need items with a GTIN"):
        spec = OrderSpec(lines=1, marked=1)
        practice_plan(Lesson("x", (spec,)), 1, no_gtin, rules, NOW, random.Random(1))


def test_the_catalogue_skips_items_without_a_code() -> None:
    items = catalog_from_orders([])
    assert items == []
    assert {i.sku for i in sample_items()} >= {"MUG-CER-350", "SNK-RUN-42", "CABLE-USB-C"}


@pytest.mark.parametrize(
    "text",
    [
        "CMD:NEXT",
        "BOX:M",
        "DOC:CN23:TRN-12-1",
        "PCL-TRN-12-1-2",
        "4601234567893",
        "0104601234567893215Ab3dE\x1d93Xy12",  # a marking code: GS1 DataMatrix, GS kept
        "TRN:WEIGH",
    ],
)
def test_codes_drawn_on_screen_scan_back_as_themselves(text: str) -> None:
    drawn = code_text(text, 23)
    assert drawn is not None
    lines = drawn.plain.split("\n")
    assert max(len(line) for line in lines) <= 23 and len(lines) <= 11
    assert decode_blocks(drawn.plain) == text


def test_a_linear_code_is_drawn_where_it_fits() -> None:
    symbol = symbol_for("BOX:M", 200)
    assert symbol.linear and symbol == code128("BOX:M")
    lines = block_lines(symbol)
    assert len(lines) == 3 and set(lines[0]) <= {"█", " "}
    assert decode_blocks("\n".join(lines)) == "BOX:M"
    assert code_text("x" * 400, 23) is None  # too big for the pane: its text is shown
