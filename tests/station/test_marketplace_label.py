"""A marketplace order packed by scans alone: the marking codes go to the marketplace,
the parcel ships, the marketplace's label prints and its barcode is what the scan-back
checks. The marketplace is the `Marketplace` protocol in memory (the HTTP clients are
tested against the spec-following fakes in tests/channels); the station, its agent
thread, the database and the printer are real."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from packstation.channels.base import (
    CallRecord,
    ChannelError,
    Document,
    MarkKind,
    MarkVerdict,
    NotReady,
    Posting,
    PostingState,
    UnitMarks,
)
from packstation.channels.sync import sync_channel
from packstation.clock import utcnow
from packstation.devices.printer import open_printer
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, ScaleReading, Step
from packstation.models import ChannelCall, Event, MarkingCode, Order
from packstation.models.db import Database
from packstation.models.marketplace_hold import LABEL_REFUSED, LABEL_WAIT, hold_state
from packstation.station.results import RunResult
from packstation.station.runner import StationRunner
from tests.channels.test_sync import SETTINGS, Memory, item, posting
from tests.station.conftest import PACKER, SyncRunner

MarketplaceFactory = Callable[[Callable[[CallRecord], None]], dict[str, Any]]

REF = "55501234-0001-1"
SNEAKERS = "4605550001116"


def mark(serial: str) -> str:
    return "01" + "0" + SNEAKERS + "21" + serial + "\x1d91ABCD\x1d92" + "x" * 44


class Market(Memory):
    """Answers like a marketplace: refuses the codes in `refuse`, ships, then gives a
    label after `not_ready` "not ready yet" answers."""

    def __init__(self, calls: list[CallRecord]) -> None:
        super().__init__(calls)
        self.refuse: dict[str, str] = {}
        self.marks_sent: list[list[str]] = []
        self.shipped: list[list[list[tuple[str, int]]]] = []
        self.not_ready = 0
        self.down = 0
        #: The marketplace's words when it refuses the label for good ("" while it does not).
        self.refuse_label = ""
        self.asked_label = threading.Event()
        self.record: Callable[[CallRecord], None] = self.calls.append

    def made_with(self, record: Callable[[CallRecord], None]) -> dict[str, Market]:
        """As the station's factory: the clients record their calls through `record`."""
        self.record = record
        return {SETTINGS.name: self}

    def submit_marks(self, posting: Posting, units: Sequence[UnitMarks]) -> list[MarkVerdict]:
        codes = [u.marks[MarkKind.SGTIN] for u in units]
        self.marks_sent.append(codes)
        return [
            MarkVerdict(u.product_ref, code, code not in self.refuse, self.refuse.get(code, ""))
            for u, code in zip(units, codes, strict=True)
        ]

    def ship(self, posting: Posting, boxes: Sequence[Sequence[tuple[str, int]]]) -> list[str]:
        """As a real client: a posting shipped already is not shipped again."""
        if self.state.get(posting.ref) is not PostingState.SHIPPED:
            self.shipped.append([list(box) for box in boxes])
            self.state[posting.ref] = PostingState.SHIPPED
        return [f"{posting.ref}-{n}" for n in range(1, len(boxes) + 1)]

    def label(self, ref: str) -> Document:
        self.asked_label.set()
        self.record(CallRecord(SETTINGS.name, "POST", "/v2/posting/fbs/package-label", 200, 3.0))
        if self.refuse_label:
            raise ChannelError(self.refuse_label, status=400)
        if self.down:
            self.down -= 1
            raise ChannelError("ozon-main: answered 503 (5 attempts)", status=503, retryable=True)
        if self.not_ready:
            self.not_ready -= 1
            raise NotReady("the label is being made")
        return Document("zpl", f"^XA^FO20,20^BCN,80^FD{ref}^FS^XZ".encode(), barcode=ref)


