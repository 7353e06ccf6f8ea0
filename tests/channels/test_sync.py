"""`sync_channel` against an in-memory marketplace: import, idempotence, changes,
cancellations (a packing order leaves its station), refusals, call records.

The HTTP clients are tested against the spec-following fakes in test_wb_*/test_ozon_*;
here the marketplace is the `Marketplace` protocol itself, so the storage side is seen
alone, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from packstation.channels.base import (
    Account,
    CallRecord,
    ChannelError,
    Document,
    MarkKind,
    MarkVerdict,
    Posting,
    PostingItem,
    PostingState,
    UnitMarks,
)
from packstation.channels.settings import ChannelSettings
from packstation.channels.sync import sync_channel
from packstation.models import ChannelCall, Event, Order
from packstation.models.db import Database, open_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = ChannelSettings(kind="ozon", name="ozon-main", client_id="1", api_key_env="K")


def clock() -> datetime:
    return NOW


def item(sku: str = "SKU-1", qty: int = 1, **kw: object) -> PostingItem:
    values: dict[str, object] = {
        "name": f"Product {sku}",
        "product_ref": f"P{sku}",
        "barcodes": ("4607001001003",),
        "unit_weight_g": Decimal("250"),
        "unit_price": Decimal("990.00"),
        "currency": "RUB",
    }
    values.update(kw)
    return PostingItem(sku=sku, qty=qty, **values)  # type: ignore[arg-type]


def posting(ref: str, *items: PostingItem, state: PostingState = PostingState.TO_PACK) -> Posting:
    return Posting(
        ref=ref,
        state=state,
        items=items or (item(),),
        ship_by=NOW + timedelta(hours=6),
        warehouse_id="22000",
        delivery="Ozon Логистика",
        city="Москва",
    )


class Memory:
    """The marketplace as the protocol sees it; `calls` like a real client's recorder."""

    kind = "ozon"
    label_per_package = True
    name = "ozon-main"

    def __init__(self, calls: list[CallRecord]) -> None:
        self.to_pack: dict[str, Posting] = {}
        self.state: dict[str, PostingState] = {}
        self.asked: list[list[str]] = []
        self.calls = calls
        self.down = False

    def _call(self, endpoint: str, status: int = 200) -> None:
        self.calls.append(CallRecord(self.name, "POST", endpoint, status, 1.5))

    def account(self) -> Account:
        return Account("Seller", "1")

    def postings_to_pack(self) -> Iterator[Posting]:
        if self.down:
            self._call("/v3/posting/fbs/unfulfilled/list", 503)
            raise ChannelError("ozon-main: answered 503 (5 attempts)", status=503)
        self._call("/v3/posting/fbs/unfulfilled/list")
        yield from self.to_pack.values()

    def states(self, refs: Sequence[str]) -> dict[str, PostingState]:
        self.asked.append(list(refs))
        self._call("/v3/posting/fbs/get")
        return {r: self.state.get(r, PostingState.OTHER) for r in refs}

    def submit_marks(self, posting: Posting, units: Sequence[UnitMarks]) -> list[MarkVerdict]:
        raise NotImplementedError

    def ship(self, posting: Posting, boxes: Sequence[Sequence[tuple[str, int]]]) -> list[str]:
        raise NotImplementedError

    def label(self, ref: str) -> Document:
        raise NotImplementedError

    def close_handoff(self, refs: Sequence[str]) -> list[Document]:
        raise NotImplementedError

    def message_buyer(self, ref: str, text: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, auto_upgrade=True)
    yield database
    database.dispose()


@pytest.fixture
def calls() -> list[CallRecord]:
    return []


@pytest.fixture
def market(calls: list[CallRecord]) -> Memory:
    return Memory(calls)


def orders(db: Database) -> dict[str, Order]:
    with db.unit_of_work() as s:
        return {o.id: o for o in s.scalars(select(Order))}


