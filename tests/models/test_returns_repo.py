"""Returns in the database on SQLite and PostgreSQL: open, close, refuse, announce."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from packstation.domain.returns import (
    LookupRefusal,
    RefusalKind,
    ReturnSession,
    ReturnView,
    close_plan,
    handle_text,
)
from packstation.domain.returns_file import AnnouncedItem, AnnouncedReturn
from packstation.models import Defect, Event, Notification, Order, OrderLine, Refund, Return
from packstation.models.db import Database
from packstation.models.returns_close import ReturnRefused, close_return
from packstation.models.returns_repo import find_return, import_announced

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
MUG = "4601234567893"


def _ship(db: Database) -> None:
    with db.unit_of_work() as s:
        s.execute(update(Order).where(Order.id == "ORD-1001").values(status="delivered"))
        s.execute(
            update(OrderLine)
            .where(OrderLine.order_id == "ORD-1001", OrderLine.sku == "MUG-CER-350")
            .values(unit_price=Decimal("450.00"))
        )


def _view(db: Database, key: str) -> ReturnView:
    with db.sessions() as s:
        found = find_return(s, key, NOW)
    assert isinstance(found, ReturnView), found
    return found


def _mugs(view: ReturnView, n: int) -> ReturnSession:
    session = ReturnSession(view=view)
    for _ in range(n):
        for text in (MUG, "1", "F"):
            session, _ = handle_text(session, text)
    return session


def test_close_records_everything_and_a_stale_second_close_is_refused(
    station_db: Database,
) -> None:
    _ship(station_db)
    view = _view(station_db, "ORD-1001")
    mug = next(line for line in view.lines if line.sku == "MUG-CER-350")
    assert (mug.shipped, mug.returned_before, mug.unit_price) == (2, 0, Decimal("450.00"))
    assert view.currency == "RUB"  # the order has none: the marketplace's
    first, second = close_plan(_mugs(view, 2)), close_plan(_mugs(view, 1))
    with station_db.unit_of_work() as s:
        summary = close_return(s, first, operator_id=None, station_id="PS-01", now=NOW)
    assert (summary.units, summary.refund, summary.notifications) == (2, Decimal("900.00"), 2)
    with pytest.raises(ReturnRefused, match="only 0 of 2"), station_db.unit_of_work() as s:
        close_return(s, second, operator_id=None, station_id="PS-02", now=NOW)
    with station_db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Return)) == 1
        assert s.scalars(select(Refund.amount)).all() == [Decimal("900.00")]
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "returned"
        kinds = s.scalars(select(Event.kind).where(Event.order_id == "ORD-1001")).all()
        assert kinds.count("return.received") == 1 and kinds.count("refund.decided") == 1
        keys = s.scalars(
            select(Notification.idempotency_key).where(Notification.order_id == "ORD-1001")
        ).all()
        assert sorted(keys) == [
            f"refund_issued:{summary.return_id}",
            f"return_received:{summary.return_id}",
        ]
    again = _view(station_db, "ORD-1001")
    mug = next(line for line in again.lines if line.sku == "MUG-CER-350")
    assert mug.returned_before == 2


def test_short_shipped_units_cannot_come_back_and_unshipped_orders_are_refused(
    station_db: Database,
) -> None:
    _ship(station_db)
    with station_db.unit_of_work() as s:
        line_id = s.scalar(
            select(OrderLine.id).where(
                OrderLine.order_id == "ORD-1001", OrderLine.sku == "MUG-CER-350"
            )
        )
        s.add(Defect(order_id="ORD-1001", line_id=line_id, kind="missing", resolution="ship_short"))
    mug = next(line for line in _view(station_db, "ORD-1001").lines if line.sku == "MUG-CER-350")
    assert mug.shipped == 1
    with station_db.sessions() as s:
        found = find_return(s, "ORD-1002", NOW)
        assert found == LookupRefusal(RefusalKind.NOT_RETURNABLE, "ORD-1002", "ORD-1002", "ready")
        assert find_return(s, "NOPE", NOW) == LookupRefusal(RefusalKind.NOT_FOUND, "NOPE")


def test_an_announced_return_is_found_by_label_and_closed_once(station_db: Database) -> None:
    _ship(station_db)
    announced = AnnouncedReturn(
        "RMA-1", "ORD-1001", (AnnouncedItem("MUG-CER-350", 1),), "cracked", "LBL-1"
    )
    with station_db.unit_of_work() as s:
        assert import_announced(s, [announced], NOW).announced == 1
    with station_db.unit_of_work() as s:
        changed = AnnouncedReturn("RMA-1", "ORD-1001", (), "changed my mind", "LBL-1")
        report = import_announced(s, [announced, changed], NOW)
        assert (report.unchanged, report.updated) == (1, 1)
    view = _view(station_db, "LBL-1")
    assert (view.rma, view.reason, view.return_id) == ("RMA-1", "changed my mind", view.return_id)
    assert _view(station_db, "ORD-1001").return_id == view.return_id  # by order id too
    with station_db.unit_of_work() as s:
        close_return(s, close_plan(_mugs(view, 1)), operator_id=None, station_id="PS-01", now=NOW)
    with station_db.sessions() as s:
        ret = s.scalars(select(Return)).one()
        assert (ret.status, ret.received_at) == ("closed", NOW)
        found = find_return(s, "RMA-1", NOW)
        assert isinstance(found, LookupRefusal) and found.kind is RefusalKind.ALREADY_CLOSED
    with station_db.unit_of_work() as s:
        assert import_announced(s, [announced], NOW).unchanged == 1  # received: kept as it was
