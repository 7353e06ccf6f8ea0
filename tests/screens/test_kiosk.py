"""Kiosk mode: no key leaves the station; a lead's badge and PIN do."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from packstation.screens.messages import ScannerLine
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


async def test_a_crash_in_the_kiosk_closes_without_a_traceback(
    make_app: Callable[..., StationApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    from packstation.screens.kiosk_crash import CRASH_EXIT

    app = make_app(kiosk=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)

        def broken(text: str) -> None:
            raise RuntimeError("a bug in a handler")

        monkeypatch.setattr(app, "submit_text", broken)
        app.post_message(ScannerLine("ORD-1001"))
        for _ in range(200):  # the app's message loop is gone: poll, Pilot would wait on it
            if not app.is_running:
                break
            await asyncio.sleep(0.05)
        assert not app.is_running
    assert app.crashed and app.return_code == CRASH_EXIT
    assert not app._exit_renderables  # no traceback for the terminal


async def test_the_crash_screen_waits_for_a_lead(
    make_app: Callable[..., StationApp],
) -> None:
    """Red, keys cannot leave, a packer cannot; a lead's badge and PIN end it (audited)."""
    from sqlalchemy import select

    from packstation.models import Event
    from packstation.screens.kiosk_crash import CRASH_EXIT, CrashApp
    from packstation.widgets.result_panel import ResultPanel

    station = make_app(kiosk=True)
    app = CrashApp(station.setup)

    def shown() -> str:
        return str(app.query_one(ResultPanel).render())

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "call a lead" in " ".join(str(w.render()) for w in app.query("TextLine"))
        for key in ESCAPES:
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running, key
        await pilot.press(*"BADGE-0001", "enter", *"1234", "enter")  # a packer
        await wait_until(pilot, lambda: "Not a lead" in shown())
        assert app.is_running
        await pilot.press(*"BADGE-LEAD-01", "enter")
        assert "PIN" in shown()
        await pilot.press(*"1234", "enter")
        await wait_until(pilot, lambda: not app.is_running)
    assert app.return_code == CRASH_EXIT
    db = station.setup.db
    assert not isinstance(db, str)
    with db.sessions() as s:
        assert s.scalars(select(Event.kind).where(Event.kind == "kiosk.exit")).all()


async def test_outside_kiosk_a_crash_still_exits(
    make_app: Callable[..., StationApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    with pytest.raises(RuntimeError, match="a bug"):
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.results_seen >= 1)

            def broken(text: str) -> None:
                raise RuntimeError("a bug in a handler")

            monkeypatch.setattr(app, "submit_text", broken)
            app.post_message(ScannerLine("ORD-1001"))
            await pilot.pause(0.5)
    assert app.return_code == 1
