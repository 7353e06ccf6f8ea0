"""Box suggestion (issue 12 part 3): shapes with known optimal answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from packstation.domain.boxes import (
    MAX_UNITS,
    NoSuggestion,
    TooSmall,
    cm3,
    fits,
    suggest,
    too_small,
)
from packstation.domain.rules import Box, PackRules, RulesError

S = Box("BOX:S", "Small", Decimal(120), (200, 150, 100))
M = Box("BOX:M", "Medium", Decimal(210), (300, 250, 150))
BAG = Box("BOX:BAG", "Bag", Decimal(25), (350, 250, 10))
LONG = Box("BOX:LONG", "Tube", Decimal(90), (600, 80, 80))
BOXES = (M, S, BAG, LONG)  # config order is not size order


def picked(*items: tuple[int, int, int], boxes: tuple[Box, ...] = BOXES) -> str | None:
    found = suggest(items, boxes)
    return found.box.code if found.box is not None else None


def test_one_small_item_goes_in_the_smallest_box_by_volume() -> None:
    # By volume: BAG 875 cm3 < S 3,000 < LONG 3,840 < M 11,250.
    assert picked((100, 100, 5)) == "BOX:BAG"
    assert picked((100, 100, 50)) == "BOX:S"  # 50 mm does not go in a 10 mm bag


def test_an_item_that_fits_only_rotated() -> None:
    # 100 wide, 150 deep, 200 tall: upright it is taller than S (100), lying down it fits.
    assert fits([(100, 150, 200)], (200, 150, 100))
    assert picked((100, 150, 200)) == "BOX:S"
    # Any of the six orientations: the same item given in every order of its sides.
    for sides in ((150, 200, 100), (200, 100, 150), (100, 200, 150)):
        assert picked(sides) == "BOX:S"


def test_a_long_thin_item_goes_in_the_box_long_enough() -> None:
    assert picked((450, 30, 30)) == "BOX:LONG"
    # 280 mm: longer than S (200), too thick for the bag (10): the tube (3,840 cm3) comes
    # before M (11,250 cm3); without the tube, M.
    assert cm3((600, 80, 80)) < cm3((300, 250, 150))
    assert picked((280, 30, 30)) == "BOX:LONG"
    assert picked((280, 30, 30), boxes=(M, S, BAG)) == "BOX:M"
    # A flat long item lies in the bag.
    assert picked((340, 30, 8)) == "BOX:BAG"


def test_volume_fits_but_the_longest_side_does_not() -> None:
    item = (250, 50, 50)  # 625 cm3: by volume even the bag would do
    assert too_small([item], (200, 150, 100)) is TooSmall.LONGEST
    assert picked(item, boxes=(S, M)) == "BOX:M"
    assert too_small([(100, 100, 100)] * 4, (200, 150, 100)) is TooSmall.VOLUME
    assert too_small([(100, 100, 100)] * 3, (200, 150, 100)) is None


def test_several_items_known_optimal_layouts() -> None:
    # Three 40x30x30 side by side, one turned: py3dbp 1.1.2 finds only two (its issue #6).
    assert fits([(40, 30, 30)] * 3, (90, 40, 30))
    # Eight cubes fill a cube of twice the side exactly; a ninth does not fit.
    assert fits([(100, 100, 100)] * 8, (200, 200, 200))
    assert not fits([(100, 100, 100)] * 9, (200, 200, 200))
    # The pinwheel: four 30x20 around a 10x10 fill 50x50 exactly.
    assert fits([(30, 20, 10)] * 4 + [(10, 10, 10)], (50, 50, 10))
    # Four 20x10x10 bars fill a 20 mm cube exactly.
    assert fits([(20, 10, 10)] * 4, (20, 20, 20))
    # Exact volume but the shapes cannot tile it: 3x3x1 cannot take two 2x2x1.
    assert not fits([(20, 20, 10)] * 2, (30, 30, 10))


def test_the_smallest_box_that_takes_several_items() -> None:
    items = [(100, 80, 90), (100, 80, 90), (120, 60, 50), (150, 30, 15)]
    assert suggest(items, BOXES).box == S
    assert suggest(items * 3, BOXES).box == M


def test_no_suggestion_without_sizes_or_when_nothing_fits() -> None:
    assert suggest([(100, 100, 100), None], BOXES) == suggest([None], BOXES)
    assert suggest([None], BOXES).why_not is NoSuggestion.NO_DIMS
    assert suggest([], BOXES).why_not is NoSuggestion.EMPTY
    assert suggest([(10, 10, 10)], (Box("BOX:X", "x", Decimal(1)),)).why_not is (
        NoSuggestion.NO_SIZES
    )
    assert suggest([(700, 10, 10)], BOXES).why_not is NoSuggestion.NONE_FITS
    many = [(10, 10, 10)] * (MAX_UNITS + 1)
    assert suggest(many, BOXES).why_not is NoSuggestion.TOO_MANY


def test_a_box_s_max_weight_counts_items_and_tare() -> None:
    light_bag = Box("BOX:BAG", "Bag", Decimal(25), (350, 250, 10), max_weight_g=Decimal(500))
    assert suggest([(100, 100, 5)], (light_bag, S), Decimal(475)).box == light_bag
    assert suggest([(100, 100, 5)], (light_bag, S), Decimal(476)).box == S


def test_max_weight_in_config() -> None:
    rules = PackRules.from_config(
        {"boxes": [{"code": "S", "tare_g": 10, "inner_mm": [1, 2, 3], "max_weight_g": 5000}]}
    )
    assert rules.boxes[0].max_weight_g == Decimal(5000)
    with pytest.raises(RulesError, match=r"boxes\[0\].max_weight_g"):
        PackRules.from_config({"boxes": [{"code": "S", "tare_g": 1, "max_weight_g": "x"}]})


def test_the_search_is_bounded_when_nothing_fits() -> None:
    # 24 cubes of 21 mm in 100x60x50 (room for 16): refused within the budget.
    assert not fits([(21, 21, 21)] * 24, (100, 60, 50))
