from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from packstation.devices.base import ScaleReading, ScaleState
from packstation.domain.workflow import Step
from packstation.models import Defect, Notification, Order
from packstation.models.db import Database
from packstation.screens.login import LoginScreen
from packstation.screens.messages import ScaleUpdate
from packstation.screens.pack import PackScreen
from packstation.screens.station_app import StationApp
from packstation.station.results import RunResult
from packstation.widgets.lines_table import LinesTable
from tests.screens.conftest import panel_text, scan, type_scan, wait_until

ORD_1001_ITEMS = ("4601234567893", "4601234567893", "4607654321015", "046000001234")


async def test_happy_path_by_scans_alone(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        assert isinstance(app.screen, LoginScreen)
        await type_scan(pilot, "BADGE-0001")  # keyboard wedge
        assert isinstance(app.screen, PackScreen)
        await type_scan(pilot, "ORD-1001")
        assert app.state.step is Step.ITEMS
        for code in ORD_1001_ITEMS:
            await scan(pilot, code)
            assert "✓" in panel_text(app), panel_text(app)
        table = app.screen.query_one(LinesTable)
        assert table.rows_shown == 3
        await scan(pilot, "BOX:M")
        assert app.state.step is Step.WEIGHT
        before = app.results_seen
        app.post_message(ScaleUpdate(ScaleReading(Decimal(1060), True, ScaleState.OK, "g")))
        await wait_until(pilot, lambda: app.results_seen > before)
        assert app.state.step is Step.CHECKS
        while app.state.next_check is not None:
            await scan(pilot, "CMD:OK")
        await scan(pilot, "DOC:INVOICE:ORD-1001")
        assert app.state.step is Step.LABEL and app.state.parcel is not None
        await scan(pilot, app.state.parcel.parcel_id)
        assert app.state.closed_order == "ORD-1001"
    with ui_db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "packed"


async def test_wrong_item_is_red_rings_and_stays_until_good_scan(
    make_app: Callable[..., StationApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        await scan(pilot, "4607001002000")  # ORD-1005's cable
        text = panel_text(app)
        assert "✗" in text and "4607001002000" in text and "ORD-1005" in text
        assert app.bells == 1  # type: ignore[attr-defined]
        assert app.screen.query_one("#result").has_class("-error")
        await pilot.press("x", "backspace")  # stray keys do not clear the alert
        assert app.screen.query_one("#result").has_class("-error")
        await scan(pilot, "4601234567893")
        assert app.screen.query_one("#result").has_class("-ok")


async def test_over_scan_and_bad_check_digit_have_their_own_messages(
    make_app: Callable[..., StationApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        await scan(pilot, "4607654321015")
        await scan(pilot, "4607654321015")
        over = panel_text(app)
        await scan(pilot, "4607654321016")
        bad = panel_text(app)
        assert over != bad
        assert "check digit" in bad.lower()


async def test_markup_and_escapes_in_a_scan_are_shown_literally(
    make_app: Callable[..., StationApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        await type_scan(pilot, "[red]x[/]")
        assert "[red]x[/]" in panel_text(app)
        await scan(pilot, "\x1b[2J\x00")
        shown = panel_text(app)
        assert "[2J" in shown and "\x1b" not in shown and "\x00" not in shown
        assert app.state.order is not None  # still packing, nothing crashed


async def test_defect_records_row_and_customer_notification(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        before = app.results_seen
        await pilot.press("f2")
        await wait_until(pilot, lambda: app.results_seen > before)
        assert app.state.step is Step.DEFECT_PICK_LINE
        await scan(pilot, "1")  # the mug
        assert app.state.step is Step.DEFECT_PICK_KIND
        await scan(pilot, "CMD:DAMAGED")
    with ui_db.sessions() as s:
        defects = s.scalars(select(Defect)).all()
        notes = s.scalars(select(Notification).where(Notification.order_id == "ORD-1001")).all()
    assert [(d.order_id, d.kind) for d in defects] == [("ORD-1001", "damaged")]
    assert len(notes) == 1 and notes[0].channel == "email"


async def test_russian_locale(make_app: Callable[..., StationApp]) -> None:
    app = make_app(locale="ru")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "NO-SUCH-BADGE")
        assert "Неизвестный пропуск" in panel_text(app)
        assert isinstance(app.screen, LoginScreen)


async def test_results_reach_the_app_from_the_results_thread_not_the_worker(
    make_app: Callable[..., StationApp],
) -> None:
    """The worker only queues its results (`station/courier.py`): it is inside its COMMIT,
    not waiting for the interpreter's lock behind the UI, when the UI is woken."""
    app = make_app()
    posted_by: list[str] = []
    post = app._post_result

    def recording(result: RunResult) -> None:
        posted_by.append(threading.current_thread().name)
        post(result)

    app._courier._deliver = recording  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        await scan(pilot, ORD_1001_ITEMS[0])  # handed over before its COMMIT, with a gate
        assert "✓" in panel_text(app)
    assert len(posted_by) >= 4
    assert set(posted_by) == {"station-results"}
