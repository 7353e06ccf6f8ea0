"""Whole-order flows through the station UI (the runner and SQLite are real)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from packstation.devices.base import ScaleReading, ScaleState
from packstation.domain.workflow import Step
from packstation.models import Event, MarkingCode, Order
from packstation.models.db import Database
from packstation.screens.messages import ScaleUpdate
from packstation.screens.station_app import StationApp
from packstation.widgets.result_panel import ResultPanel
from tests.screens.conftest import panel_text, scan, wait_until

MARK = "0104605550001116" + "21" + "{serial}" + "\x1d91EE10\x1d92" + "c" * 44


async def _login(pilot, app: StationApp, order: str) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: app.results_seen >= 1)
    await scan(pilot, "BADGE-0001")
    await scan(pilot, order)


async def _weigh(pilot, app: StationApp, grams: int) -> None:  # type: ignore[no-untyped-def]
    before = app.results_seen
    app.post_message(ScaleUpdate(ScaleReading(Decimal(grams), True, ScaleState.OK, "g")))
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()


async def test_marking_codes_one_per_unit_and_duplicates_refused(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, app, "ORD-1002")
        await scan(pilot, "4605550001116")  # plain EAN on a marked line
        assert app.screen.query_one(ResultPanel).has_class("-error")
        await scan(pilot, MARK.format(serial="AAAAAAAAAAAAA"))
        assert app.state.units_packed == 1
        await scan(pilot, MARK.format(serial="AAAAAAAAAAAAA"))
        assert "✗" in panel_text(app) and app.state.units_packed == 1
        await scan(pilot, MARK.format(serial="BBBBBBBBBBBBB"))
        assert app.state.units_packed == 2 and app.state.step is Step.BOX
    with ui_db.sessions() as s:
        assert len(s.scalars(select(MarkingCode)).all()) == 2


async def test_weight_out_of_tolerance_then_lead_override(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, app, "ORD-1003")
        await scan(pilot, "4609998887776")
        await scan(pilot, "4601112223330")
        await scan(pilot, "BOX:S")
        await _weigh(pilot, app, 900)  # expected 240 + 60 + 120 = 420
        assert app.state.weight_blocked and "✗" in panel_text(app)
        assert app.bells >= 1  # type: ignore[attr-defined]
        await scan(pilot, "CMD:LEAD")
        await scan(pilot, "BADGE-LEAD-01")
        await scan(pilot, "9999")  # wrong PIN
        assert app.state.step is Step.OVERRIDE_PIN
        await scan(pilot, "1234")
        assert app.state.step is Step.OVERRIDE_REASON
        await scan(pilot, "1")
        assert app.state.step is Step.CHECKS
    with ui_db.sessions() as s:
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1003")).all()
    assert "override.weight" in kinds and "override.denied" in kinds


async def test_documents_missing_and_another_orders_document(
    make_app: Callable[..., StationApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, app, "ORD-1003")  # KZ: INVOICE and CN23
        await scan(pilot, "4609998887776")
        await scan(pilot, "4601112223330")
        await scan(pilot, "BOX:S")
        await _weigh(pilot, app, 425)
        while app.state.next_check is not None:
            await scan(pilot, "CMD:OK")
        await scan(pilot, "DOC:INVOICE:ORD-1001")
        assert "✗" in panel_text(app) and "ORD-1001" in panel_text(app)
        await scan(pilot, "DOC:INVOICE:ORD-1003")
        assert app.state.step is Step.CHECKS  # CN23 still missing: no label yet
        assert app.state.parcel is None
        await scan(pilot, "DOC:CN23:ORD-1003")
        assert app.state.step is Step.LABEL and app.state.parcel is not None


async def test_undo_and_cancel_release_the_order(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, app, "ORD-1001")
        await scan(pilot, "4601234567893")
        await scan(pilot, "4607654321015")
        await scan(pilot, "CMD:UNDO")
        assert app.state.units_packed == 1
        await scan(pilot, "CMD:CANCEL")  # a unit is in the box: a lead must approve
        assert app.state.step is Step.OVERRIDE_BADGE
        await scan(pilot, "BADGE-LEAD-01")
        await scan(pilot, "1234")
        assert app.state.step is Step.OVERRIDE_REASON  # the lead says why (issue 5)
        await scan(pilot, "10")  # customer cancelled
        assert app.state.order is None
    with ui_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "ready" and order.station_id is None


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.one_of(
        st.text(min_size=1, max_size=60),
        st.sampled_from(["[red]x[/]", "\x1b[2J", "a\x00b", "\udcff\udcfe", "x" * 10_000]),
    )
)
async def test_any_scanned_text_is_shown_literally_and_never_crashes(
    make_app: Callable[..., StationApp], text: str
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, app, "ORD-1001")
        before = app.results_seen
        await scan(pilot, text)
        assert app.results_seen > before
        shown = panel_text(app)
        assert "\x1b" not in shown and "\x00" not in shown
        assert app.state.order is not None and app.state.order.id == "ORD-1001"
