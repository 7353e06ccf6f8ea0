"""Item sizes from the order file to the station's order view (issue 12 part 3)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.domain.check_digits import barcode_problem
from packstation.domain.intake import read_orders
from packstation.domain.rules import PackRules
from packstation.domain.validation import validate_order
from packstation.models import OrderLine
from packstation.models.db import Database, open_database
from packstation.models.orders_repo import content_hash, import_orders
from packstation.station.context import DbContext


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, auto_upgrade=True)
    yield database
    database.dispose()


def test_sizes_are_stored_and_reach_the_order_view(db: Database, fixtures_dir: Path) -> None:
    orders = read_orders(fixtures_dir / "orders-sample.json")
    first = orders[0]
    sized = replace(first, lines=[replace(first.lines[0], dims_mm=(120, 90, 100)),
                                  *first.lines[1:]])  # fmt: skip
    with db.unit_of_work() as s:
        import_orders(s, [sized, *orders[1:]], lambda o: validate_order(o, barcode_problem))
    with db.sessions() as s:
        stored = s.execute(
            select(OrderLine.length_mm, OrderLine.width_mm, OrderLine.height_mm)
            .where(OrderLine.order_id == first.id)
            .order_by(OrderLine.position)
        ).all()
        assert [tuple(row) for row in stored] == [(120, 90, 100)] + [(None, None, None)] * (
            len(first.lines) - 1
        )
        view = DbContext(s, "PS-01", PackRules.default()).find_order(first.id)
    assert view is not None and not isinstance(view, type(None))
    dims = [line.dims_mm for line in view.lines]  # type: ignore[union-attr]
    assert dims == [(120, 90, 100)] + [()] * (len(first.lines) - 1)


def test_an_order_without_sizes_hashes_as_before(fixtures_dir: Path) -> None:
    """Stored hashes must not change: re-importing an old file stays a no-op."""
    order = read_orders(fixtures_dir / "orders-sample.json")[0]
    assert content_hash(order) == content_hash(replace(order, lines=list(order.lines)))
    sized = replace(order, lines=[replace(order.lines[0], dims_mm=(1, 2, 3)), *order.lines[1:]])
    assert content_hash(sized) != content_hash(order)
