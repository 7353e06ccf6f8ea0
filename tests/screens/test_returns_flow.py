"""The returns screen through the station app (Pilot), on a real seeded SQLite database."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from rich.text import Text
from sqlalchemy import select, update
from textual.pilot import Pilot

from packstation.domain.returns_file import AnnouncedItem, AnnouncedReturn
from packstation.models import Event, Notification, Order, OrderLine, Refund, Return, ReturnLine
from packstation.models.db import Database
from packstation.models.operators_repo import add_operator
from packstation.models.returns_repo import import_announced
from packstation.screens.messages import ScannerLine
from packstation.screens.pack import PackScreen
from packstation.screens.returns import ReturnsScreen
from packstation.screens.station_app import StationApp
from packstation.widgets.result_panel import ResultPanel
from tests.screens.conftest import panel_text, scan, wait_until

MUG, TEA, SPOON, CABLE = "4601234567893", "4607654321015", "046000001234", "4607001002000"
PRICES = {"MUG-CER-350": "450.00", "TEA-GRN-100": "199.90", "SPOON-SET": "350.00"}


def ship(db: Database, order_id: str, currency: str = "RUB") -> None:
    """The seed's order as it is after packing and handoff, with prices."""
    with db.unit_of_work() as s:
        s.execute(
            update(Order).where(Order.id == order_id).values(status="shipped", currency=currency)
        )
        for sku, price in PRICES.items():
            s.execute(
                update(OrderLine)
                .where(OrderLine.order_id == order_id, OrderLine.sku == sku)
                .values(unit_price=Decimal(price))
            )


def returns_screen(app: StationApp) -> ReturnsScreen:
    screen = app.screen
    assert isinstance(screen, ReturnsScreen)
    return screen


async def open_returns(pilot: Pilot[None], app: StationApp, badge: str) -> ReturnsScreen:
    await wait_until(pilot, lambda: app.results_seen >= 1)
    await scan(pilot, badge)
    await pilot.press("f11")
    await wait_until(pilot, lambda: isinstance(app.screen, ReturnsScreen))
    return returns_screen(app)


async def rscan(pilot: Pilot[None], text: str) -> str:
    """A scanner frame on the returns screen; waits for its answer (lookups included)."""
    screen = returns_screen(pilot.app)  # type: ignore[arg-type]
    before = screen.results_seen
    pilot.app.post_message(ScannerLine(text))
    await wait_until(pilot, lambda: screen.results_seen > before)
    await pilot.pause()
    return rpanel(screen)


async def keys(pilot: Pilot[None], text: str) -> str:
    """Typed on the keyboard and Enter (the keyboard wedge path)."""
    screen = returns_screen(pilot.app)  # type: ignore[arg-type]
    before = screen.results_seen
    await pilot.press(*text, "enter")
    await wait_until(pilot, lambda: screen.results_seen > before)
    await pilot.pause()
    return rpanel(screen)


def rpanel(screen: ReturnsScreen) -> str:
    content = screen.query_one(ResultPanel).content
    return content.plain if isinstance(content, Text) else str(content)


def lines_text(screen: ReturnsScreen) -> str:
    content = screen.query_one("#returns-lines").content  # type: ignore[attr-defined]
    return content.plain if isinstance(content, Text) else str(content)


