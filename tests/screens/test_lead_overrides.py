"""Issue 5 through the station UI: a lead lets the packer skip a packaging check, and a
started order is cancelled with a lead's reason (the runner and SQLite are real)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from rich.text import Text
from sqlalchemy import select

from packstation.devices.base import ScaleReading, ScaleState
from packstation.domain.workflow import Step
from packstation.models import Event, Order
from packstation.models.db import Database
from packstation.screens.messages import ScaleUpdate
from packstation.screens.station_app import StationApp
from packstation.widgets.panels import ChecklistPanel
from tests.screens.conftest import panel_text, scan, type_scan, wait_until

LEAD, LEAD_PIN = "BADGE-LEAD-01", "1234"
ORD_1001_ITEMS = ("4601234567893", "4601234567893", "4607654321015", "046000001234")


async def _to_checks(pilot, app: StationApp) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: app.results_seen >= 1)
    await scan(pilot, "BADGE-0001")
    await scan(pilot, "ORD-1001")
    for code in (*ORD_1001_ITEMS, "BOX:M"):
        await scan(pilot, code)
    before = app.results_seen
    app.post_message(ScaleUpdate(ScaleReading(Decimal(1060), True, ScaleState.OK, "g")))
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()
    assert app.state.step is Step.CHECKS


def _checklist(app: StationApp) -> list[str]:
    content = app.screen.query_one(ChecklistPanel).content
    assert isinstance(content, Text)
    return content.plain.splitlines()


async def test_lead_skips_a_check_and_the_order_is_packed(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _to_checks(pilot, app)
        await scan(pilot, "CMD:OK")  # check 1 done by the packer
        before = app.results_seen
        await pilot.press("f9")  # no bubble wrap at this bench: call a lead
        await wait_until(pilot, lambda: app.results_seen > before)
        await pilot.pause()
        assert app.state.step is Step.OVERRIDE_BADGE
        assert "Skip check 2" in panel_text(app)
        await scan(pilot, LEAD)
        await type_scan(pilot, "0000")  # wrong PIN: the dialog stays
        assert app.state.step is Step.OVERRIDE_PIN and "✗" in panel_text(app)
        await type_scan(pilot, LEAD_PIN)
        assert app.state.step is Step.OVERRIDE_REASON
        assert "8 no material at this bench" in panel_text(app)
        await type_scan(pilot, "1")  # a weight reason: refused, the numbers stay on screen
        assert app.state.step is Step.OVERRIDE_REASON and "✗" in panel_text(app)
        await type_scan(pilot, "8")
        assert app.state.step is Step.CHECKS and app.state.next_check == 2
        assert "Skipped: No old labels or barcodes on the box" in panel_text(app)
        lines = _checklist(app)
        assert " 1. [x] Box undamaged and clean" in lines
        skipped = next(line for line in lines if "No old labels" in line)
        assert skipped.startswith(" 2. [-] ") and "(skipped by Мария Л.)" in skipped
        assert "[x]" not in skipped
        while app.state.next_check is not None:
            await scan(pilot, "CMD:OK")
        await scan(pilot, "DOC:INVOICE:ORD-1001")
        parcel = app.state.parcel
        assert app.state.step is Step.LABEL and parcel is not None
        await scan(pilot, parcel.parcel_id)
        assert app.state.closed_order == "ORD-1001"
    with ui_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "packed"
        [event] = s.scalars(select(Event).where(Event.kind == "override.check")).all()
        payload = event.payload
        assert event.order_id == "ORD-1001" and event.station_id == "PS-01"
        assert payload["text"] == "No old labels or barcodes on the box"
        assert payload["reason"] == "materials_missing" and payload["lead_name"] == "Мария Л."
        assert payload["packer_name"] == "Анна К." and event.operator_id == payload["packer_id"]
        denied = s.scalars(select(Event).where(Event.kind == "override.denied")).one()
        assert denied.payload["purpose"] == "skip_check"


async def test_cancel_of_a_started_order_needs_a_leads_reason(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        await scan(pilot, ORD_1001_ITEMS[0])
        await scan(pilot, "CMD:CANCEL")
        assert app.state.step is Step.OVERRIDE_BADGE
        await scan(pilot, LEAD)
        await type_scan(pilot, LEAD_PIN)
        assert app.state.step is Step.OVERRIDE_REASON and app.state.order is not None
        assert "10 customer cancelled" in panel_text(app)
        await type_scan(pilot, "4")  # other, without a word: asked to describe it
        assert app.state.order is not None and "Describe the reason" in panel_text(app)
        await type_scan(pilot, "4 customer phoned")
        assert app.state.order is None and app.state.step is Step.IDLE
        assert "cancel approved by Мария Л." in panel_text(app)
    with ui_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "ready" and order.station_id is None
        released = s.scalars(select(Event).where(Event.kind == "order.released")).one()
        assert released.payload["reason"] == "other"
        assert released.payload["note"] == "customer phoned"
        assert released.payload["approved_by"] is not None
