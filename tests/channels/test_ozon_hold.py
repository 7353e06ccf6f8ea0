"""The hold shelf with Ozon (the fake over HTTP, every request checked against the schema):
Ozon is down at the label, the packer puts the parcel on the hold shelf and the station
finishes it in the background: codes set once, shipped once, label printed; the lead's
queue shows it "label wait", then "label ready" for the station that held it; its next
CMD:NEXT takes it back and packing it again ships nothing more. A restarted station goes on
with what it left on the shelf."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from packstation.channels.base import CallRecord
from packstation.channels.ozon import OzonMarketplace
from packstation.channels.settings import ChannelSettings, Secret
from packstation.channels.sync import sync_channel
from packstation.clock import utcnow
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, ScaleReading, Step
from packstation.models import Order, Parcel
from packstation.models.db import Database
from packstation.models.marketplace_hold import LABEL_PRINTED, LABEL_WAIT, hold_state
from packstation.models.queue_page import QueueFilters, QueueRow, queue_page
from packstation.screens.queue_format import order_cells
from packstation.station.results import RunResult
from tests.channels.fake_ozon import CLIENT_ID, KEY, FakeOzon, serving
from tests.channels.fakeserver import Fault
from tests.channels.test_ozon_end_to_end import SNEAKERS, code
from tests.labels.zxing_decode import read_pdf
from tests.station.test_marketplace_label import Station, to_label

SHIP = "/v4/posting/fbs/ship"
SET = "/v6/fbs/posting/product/exemplar/set"
SETTINGS = ChannelSettings(
    kind="ozon", name="ozon-main", client_id=CLIENT_ID, api_key_env="X", timeout_s=1.0
)


@pytest.fixture
def fake() -> Iterator[FakeOzon]:
    with serving(utcnow()) as server:
        yield server


def clients(fake: FakeOzon) -> Callable[[Callable[[CallRecord], None]], dict[str, Any]]:
    settings = replace(SETTINGS, base_url=fake.url)

    def made(record: Callable[[CallRecord], None]) -> dict[str, Any]:
        market = OzonMarketplace(
            settings, api_key=Secret(KEY), now=utcnow, recorder=record, sleep=lambda _: None
        )
        return {"ozon-main": market}

    return made


def posting(fake: FakeOzon, db: Database, *, marked: bool) -> str:
    """A posting of two sneakers (Chestny ZNAK codes when `marked`) imported by the sync."""
    fake.add_product("SNK-42", name="Кроссовки", barcodes=[SNEAKERS], marked=marked, weight=780)
    ref = fake.add_posting([("SNK-42", 2)])
    market = clients(fake)(lambda _: None)["ozon-main"]
    assert sync_channel(db, market, SETTINGS, now=utcnow, calls=[]).new == 1
    return ref


def ozon_down(fake: FakeOzon) -> None:
    """Every ship answered 502 by Ozon's gateway (Ozon never saw it) until `ozon_back`."""
    fake.inject(*[Fault(SHIP, status=502)] * 3000)


def ozon_back(fake: FakeOzon) -> None:
    with fake.lock:
        fake.faults.clear()


def hold(st: Station, ref: str, units: list[str]) -> None:
    to_label(st, units, order=ref)
    st.until("label.waiting_marketplace", timeout=30)
    held = st.do(Key(Action.HOLD))
    assert held.outcome is not None and held.outcome.message.key == "label.held_marketplace"


def row(db: Database, ref: str) -> tuple[QueueRow, str, str]:
    """The lead's queue row of `ref`: the row, its status and station cells (English)."""
    with db.sessions() as s:
        page = queue_page(s, QueueFilters(), utcnow())
    [found] = [r for r in page.rows if r.id == ref]
    cells = [text for text, _ in order_cells(found, utcnow(), "en", UTC)]  # ORDER_COLUMNS
    return found, cells[1], cells[4]


