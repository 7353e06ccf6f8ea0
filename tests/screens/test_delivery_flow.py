"""From the bench to the buyer's door and back: packed at the station, handed over in a
manifest, reported undeliverable by the carrier, seen by the lead on the queue screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from rich.text import Text
from sqlalchemy import select

from packstation.cli.main import main
from packstation.devices.base import ScaleReading, ScaleState
from packstation.models import Notification, Order, Parcel
from packstation.models.db import Database
from packstation.screens.messages import ScaleUpdate
from packstation.screens.queue_app import QueueApp, QueueSetup
from packstation.screens.station_app import StationApp
from tests.screens.conftest import scan, wait_until

ORD_1001_ITEMS = ("4601234567893", "4601234567893", "4607654321015", "046000001234")


async def pack_ord_1001(app: StationApp) -> str:
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        for code in ORD_1001_ITEMS:
            await scan(pilot, code)
        await scan(pilot, "BOX:M")
        before = app.results_seen
        app.post_message(ScaleUpdate(ScaleReading(Decimal(1060), True, ScaleState.OK, "g")))
        await wait_until(pilot, lambda: app.results_seen > before)
        while app.state.next_check is not None:
            await scan(pilot, "CMD:OK")
        await scan(pilot, "DOC:INVOICE:ORD-1001")
        assert app.state.parcel is not None
        parcel = app.state.parcel.parcel_id
        await scan(pilot, parcel)
        assert app.state.closed_order == "ORD-1001"
    return parcel


async def test_undeliverable_parcel_reaches_the_lead_and_the_buyer(
    make_app: Callable[..., StationApp],
    ui_db: Database,
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    parcel_id = await pack_ord_1001(make_app())
    with ui_db.sessions() as s:
        parcel = s.get(Parcel, parcel_id)
        assert parcel is not None
        carrier = parcel.carrier

    out = tmp_path / "handoff"
    assert main(["manifest", "--carrier", carrier, "--db", sqlite_url, "-o", str(out)]) == 0
    with ui_db.sessions() as s:
        shipped = s.get(Parcel, parcel_id)
        assert shipped is not None and shipped.status == "shipped"

    report = tmp_path / "carrier-status.csv"
    report.write_text(
        "Parcel,Status,Delivered_At,Reason,Condition\n"
        f"{parcel_id},undeliverable,2026-11-28T18:00:00+03:00,recipient not at home,\n",
        encoding="utf-8",
    )
    assert main(["deliveries", "import", str(report), "--db", sqlite_url]) == 0
    assert "1 failed" in capsys.readouterr().out

    queue = QueueApp(
        QueueSetup(db=ui_db, locale="en", refresh_s=0.2, clock=lambda: datetime.now(UTC))
    )
    async with queue.run_test(size=(120, 30)) as pilot:
        screen = queue.queue_screen
        await wait_until(pilot, lambda: screen.renders >= 1)
        await pilot.press("slash", *"status:delivery_failed", "enter")
        await wait_until(pilot, lambda: screen.orders.keys == ["ORD-1001"])
        status = screen.orders.get_cell("ORD-1001", "status")
        assert (status.plain if isinstance(status, Text) else str(status)) == "undelivered"

    with ui_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        templates = s.scalars(
            select(Notification.template).where(Notification.order_id == "ORD-1001")
        ).all()
    assert order is not None and order.status == "delivery_failed"
    assert "parcel_shipped" in templates and "delivery_failed" in templates
