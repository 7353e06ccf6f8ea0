"""Kiosk mode: no key leaves the station; a lead's badge and PIN do."""

from __future__ import annotations

from collections.abc import Callable

from packstation.screens.station_app import StationApp
from tests.screens.conftest import panel_text, scan, type_scan, wait_until

ESCAPES = ("ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "escape", "ctrl+p", "ctrl+d")


async def test_every_escape_key_keeps_the_kiosk_running(
    make_app: Callable[..., StationApp],
) -> None:
    app = make_app(kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        for key in ESCAPES:
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running, key
        assert "locked" in panel_text(app).lower()
        await scan(pilot, "ORD-1001")  # and it still works
        assert app.state.order is not None


async def test_leaving_needs_a_lead_badge_and_pin(make_app: Callable[..., StationApp]) -> None:
    app = make_app(kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await pilot.press("f12")
        await pilot.press(*"BADGE-0001", "enter")  # a packer
        await pilot.press(*"1234", "enter")
        await wait_until(
            pilot, lambda: "wrong PIN" in panel_text(app) or "Not a lead" in panel_text(app)
        )
        assert app.is_running
        await pilot.press("f12")
        await pilot.press(*"BADGE-LEAD-01", "enter")
        await pilot.press(*"9999", "enter")  # wrong PIN
        await wait_until(pilot, lambda: "Not a lead" in panel_text(app))
        assert app.is_running
        await pilot.press("f12")
        await pilot.press(*"BADGE-LEAD-01", "enter")
        assert "PIN" in panel_text(app)
        await pilot.press(*"1234", "enter")
        await wait_until(pilot, lambda: not app.is_running)
    assert app.return_code in (0, None)


async def test_outside_kiosk_ctrl_q_quits(make_app: Callable[..., StationApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await type_scan(pilot, "BADGE-0001")
        await pilot.press("ctrl+q")
        await wait_until(pilot, lambda: not app.is_running)