def test_a_held_order_is_finished_in_the_background_and_the_lead_sees_it(
    fake: FakeOzon, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    ref = posting(fake, station_db, marked=True)
    ozon_down(fake)
    spool = tmp_path / "spool"
    st = Station(station_db, rules, spool, clients(fake))
    try:
        hold(st, ref, [code("OZSERIAL00001"), code("OZSERIAL00002")])
        found, status, _ = row(station_db, ref)
        assert hold_state(found.status, found.hold_reason) == LABEL_WAIT
        assert status == "label wait ⏸"  # not a bare "needs correction"
        assert st.results[-1].state.order is None  # the packer takes the next order
        ozon_back(fake)
        note = st.until("station.held_label_printed", timeout=30)
    finally:
        st.stop()
    assert note.outcome is not None and note.outcome.ok
    assert note.outcome.message.params == {"order": ref, "count": 1}
    assert fake.ship_count == 1  # shipped once, whatever the attempts before
    assert len(fake.calls(SET)) == 1  # the codes went once: later attempts found them set
    assert fake.postings[ref].status == "awaiting_deliver"
    [label] = spool.glob("*.pdf")
    assert {text for page in read_pdf(label, 203) for _, text in page} == {ref}
    found, status, station = row(station_db, ref)
    assert (found.status, hold_state(found.status, found.hold_reason)) == ("ready", LABEL_PRINTED)
    assert (status, station) == ("label ready", "→PS-01")


def test_picked_up_again_it_is_packed_without_a_second_ship(
    fake: FakeOzon, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    ref = posting(fake, station_db, marked=False)
    ozon_down(fake)
    st = Station(station_db, rules, tmp_path / "spool", clients(fake))
    try:
        hold(st, ref, [SNEAKERS, SNEAKERS])
        ozon_back(fake)
        st.until("station.held_label_printed", timeout=30)
        ships = len(fake.calls(SHIP))
        back = st.do(Key(Action.NEXT))  # kept for this station: its next order
        assert back.state.order is not None and back.state.order.id == ref
        repack(st, [SNEAKERS, SNEAKERS])
        ready = st.until("label.marketplace_printed", timeout=30)
        done = st.scan(ready.state.parcels[0].barcode)
    finally:
        st.stop()
    assert done.outcome is not None and done.outcome.message.key == "order.packed"
    assert len(fake.calls(SHIP)) == ships  # Ozon was asked; nothing was sent again
    assert fake.ship_count == 1
    with station_db.sessions() as s:
        assert s.get_one(Order, ref).status == "packed"
        confirmed = s.scalars(select(Parcel.id).where(Parcel.status == "confirmed")).all()
    assert len(confirmed) == 1


def test_a_restarted_station_goes_on_with_what_it_left_on_the_shelf(
    fake: FakeOzon, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    ref = posting(fake, station_db, marked=True)
    ozon_down(fake)
    st = Station(station_db, rules, tmp_path / "spool", clients(fake))
    try:
        hold(st, ref, [code("OZSERIAL00003"), code("OZSERIAL00004")])
    finally:
        st.stop()
    ozon_back(fake)
    again = Station(station_db, rules, tmp_path / "spool", clients(fake))
    try:
        again.until("station.held_label_printed", timeout=30)
    finally:
        again.stop()
    assert fake.ship_count == 1 and len(fake.calls(SET)) == 1
    found, status, _ = row(station_db, ref)
    assert (found.status, found.reserved_for, status) == ("ready", "PS-01", "label ready")


def repack(st: Station, units: list[str]) -> RunResult:
    """The units again, box M, the weight, every check: at the label step."""
    for unit in units:
        result = st.scan(unit)
        assert result.outcome is not None and result.outcome.ok, result.outcome
    assert st.scan("BOX:M").state.step is Step.WEIGHT
    result = st.do(ScaleReading(Decimal(len(units) * 780 + 210), stable=True))
    while result.state.step is Step.CHECKS:
        if result.state.next_check is not None:
            result = st.do(Key(Action.OK))
        else:
            result = st.scan(f"DOC:{result.state.next_document}:{st.results[-1].state.order.id}")  # type: ignore[union-attr]
        assert result.outcome is not None and result.outcome.ok, result.outcome
    assert result.state.step is Step.LABEL
    return result


def test_the_queue_names_each_state_of_the_shelf() -> None:
    base = dict(priority=0, ship_by=None, station_id=None, packer=None, lines=1, carrier=None,
                late=False, at_risk=False, status_changed_at=utcnow())  # fmt: skip

    def status(state: str, reason: str | None) -> str:
        found = QueueRow(id="1", status=state, hold_reason=reason, **base)  # type: ignore[arg-type]
        return order_cells(found, utcnow(), "en", UTC)[1][0]

    assert status("needs_correction", "marketplace_label: waiting") == "label wait ⏸"
    assert status("ready", "marketplace_label_printed: at PS-01: 1-1") == "label ready"
    # refused in the background, or held for another reason: a lead's, as before
    assert status("needs_correction", "marketplace_refused: cancelled") == "needs corr ⏸"
    assert status("needs_correction", "no_tariff: none fits") == "needs corr ⏸"
    assert status("packing", "marketplace_label_printed: at PS-01: 1-1") == "packing"