async def test_lead_receives_a_return_and_decides_full_partial_and_none(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    ship(ui_db, "ORD-1001")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot, app, "BADGE-LEAD-01")
        assert "RETURNS" in lines_text(screen) or "RETURNS" in str(
            screen.query_one("#returns-title").content  # type: ignore[attr-defined]
        )
        assert "Return of ORD-1001" in await rscan(pilot, "ORD-1001")
        assert "MUG-CER-350" in lines_text(screen)

        # refusals: not in the order, then more than shipped
        text = await rscan(pilot, CABLE)
        assert "NOT IN ORDER ORD-1001" in text and screen.query_one(ResultPanel).has_class("-error")
        assert app.bells >= 1  # type: ignore[attr-defined]

        assert "1 of 2" in await rscan(pilot, MUG)
        await keys(pilot, "1")  # resellable
        assert "450.00" in await keys(pilot, "f")  # full refund: the unit price
        await rscan(pilot, MUG)
        await keys(pilot, "2")  # damaged
        await keys(pilot, "p")
        assert "at most 450.00" in rpanel(screen)
        assert "More than the unit price" in await keys(pilot, "999")
        await keys(pilot, "100.50")
        await keys(pilot, "scratched lid")
        text = await rscan(pilot, MUG)
        assert "only 2 shipped" in text and screen.query_one(ResultPanel).has_class("-error")

        await rscan(pilot, TEA)
        await keys(pilot, "3")  # wrong item
        await keys(pilot, "n")
        assert "Reason" in rpanel(screen)
        await keys(pilot, "1")  # stock reason: signs of use
        assert "3 unit(s)   refund 550.50 RUB" in str(
            screen.query_one("#returns-total").content  # type: ignore[attr-defined]
        )
        text = await rscan(pilot, "CMD:OK")
        assert "closed: 3 unit(s), refund 550.50 RUB" in text

        await pilot.press("f11")  # back to packing
        await wait_until(pilot, lambda: isinstance(app.screen, PackScreen))

    with ui_db.sessions() as s:
        ret = s.scalars(select(Return)).one()
        assert (ret.order_id, ret.status, ret.announced, ret.station_id) == (
            "ORD-1001",
            "closed",
            False,
            "PS-01",
        )
        assert ret.received_at is not None and ret.closed_at is not None
        skus = {line.id: line.sku for line in s.scalars(select(OrderLine))}
        rows = sorted(
            (skus[r.line_id], r.qty, r.condition, r.decision, r.refund_amount, r.reason)
            for r in s.scalars(select(ReturnLine))
        )
        assert rows == [
            ("MUG-CER-350", 1, "damaged", "partial", Decimal("100.50"), "scratched lid"),
            ("MUG-CER-350", 1, "resellable", "full", Decimal("450.00"), ""),
            ("TEA-GRN-100", 1, "wrong_item", "none", Decimal("0.00"), "used"),
        ]
        refund = s.scalars(select(Refund)).one()
        assert (refund.amount, refund.currency, refund.return_id) == (
            Decimal("550.50"),
            "RUB",
            ret.id,
        )
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "returned"
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1001")).all()
        assert "return.received" in kinds and "refund.decided" in kinds
        decided = s.scalars(select(Event).where(Event.kind == "refund.decided")).one()
        assert decided.payload["total"] == "550.50" and decided.operator_id is not None
        ours = select(Notification).where(Notification.order_id == "ORD-1001")
        notes = {n.template: n for n in s.scalars(ours)}
        assert set(notes) == {"return_received", "refund_issued"}
        assert notes["refund_issued"].payload["amount"] == "550.50"
        assert notes["refund_issued"].payload["currency"] == "RUB"
        assert notes["refund_issued"].recipient == "anna.petrova@example.ru"


async def test_announced_return_opened_by_its_label_and_nothing_left_afterwards(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    ship(ui_db, "ORD-1001")
    with ui_db.unit_of_work() as s:
        add_operator(s, badge="BADGE-RET-01", name="Олег В.", role="returns", pin_hash=None)
        announced = AnnouncedReturn(
            "RMA-7", "ORD-1001", (AnnouncedItem("SPOON-SET", 1),), "too small", "RET-LBL-7"
        )
        report = import_announced(s, [announced])
        assert report.announced == 1
    app = make_app(locale="ru")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot, app, "BADGE-RET-01")
        text = await rscan(pilot, MUG)
        assert "Это товар" in text  # an item before the return is opened
        await rscan(pilot, "RET-LBL-7")
        order_line = str(screen.query_one("#returns-order").content)  # type: ignore[attr-defined]
        assert "RMA-7" in order_line and "too small" in order_line
        await rscan(pilot, SPOON)
        await keys(pilot, "5")  # not ours: no refund, nothing more to ask
        text = await rscan(pilot, "CMD:OK")
        assert "без возврата денег" in text
        assert "уже принят" in await rscan(pilot, "RET-LBL-7")

    with ui_db.sessions() as s:
        ret = s.scalars(select(Return)).one()  # the announced row was closed, no second row
        assert (ret.rma, ret.status, ret.announced) == ("RMA-7", "closed", True)
        assert s.scalars(select(Refund)).all() == []
        ours = select(Notification.template).where(Notification.order_id == "ORD-1001")
        templates = s.scalars(ours).all()
        assert templates == ["return_received"]


async def test_a_packer_cannot_open_the_returns_screen(
    make_app: Callable[..., StationApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await pilot.press("f11")
        await pilot.pause()
        assert isinstance(app.screen, PackScreen)
        assert "not packer" in panel_text(app)
        assert app.bells >= 1  # type: ignore[attr-defined]


async def test_an_order_not_shipped_is_refused_and_leaving_needs_the_return_closed(
    make_app: Callable[..., StationApp], ui_db: Database
) -> None:
    ship(ui_db, "ORD-1001")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_returns(pilot, app, "BADGE-LEAD-01")
        assert "has not been shipped" in await rscan(pilot, "ORD-1002")
        await rscan(pilot, "ORD-1001")
        await pilot.press("f10")  # the pack workflow's keys are off here
        await pilot.press("f11")
        await wait_until(pilot, lambda: "first" in rpanel(screen))
        assert isinstance(app.screen, ReturnsScreen) and app.state.operator is not None
        await rscan(pilot, "CMD:CANCEL")
        await pilot.press("f11")
        await wait_until(pilot, lambda: isinstance(app.screen, PackScreen))
    with ui_db.sessions() as s:
        assert s.scalars(select(Return)).all() == []
