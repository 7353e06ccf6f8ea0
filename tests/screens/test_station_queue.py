"""The lead's floor queue inside the station app (F1): open, act, back to packing."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from packstation.models import Event, Order
from packstation.models.db import Database
from packstation.screens.messages import ScannerLine
from packstation.screens.pack import PackScreen
from packstation.screens.queue_app import QueueScreen
from packstation.screens.queue_modal import LeadActionScreen
from packstation.screens.station_app import StationApp
from tests.screens.conftest import panel_text, scan, wait_until
from tests.station.conftest import LEAD, LEAD_PIN, PACKER


async def test_a_lead_opens_the_queue_holds_an_order_and_returns(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, LEAD)
        assert "F1 queue" in str(app.screen.query_one("#keys").render())
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await wait_until(pilot, lambda: queue.renders >= 1)
        await pilot.pause()
        assert "ORD-1001" in queue.orders.keys
        # The queue's own keys work here (the station's wedge leaves them alone).
        queue.orders.move_cursor(row=queue.orders.keys.index("ORD-1001"))
        await pilot.press("h")
        await pilot.pause()
        await pilot.press(*LEAD, "enter", *LEAD_PIN, "enter", *"address unclear", "enter")
        await wait_until(pilot, lambda: queue.actions_done == 1)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, PackScreen))
    with ui_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        kinds = s.scalars(select(Event.kind).where(Event.kind == "lead.hold")).all()
    assert order is not None and order.status == "needs_correction"
    assert kinds == ["lead.hold"]


async def test_a_scan_at_the_queue_goes_back_to_packing_and_counts(
    make_app: Callable[..., StationApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, LEAD)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen))
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        await wait_until(pilot, lambda: queue.renders >= 1)
        await pilot.press("h")  # the lead's dialog is open too: the scan closes both
        await wait_until(pilot, lambda: isinstance(app.screen, LeadActionScreen))
        before = app.results_seen
        app.post_message(ScannerLine("ORD-1002"))
        await wait_until(pilot, lambda: app.results_seen > before)
        await wait_until(pilot, lambda: isinstance(app.screen, PackScreen))
        await pilot.pause()
        assert app.state.order is not None and app.state.order.id == "ORD-1002"


async def test_a_packer_is_refused(make_app: Callable[..., StationApp]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, PACKER)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, PackScreen)
        assert "for leads" in panel_text(app)
        assert app.bells >= 1  # type: ignore[attr-defined]


async def test_keys_on_the_queue_view_count_as_activity(
    make_app: Callable[..., StationApp],
) -> None:
    """The idle logout counts from the last key, even one the pack workflow never sees."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, LEAD)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, QueueScreen))
        app.runner.ui_activity = None
        await pilot.press("down")
        assert app.runner.ui_activity is not None
