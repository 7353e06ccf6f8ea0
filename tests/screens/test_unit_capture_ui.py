"""What the packer sees of issue 12 part 4, at 80x24 in English and Russian: a unit that
expires too soon (both dates, nothing cut), the IMEI asked for after the phone (the step
bar names the serial step), typed text taken as a scan there, and the IMEI recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from rich.text import Text

from packstation.cli.orders_cmd import validate
from packstation.clock import utcnow
from packstation.domain.intake import read_orders
from packstation.domain.workflow import Step
from packstation.models.db import Database
from packstation.models.orders_repo import import_orders
from packstation.screens.station_app import StationApp
from packstation.widgets.bars import StepBar
from tests.domain.workflow.test_units import gs1
from tests.screens.conftest import panel_text, scan, type_scan, wait_until
from tests.screens.test_fit_80x24 import SIZE, cut_offs
from tests.station.conftest import PACKER
from tests.station.test_unit_capture_store import IMEI_A, MILK, PHONE, _order

ORDER = "ORD-8001"


def _step_bar(app: StationApp) -> str:
    content = app.screen.query_one(StepBar).render()
    return content.plain if isinstance(content, Text) else str(content)


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_expiry_and_imei_at_the_station(
    make_app: Callable[..., StationApp], ui_db: Database, tmp_path: Path, locale: str
) -> None:
    now = utcnow()
    path = tmp_path / "orders.json"
    path.write_text(json.dumps({"orders": [_order(ORDER, now)]}), encoding="utf-8")
    with ui_db.unit_of_work() as session:
        import_orders(session, read_orders(path), validate)
    # The sample config: 30 days past the delivery (the file's deliver_by).
    until = (now + timedelta(days=1)).date() + timedelta(days=3 + 30)
    app = make_app(locale=locale)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, PACKER)
        await scan(pilot, ORDER)
        problems: list[str] = []

        await scan(pilot, gs1(MILK, expiry=until - timedelta(days=1), lot="L-1"))
        shown = panel_text(app)
        assert f"{until - timedelta(days=1):%d.%m.%Y}" in shown and f"{until:%d.%m.%Y}" in shown
        assert app.state.alert is not None and app.state.alert.message.key == (
            "scan.expires_too_soon"
        )
        problems += cut_offs(app)

        await scan(pilot, PHONE)
        assert app.state.step is Step.SERIAL
        assert ("SERIAL" if locale == "en" else "СЕРИЙНЫЙ №") in _step_bar(app)
        assert "IMEI" in panel_text(app)
        problems += cut_offs(app)

        await type_scan(pilot, "1")  # typed at the serial step: a scan, not a pick
        assert app.state.alert is not None
        assert app.state.alert.message.key == "serial.invalid"
        assert app.state.step is Step.SERIAL
        problems += cut_offs(app)

        await scan(pilot, IMEI_A)
        assert app.state.step is Step.ITEMS and app.state.scans[-1].serial == IMEI_A
        assert IMEI_A in panel_text(app)
        problems += cut_offs(app)
    assert problems == []