def test_postings_become_ready_orders_once(db: Database, market: Memory, calls: list) -> None:
    market.to_pack["1234-0001-1"] = posting(
        "1234-0001-1", item("A", 2, required=frozenset({MarkKind.SGTIN})), item("B")
    )
    first = sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    assert (first.seen, first.new, first.unchanged, first.errors) == (1, 1, 0, [])
    order = orders(db)["1234-0001-1"]
    assert (order.status, order.channel, order.channel_ref) == ("ready", "ozon-main", "1234-0001-1")
    assert order.ship_by == NOW + timedelta(hours=6)
    assert order.carrier == "Ozon Логистика"
    assert order.extra["required_marks"] == {"A": ["sgtin"]}
    assert order.extra["products"] == {"A": "PA", "B": "PB"}
    with db.unit_of_work() as s:
        lines = {ln.sku: ln for ln in s.get_one(Order, "1234-0001-1").lines}
        stored_at = s.get_one(Order, "1234-0001-1").updated_at
    assert (lines["A"].qty, lines["A"].marked, lines["B"].marked) == (2, True, False)

    again = sync_channel(db, market, SETTINGS, now=lambda: NOW + timedelta(minutes=1), calls=calls)
    assert (again.seen, again.new, again.updated, again.unchanged) == (1, 0, 0, 1)
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 1
        assert s.get_one(Order, "1234-0001-1").updated_at == stored_at  # nothing rewritten
    assert market.asked == []  # listed as to pack: nothing to ask about


def test_a_changed_posting_updates_its_order(db: Database, market: Memory, calls: list) -> None:
    market.to_pack["1-1"] = posting("1-1", item("A", 1))
    sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    market.to_pack["1-1"] = posting("1-1", item("A", 3))
    report = sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    assert (report.new, report.updated) == (0, 1)
    with db.unit_of_work() as s:
        assert [ln.qty for ln in s.get_one(Order, "1-1").lines] == [3]


def test_a_posting_without_weight_needs_correction(
    db: Database, market: Memory, calls: list
) -> None:
    market.to_pack["2-1"] = posting("2-1", item("A", unit_weight_g=None))
    report = sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    assert report.needs_correction == 1
    order = orders(db)["2-1"]
    assert order.status == "needs_correction"
    # The marketplace hides the buyer and the address: not asked for.
    assert [p["field"] for p in order.problems] == ["lines[0].unit_weight_g"]


def test_a_cancelled_posting_leaves_the_station_packing_it(
    db: Database, market: Memory, calls: list
) -> None:
    market.to_pack["3-1"] = posting("3-1")
    market.to_pack["3-2"] = posting("3-2")
    sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    with db.unit_of_work() as s:  # a packer holds 3-1
        o = s.get_one(Order, "3-1")
        o.status, o.station_id = "packing", "PS-07"
    del market.to_pack["3-1"], market.to_pack["3-2"]
    market.state = {"3-1": PostingState.CANCELLED, "3-2": PostingState.SHIPPED}
    report = sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    assert (report.cancelled, report.stations) == (1, ["PS-07"])
    assert sorted(market.asked[0]) == ["3-1", "3-2"]
    got = orders(db)
    assert (got["3-1"].status, got["3-1"].station_id) == ("cancelled", None)
    assert got["3-2"].status == "ready"  # shipped elsewhere is not ours to change
    with db.unit_of_work() as s:
        event = s.scalars(select(Event).where(Event.kind == "order.cancelled")).one()
    assert (event.order_id, event.station_id) == ("3-1", "PS-07")
    assert event.payload["by"] == "marketplace" and event.payload["from"] == "packing"

    again = sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    assert again.cancelled == 0 and market.asked[-1] == ["3-2"]  # cancelled is closed


def test_an_order_file_id_is_never_taken_over(db: Database, market: Memory, calls: list) -> None:
    with db.unit_of_work() as s:
        s.add(Order(id="4-1", status="ready"))
    market.to_pack["4-1"] = posting("4-1")
    report = sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    assert report.refused == ["4-1: an order with this id came from an order file"]
    assert orders(db)["4-1"].channel is None


def test_marketplace_down_keeps_everything_and_records_calls(
    db: Database, market: Memory, calls: list
) -> None:
    market.to_pack["5-1"] = posting("5-1")
    sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    market.down = True
    report = sync_channel(db, market, SETTINGS, now=clock, calls=calls)
    assert report.errors == ["postings not read: ozon-main: answered 503 (5 attempts)"]
    assert report.cancelled == 0 and market.asked == []  # not listed is not cancelled
    assert orders(db)["5-1"].status == "ready"
    assert calls == []  # stored and cleared
    with db.unit_of_work() as s:
        stored = [(c.endpoint, c.status) for c in s.scalars(select(ChannelCall))]
    assert stored.count(("/v3/posting/fbs/unfulfilled/list", 503)) == 1
    assert len(stored) == 2
