"""The pack screen shows an order's instructions at their step, inside 80x24 (EN and RU);
a confirm instruction is in the checklist at the checks step, its insert under documents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from msgspec.structs import replace

from packstation.devices.base import ScaleReading, ScaleState
from packstation.domain.rules import PackRules
from packstation.models.db import Database
from packstation.screens.messages import ScaleUpdate
from packstation.screens.station_app import StationApp
from packstation.widgets.instructions import InstructionsLine
from packstation.widgets.panels import ChecklistPanel
from tests.screens.conftest import scan, wait_until
from tests.screens.test_fit_80x24 import SIZE, cut_offs, shown_text
from tests.station.conftest import PACKER
from tests.station.test_instructions_station import MUG, ORDER, WRAP, _import

LONG = "Put the customer's handwritten card on top, face up, " * 4  # cut to one line
SHORT = [f"Item rule {n}" for n in range(1, 4)]


@pytest.fixture
def rules(rules: PackRules) -> PackRules:
    config = PackRules.from_config(
        {
            "instructions": [
                {"always": True, "text": LONG[:200]},
                *({"sku": "MUG-CER-350", "text": text} for text in SHORT),
                {"always": True, "text": "Seal with branded tape", "step": "box"},
                {"always": True, "text": "No price on the packing slip", "step": "checks"},
            ],
        }
    )
    return replace(rules, instructions=config.instructions)


def _shown(app: StationApp) -> str:
    widget = app.screen.query_one(InstructionsLine)
    return shown_text(widget) if widget.display else ""


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_instructions_at_their_step_fit_80x24(
    make_app: Callable[..., StationApp], ui_db: Database, tmp_path: Path, locale: str
) -> None:
    _import(ui_db, tmp_path)
    app = make_app(locale=locale)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, PACKER)
        assert _shown(app) == ""
        await scan(pilot, ORDER)
        items = _shown(app).splitlines()
        # The order's own (with its line's confirm one), then config's: three rows at most.
        assert len(items) == 3
        assert items[0] == "! No invoice price stickers on the items"
        assert items[1].startswith(f"! {WRAP} ")
        assert items[1].endswith(
            "(confirm at checks)" if locale == "en" else "(подтвердить на проверке)"
        )
        assert items[2].strip() == ("+4 more" if locale == "en" else "ещё 4")
        assert cut_offs(app) == []
        await scan(pilot, MUG)
        assert _shown(app) == "! Seal with branded tape"
        assert cut_offs(app) == []
        await scan(pilot, "BOX:S")
        assert _shown(app) == "! Seal with branded tape"  # weighing the box
        before = app.results_seen
        reading = ScaleReading(app.state.expected_weight_g, True, ScaleState.OK, "g")
        app.post_message(ScaleUpdate(reading))
        await wait_until(pilot, lambda: app.results_seen > before)
        await pilot.pause()
        assert _shown(app) == "! No price on the packing slip"
        checklist = shown_text(app.screen.query_one(ChecklistPanel))
        assert WRAP in checklist and f"DOC:GIFTNOTE:{ORDER}" in checklist
        assert cut_offs(app) == []


async def test_long_instructions_are_cut_to_one_line(
    make_app: Callable[..., StationApp], ui_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, PACKER)
        await scan(pilot, "ORD-1005")  # no SKU rule matches: only the "always" ones
        rows = _shown(app).splitlines()
        assert len(rows) == 1 and rows[0].endswith("…") and len(rows[0]) == 78
        assert rows[0].startswith("! Put the customer's handwritten card on top")
        assert cut_offs(app) == []
