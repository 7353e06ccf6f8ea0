"""The box step's texts fit 80x24 in English and Russian (issue 12 part 3): the hint with
the suggested box or why there is none, a larger box taken, a box refused as too small,
and the lead's override for it (the checker is `test_fit_80x24.cut_offs`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.cells import cell_len
from sqlalchemy import update
from textual.widgets import Static

from packstation.domain.boxes import NoSuggestion
from packstation.domain.rules import PackRules
from packstation.domain.workflow.boxing import _NO_SUGGESTION
from packstation.i18n import Msg, t
from packstation.models import OrderLine
from packstation.models.db import Database
from packstation.screens.station_app import StationApp
from packstation.widgets.text_rows import TextRows
from tests.screens.conftest import scan, wait_until
from tests.screens.test_fit_80x24 import LOCALES, ORD_1001_ITEMS, SIZE, Walk, shown_text
from tests.station.conftest import LEAD, LEAD_PIN, PACKER

#: ORD-1001's items with sizes: BOX:S is suggested, the courier bag is too small.
SIZES = {"MUG-CER-350": (100, 80, 90), "TEA-GRN-100": (120, 60, 50), "SPOON-SET": (150, 30, 15)}


def _add_sizes(db: Database) -> None:
    with db.unit_of_work() as s:
        for sku, (length, width, height) in SIZES.items():
            s.execute(
                update(OrderLine)
                .where(OrderLine.order_id == "ORD-1001", OrderLine.sku == sku)
                .values(length_mm=length, width_mm=width, height_mm=height)
            )


def _screen_text(app: StationApp) -> str:
    """Every text on the screen, as drawn (one line per widget)."""
    return "\n".join(
        shown_text(w)
        for w in app.screen.query("*")
        if isinstance(w, Static | TextRows) and w.display
    )


@pytest.mark.parametrize("locale", LOCALES)
async def test_box_step_texts_fit(
    make_app: Callable[..., StationApp], ui_db: Database, locale: str
) -> None:
    _add_sizes(ui_db)
    app = make_app(locale=locale)
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, locale)
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, PACKER)
        await scan(pilot, "ORD-1001")
        for code in ORD_1001_ITEMS:
            await scan(pilot, code)
        walk.check("box step with a suggestion")
        outcome = app.outcome
        assert outcome is not None and outcome.next_hint is not None
        assert t(outcome.next_hint, locale).startswith(
            {"en": "Box BOX:S fits", "ru": "Подойдёт BOX:S"}[locale]
        )
        assert "BOX:S" in _screen_text(app)
        await scan(pilot, "BOX:M")
        walk.check("a larger box than suggested")
        await scan(pilot, "BOX:BAG")
        walk.check("a box too small")
        assert app.state.box is not None and app.state.box.code == "BOX:M"
        await scan(pilot, "CMD:LEAD")
        walk.check("box override: lead badge")
        await scan(pilot, LEAD)
        await scan(pilot, LEAD_PIN)
        walk.check("box override: reason")
        await scan(pilot, "14")
        walk.check("box override approved")
        assert app.state.box is not None and app.state.box.code == "BOX:BAG"
    assert walk.problems == [], "\n".join(walk.problems)


@pytest.mark.parametrize("locale", LOCALES)
async def test_box_step_without_sizes_fits(
    make_app: Callable[..., StationApp], locale: str
) -> None:
    app = make_app(locale=locale)
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, locale)
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, PACKER)
        await scan(pilot, "ORD-1001")
        for code in ORD_1001_ITEMS:
            await scan(pilot, code)
        walk.check("box step without a suggestion")
        outcome = app.outcome
        assert outcome is not None and outcome.next_hint is not None
        assert t(outcome.next_hint, locale).startswith(
            {"en": "No box suggestion", "ru": "Коробку не подсказать"}[locale]
        )
        assert {"en": "No box suggestion", "ru": "Коробку не подсказать"}[locale] in (
            _screen_text(app)
        )
    assert walk.problems == [], "\n".join(walk.problems)


@pytest.mark.parametrize("sized", [True, False], ids=["sizes", "no-sizes"])
@pytest.mark.parametrize("locale", LOCALES)
async def test_box_step_of_a_split_order_fits(
    make_app: Callable[..., StationApp], ui_db: Database, locale: str, sized: bool
) -> None:
    if sized:
        _add_sizes(ui_db)
    app = make_app(locale=locale)
    async with app.run_test(size=SIZE) as pilot:
        walk = Walk(app, locale)
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, PACKER)
        await scan(pilot, "ORD-1001")
        for code in ORD_1001_ITEMS[:2]:
            await scan(pilot, code)
        await scan(pilot, "CMD:NEWBOX")
        assert app.state.splitting
        walk.check("box 1 of a split order")
    assert walk.problems == [], "\n".join(walk.problems)


#: The hint's room in the result panel at 80 columns: border, padding and its indent.
HINT_CELLS = SIZE[0] - 2 - 2 - 2


@pytest.mark.parametrize("why", list(NoSuggestion))
@pytest.mark.parametrize("locale", LOCALES)
def test_every_no_suggestion_hint_fits_one_line(
    rules: PackRules, locale: str, why: NoSuggestion
) -> None:
    """Reasons the walks above do not reach (boxes without sizes, too many units...), with
    the sample's three boxes listed after them, alone and for box 2 of a split order."""
    boxes = ", ".join(b.code for b in rules.boxes)
    said = _NO_SUGGESTION[why]
    for scan_box in (
        Msg("hint.scan_box", {"boxes": boxes}),
        Msg("hint.scan_box_n", {"n": 2, "boxes": boxes}),
    ):
        text = t(Msg("hint.box_advice", {"advice": said, "scan": scan_box}), locale)
        assert cell_len(text) <= HINT_CELLS, text
    suggested = Msg("box.suggested", {"box": "BOX:S", "name": "Medium 30x25x15"})
    for key in ("hint.box_suggested", "hint.box_suggested_n"):
        text = t(Msg(key, {"advice": suggested, "n": 2}), locale)
        assert cell_len(text) <= HINT_CELLS, text


@pytest.mark.parametrize("locale", LOCALES)
def test_box_results_fit_the_title_line(locale: str) -> None:
    """The result's title (after "✗ ") has the same room as the hint: a refusal for either
    reason, with or without a box to use instead, and a larger box than suggested."""
    for why in ("box.why.longest", "box.why.volume"):
        for instead in (Msg("box.use", {"box": "BOX:S"}), Msg("box.use_none")):
            params = {"box": "BOX:BAG", "why": Msg(why), "suggested": instead}
            text = t(Msg("box.too_small", params), locale)
            assert cell_len(text) <= HINT_CELLS, text
    larger = {"name": "Medium 30x25x15", "tare": "210", "suggested": "BOX:S"}
    text = t(Msg("box.chosen_larger", larger), locale)
    assert cell_len(text) <= HINT_CELLS, text
