"""A two-parcel order and a lead's carrier override through the station UI (real runner, SQLite)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from msgspec.structs import replace
from rich.text import Text
from sqlalchemy import select
from textual.pilot import Pilot

from packstation.devices.base import ScaleReading, ScaleState
from packstation.devices.printer import open_printer
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Step
from packstation.models import Event, Order, Parcel
from packstation.models.db import Database
from packstation.screens.messages import ScaleUpdate
from packstation.screens.station_app import StationApp, StationSetup
from packstation.widgets.panels import ChecklistPanel
from tests.screens.conftest import panel_text, scan, wait_until

MUG, TEA, SPOON = "4601234567893", "4607654321015", "046000001234"


async def _weigh(pilot: Pilot[None], app: StationApp, grams: int) -> None:
    before = app.results_seen
    app.post_message(ScaleUpdate(ScaleReading(Decimal(grams), True, ScaleState.OK, "g")))
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()


def body_text(app: StationApp) -> str:
    content = app.screen.query_one(ChecklistPanel).content
    return content.plain if isinstance(content, Text) else str(content)


async def _checks_and_invoice(pilot: Pilot[None], app: StationApp) -> None:
    while app.state.next_check is not None:
        await scan(pilot, "CMD:OK")
    await scan(pilot, "DOC:INVOICE:ORD-1001")


async def test_two_parcel_order(
    make_app: Callable[..., StationApp], ui_db: Database, tmp_path: Path
) -> None:
    app = make_app(spool=tmp_path / "labels")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        await scan(pilot, MUG)
        await scan(pilot, MUG)
        await scan(pilot, "CMD:NEWBOX")
        assert app.state.step is Step.BOX
        assert "Box 1 closed with 2 units" in panel_text(app)
        await scan(pilot, "BOX:S")
        await _weigh(pilot, app, 2 * 320 + 120)
        assert app.state.step is Step.ITEMS and len(app.state.sealed) == 1
        assert "Box 1 sealed" in panel_text(app)
        await scan(pilot, TEA)
        await scan(pilot, SPOON)
        await scan(pilot, "BOX:S")
        await _weigh(pilot, app, 110 + 95 + 120)
        assert app.state.step is Step.CHECKS
        await _checks_and_invoice(pilot, app)
        assert app.state.step is Step.LABEL
        first, second = app.state.parcels
        assert (first.seq, first.count, second.seq, second.count) == (1, 2, 2, 2)
        assert f"Stick label 1 of 2 on box 1 and scan it ({first.parcel_id})" in panel_text(app)
        body = body_text(app)
        assert "OZON-COURIER/EXPRESS" in body and "next best" in body  # why this carrier
        await scan(pilot, first.parcel_id)
        assert "Parcel 1 of 2 ✓" in panel_text(app) and app.state.step is Step.LABEL
        await scan(pilot, second.parcel_id)
        assert app.state.step is Step.CLOSED
        assert "ORD-1001 packed: 2 parcels" in panel_text(app)
    assert sorted(p.name for p in (tmp_path / "labels").iterdir()) == [
        f"{first.parcel_id}.zpl",
        f"{second.parcel_id}.zpl",
    ]
    for n, parcel in enumerate((first, second), start=1):
        zpl = (tmp_path / "labels" / f"{parcel.parcel_id}.zpl").read_text(encoding="utf-8")
        assert f"Parcel {n} of 2" in zpl, "each box's label says which box it is"
    with ui_db.sessions() as s:
        rows = s.execute(
            select(Parcel.seq, Parcel.order_id, Parcel.status).order_by(Parcel.seq)
        ).all()
        order = s.get(Order, "ORD-1001")
    assert [tuple(r) for r in rows] == [(1, "ORD-1001", "confirmed"), (2, "ORD-1001", "confirmed")]
    assert order is not None and order.status == "packed"


async def test_no_fit_then_a_lead_picks_the_tariff(
    ui_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    strict = replace(
        rules, carrier_choice=replace(rules.carrier_choice, min_reliability=Decimal(1))
    )
    app = StationApp(
        StationSetup(
            db=ui_db,
            station_id="PS-01",
            rules=strict,
            locale="en",
            printer=open_printer(f"dir://{tmp_path / 'labels'}"),
            # Before ORD-1001's fixed ship-by (27.11 09:00 UTC) is out of reach: the only
            # thing that rules out EXPRESS is then the reliability floor under test.
            clock=lambda: datetime(2026, 11, 26, 6, 0, tzinfo=UTC),
        )
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        for code in (MUG, MUG, TEA, SPOON):
            await scan(pilot, code)
        await scan(pilot, "BOX:M")
        await _weigh(pilot, app, 1055)
        await _checks_and_invoice(pilot, app)
        assert app.state.step is Step.LABEL and app.state.parcel is None
        shown = panel_text(app)
        assert "NO CARRIER FITS: OZON-COURIER/EXPRESS: reliability 0.98 below 1" in shown
        assert "Lead: scan a TARIFF: card (list: CMD:CARRIER), or CMD:HOLD" in shown
        assert "No carrier fits 1055 g to RU" in body_text(app)
        await scan(pilot, "TARIFF:OZON-COURIER:STANDARD")
        await scan(pilot, "BADGE-LEAD-01")
        await scan(pilot, "1234")
        assert app.state.step is Step.OVERRIDE_REASON
        assert "5 customer asked" in panel_text(app)
        await scan(pilot, "5")  # typed: the reason's number
        parcel = app.state.parcel
        assert parcel is not None and parcel.tariff == "STANDARD"
        assert "override by Мария Л.: the customer asked for it" in body_text(app)
        await scan(pilot, parcel.parcel_id)
        assert app.state.step is Step.CLOSED
    with ui_db.sessions() as s:
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1001")).all()
        note = s.scalar(select(Parcel.choice_note).where(Parcel.status == "confirmed"))
    assert "carrier.no_fit" in kinds and "override.carrier" in kinds
    assert note == "override by Мария Л.: customer_request"
