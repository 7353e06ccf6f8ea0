"""Sample orders are moved to the days after `now`, keeping their times and spacing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from packstation.domain.orders import OrderData, moved_to_future

MSK = timezone(timedelta(hours=3))


def orders() -> list[OrderData]:
    return [
        OrderData(id="A", ship_by=datetime(2026, 11, 27, 12, 0, tzinfo=MSK)),
        OrderData(id="B", ship_by=datetime(2026, 11, 26, 16, 0, tzinfo=MSK)),
        OrderData(id="C"),
    ]


def test_earliest_becomes_the_first_after_now_in_whole_days() -> None:
    now = datetime(2027, 6, 1, 12, 59, tzinfo=UTC)  # 15:59 in Moscow: 16:00 is still ahead
    a, b, c = moved_to_future(orders(), now)
    assert b.ship_by == datetime(2027, 6, 1, 16, 0, tzinfo=MSK)
    assert a.ship_by == datetime(2027, 6, 2, 12, 0, tzinfo=MSK)
    assert c.ship_by is None and [o.id for o in (a, b, c)] == ["A", "B", "C"]


def test_past_the_earliest_time_today_it_goes_to_tomorrow() -> None:
    now = datetime(2027, 6, 1, 13, 0, tzinfo=UTC)  # exactly 16:00 in Moscow
    _, b, _ = moved_to_future(orders(), now)
    assert b.ship_by == datetime(2027, 6, 2, 16, 0, tzinfo=MSK)


def test_orders_already_in_the_future_move_back_to_the_next_day() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    _, b, _ = moved_to_future(orders(), now)
    assert b.ship_by is not None and now < b.ship_by <= now + timedelta(days=1)


def test_no_dates_no_change() -> None:
    only = [OrderData(id="X")]
    assert moved_to_future(only, datetime(2027, 1, 1, tzinfo=UTC)) == only
