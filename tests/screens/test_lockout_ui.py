"""A locked lead badge at the station: the override and the kiosk exit are refused, with the
time it unlocks (the runner, SQLite and the lockout are real)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from packstation.clock import utcnow
from packstation.devices.base import ScaleReading, ScaleState
from packstation.domain.workflow import Step
from packstation.models import Event
from packstation.models.db import Database
from packstation.models.operators_repo import PinStatus, check_pin, find_by_badge
from packstation.screens.messages import ScaleUpdate
from packstation.screens.station_app import StationApp
from tests.screens.conftest import panel_text, scan, wait_until
from tests.station.conftest import LEAD, LEAD_PIN, PACKER


def _lock(db: Database) -> str:
    """Five wrong PINs on the lead's badge; the local HH:MM it unlocks at."""
    status = None
    for _ in range(5):
        with db.unit_of_work() as s:
            check = check_pin(s, LEAD, "0000", now=utcnow())
            status = check.status
    assert status is PinStatus.LOCKED
    return check.until_local()


async def _blocked_weight(pilot, app: StationApp) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: app.results_seen >= 1)
    await scan(pilot, PACKER)
    await scan(pilot, "ORD-1003")
    await scan(pilot, "4609998887776")
    await scan(pilot, "4601112223330")
    await scan(pilot, "BOX:S")
    before = app.results_seen
    app.post_message(ScaleUpdate(ScaleReading(Decimal(900), True, ScaleState.OK, "g")))
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()
    assert app.state.weight_blocked


async def test_weight_override_with_a_locked_lead_badge_is_refused(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _blocked_weight(pilot, app)
        until = _lock(ui_db)
        await scan(pilot, "CMD:LEAD")
        await scan(pilot, LEAD)
        assert app.state.step is Step.OVERRIDE_PIN
        await scan(pilot, LEAD_PIN)  # the right PIN: refused all the same
        text = panel_text(app)
        assert "locked" in text and until in text, text
        assert app.state.weight_blocked and app.state.flow is None
        assert app.state.step is not Step.OVERRIDE_REASON
    with ui_db.sessions() as s:
        denied = s.scalars(
            select(Event).where(Event.kind == "override.denied", Event.order_id == "ORD-1003")
        ).all()
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1003")).all()
    assert [e.payload["reason"] for e in denied] == ["locked"]
    assert "override.weight" not in kinds


async def test_wrong_pins_at_the_station_count_towards_the_lock(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _blocked_weight(pilot, app)
        for _ in range(2):  # the dialog closes after three wrong PINs; the badge after five
            await scan(pilot, "CMD:LEAD")
            await scan(pilot, LEAD)
            for _ in range(3):
                if app.state.step is Step.OVERRIDE_PIN:
                    await scan(pilot, "0000")
        assert "locked" in panel_text(app), panel_text(app)
    with ui_db.sessions() as s:
        lead = find_by_badge(s, LEAD)
        assert lead is not None and lead.locked_until is not None
        failed = s.scalars(select(Event).where(Event.kind == "pin.failed")).all()
    assert len(failed) == 5 and {e.station_id for e in failed} == {"PS-01"}


async def test_kiosk_exit_refused_for_a_locked_badge(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app(kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        until = _lock(ui_db)
        await pilot.press("f12")
        await pilot.press(*LEAD, "enter")
        await pilot.press(*LEAD_PIN, "enter")
        await wait_until(pilot, lambda: until in panel_text(app))
        assert "locked" in panel_text(app).lower()
        assert app.is_running