class Station(SyncRunner):
    def __init__(
        self, db: Database, rules: PackRules, spool: Path, marketplaces: MarketplaceFactory
    ) -> None:
        self.results: list[RunResult] = []
        self._cond = threading.Condition()
        self.runner = StationRunner(
            db,
            "PS-01",
            rules,
            self._on_result,
            printer=open_printer(f"dir://{spool}"),
            marketplaces=marketplaces,
        )
        self._matched = 0
        self.runner.agent_waits = (0.02,)
        self.runner.start()
        self.wait(1)

    def until(self, key: str, timeout: float = 10.0, since: int | None = None) -> RunResult:
        """The first result whose message is `key` after the last one `until` returned (or
        from result `since`): the agent's answers come by themselves, maybe before asked."""
        n = self._matched if since is None else since
        while True:
            result = self.wait(n + 1, timeout)
            n += 1
            if result.outcome is not None and result.outcome.message.key == key:
                self._matched = n
                return result


@pytest.fixture
def market(station_db: Database) -> Market:
    calls: list[CallRecord] = []
    m = Market(calls)
    m.to_pack[REF] = posting(
        REF,
        item("SNK-42", 2, barcodes=(SNEAKERS,), unit_weight_g=Decimal(780),
             required=frozenset({MarkKind.SGTIN}), product_ref="998877"),
    )  # fmt: skip
    assert sync_channel(station_db, m, SETTINGS, now=utcnow, calls=calls).new == 1
    m.state[REF] = PostingState.TO_PACK
    return m


@pytest.fixture
def st(station_db: Database, rules: PackRules, tmp_path: Path, market: Market) -> Iterator[Station]:
    station = Station(station_db, rules, tmp_path / "spool", market.made_with)
    yield station
    station.stop()


def to_label(st: Station, codes: Sequence[str], order: str = REF) -> RunResult:
    """Badge, order, the units by their codes, box M (210 g), the weight, every check."""
    assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
    assert st.scan(order).state.order is not None
    for code in codes:
        result = st.scan(code)
        assert result.outcome is not None and result.outcome.ok, result.outcome
    assert st.scan("BOX:M").state.step is Step.WEIGHT
    result = st.do(ScaleReading(Decimal(len(codes) * 780 + 210), stable=True))
    while result.state.step is Step.CHECKS:
        if result.state.next_check is not None:
            result = st.do(Key(Action.OK))
        else:
            result = st.scan(f"DOC:{result.state.next_document}:{order}")
        assert result.outcome is not None and result.outcome.ok, result.outcome
    assert result.state.step is Step.LABEL
    return result


def test_codes_ship_label_and_scan_back_the_marketplace_barcode(
    st: Station, market: Market, station_db: Database, tmp_path: Path
) -> None:
    market.not_ready = 2
    first = to_label(st, [mark("AAAAAAAAAAAAA"), mark("BBBBBBBBBBBBB")])
    assert first.printed is None  # not our label
    ready = st.until("label.marketplace_printed")
    assert market.marks_sent == [[mark("AAAAAAAAAAAAA"), mark("BBBBBBBBBBBBB")]]
    assert market.shipped == [[[("998877", 2)]]]
    package = f"{REF}-1"
    [label] = list((tmp_path / "spool").glob("*.zpl"))
    assert f"^FD{package}^FS".encode() in label.read_bytes()
    assert ready.state.parcels[0].barcode == package
    wrong = st.scan(ready.state.parcels[0].parcel_id)  # our own id is not on the parcel
    assert wrong.outcome is not None and not wrong.outcome.ok
    done = st.scan(package)
    assert done.outcome is not None and done.outcome.ok, done.outcome
    assert done.outcome.message.key == "order.packed"
    assert done.outcome.message.params["parcel"] == package  # the marketplace's, not ours
    with station_db.sessions() as s:
        assert s.get_one(Order, REF).status == "packed"
        kinds = s.scalars(select(Event.kind).where(Event.order_id == REF)).all()
    assert "label.marketplace" in kinds and "label.confirmed" in kinds
    # The station's calls are kept for the lead (the sync's are too): three label asks,
    # stored by the agent once its job is over.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with station_db.sessions() as s:
            calls = s.scalars(select(ChannelCall.endpoint)).all()
        if "/v2/posting/fbs/package-label" in calls:
            break
        time.sleep(0.02)
    assert calls.count("/v2/posting/fbs/package-label") == 3


def test_a_refused_code_is_red_and_that_unit_is_scanned_again(
    st: Station, market: Market, station_db: Database
) -> None:
    market.refuse[mark("BADBADBADBADB")] = "код не найден в ГИС МТ"
    to_label(st, [mark("AAAAAAAAAAAAA"), mark("BADBADBADBADB")])
    red = st.until("mark.rejected")
    assert red.outcome is not None and not red.outcome.ok
    assert red.outcome.message.params["reason"] == "код не найден в ГИС МТ"
    assert red.state.step is Step.ITEMS and red.state.units_packed == 1
    assert market.shipped == []  # nothing ships with a refused code
    with station_db.sessions() as s:
        kept = s.scalars(select(MarkingCode.identity)).all()
    assert len(kept) == 1 and "BADBADBADBADB" not in kept[0]
    again = st.scan(mark("CCCCCCCCCCCCC"))  # another unit: box, weight and checks still hold
    assert again.outcome is not None and again.outcome.ok
    assert again.state.step is Step.LABEL
    st.until("label.marketplace_printed")
    assert market.marks_sent[-1] == [mark("AAAAAAAAAAAAA"), mark("CCCCCCCCCCCCC")]
    assert len(market.shipped) == 1


def test_marketplace_down_the_packer_puts_it_on_the_hold_shelf(
    st: Station, market: Market, station_db: Database
) -> None:
    market.down = 10**6
    to_label(st, [mark("AAAAAAAAAAAAA"), mark("BBBBBBBBBBBBB")])
    waiting = st.until("label.waiting_marketplace")
    assert waiting.outcome is not None and waiting.outcome.ok  # told, not alarmed
    assert waiting.state.step is Step.LABEL
    held = st.do(Key(Action.HOLD))
    assert held.outcome is not None and held.outcome.ok, held.outcome
    assert held.outcome.message.key == "label.held_marketplace"
    assert held.state.order is None
    with station_db.sessions() as s:
        order = s.get_one(Order, REF)
    assert order.status == "needs_correction"
    assert hold_state(order.status, order.hold_reason) == LABEL_WAIT


def test_a_refusal_on_the_hold_shelf_goes_to_the_lead_with_its_words(
    st: Station, market: Market, station_db: Database
) -> None:
    market.down = 10**6
    to_label(st, [mark("AAAAAAAAAAAAA"), mark("BBBBBBBBBBBBB")])
    st.until("label.waiting_marketplace")
    assert st.do(Key(Action.HOLD)).state.order is None
    shown = len(st.results)
    market.refuse_label = "POSTING_NOT_AWAITING_DELIVER: 55501234-0001-1 is cancelled"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the shelf asks again in the background
        with station_db.sessions() as s:
            order = s.get_one(Order, REF)
        if hold_state(order.status, order.hold_reason) != LABEL_WAIT:
            break
        time.sleep(0.02)
    assert order.status == "needs_correction"  # still on hold: a lead's to sort out
    assert hold_state(order.status, order.hold_reason) == LABEL_REFUSED
    assert order.hold_reason is not None and "is cancelled" in order.hold_reason
    assert len(market.shipped) == 1  # asked again and again, shipped once
    assert len(st.results) == shown  # the packer, on another order, is not told


def test_a_station_without_the_channel_says_so_instead_of_waiting(
    station_db: Database, rules: PackRules, tmp_path: Path, market: Market
) -> None:
    st = Station(station_db, rules, tmp_path / "spool", lambda record: {})
    try:
        before = len(st.results)
        to_label(st, [mark("AAAAAAAAAAAAA"), mark("BBBBBBBBBBBBB")])
        told = st.until("station.marketplace_failed", since=before)
    finally:
        st.stop()
    assert told.outcome is not None and not told.outcome.ok
    assert told.outcome.message.params == {
        "order": REF,
        "error": f"channel {SETTINGS.name} is not configured at this station",
    }
    assert market.shipped == []
