"""Wildberries end to end: an order appears at the fake (which checks every request
against WB's published documents), `channels sync` imports it, a station packs it by
scans alone with a marking code, the fake receives the code and the order in a supply,
WB's sticker prints to `dir://` and scans back, and `manifest --channel` delivers the
supply and writes its QR. The key never shows in any output, log or stored call."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from packstation.channels.settings import ChannelSettings, Secret
from packstation.channels.sync import sync_channel
from packstation.channels.wildberries import WildberriesMarketplace
from packstation.cli import main
from packstation.clock import utcnow
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Step
from packstation.models import ChannelCall, Event, Order
from packstation.models.db import Database
from tests.channels.fake_wb import KEY, FakeWildberries, running
from tests.channels.fakeserver import Fault
from tests.labels.zxing_decode import read
from tests.station.test_marketplace_label import Station, to_label

SNEAKERS = "4605550001116"
CODE = "0104605550001116" + "21" + "WBSERIAL00001" + "\x1d91EE06\x1d92" + "Q" * 44


@pytest.fixture
def fake() -> Iterator[FakeWildberries]:
    with running(now=utcnow()) as server:
        yield server
        assert server.invalid == [] and server.bad_responses == []


def test_a_wb_order_from_the_fake_to_the_handoff(
    fake: FakeWildberries,
    station_db: Database,
    rules: PackRules,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("WB_TOKEN", KEY)
    url = station_db.engine.url.render_as_string(hide_password=False)
    config = tmp_path / "station.toml"
    config.write_text(
        f'[[channels]]\nkind = "wildberries"\nname = "wb-main"\n'
        f'base_url = "{fake.url}"\napi_key_env = "WB_TOKEN"\n',
        encoding="utf-8",
    )
    fake.add_card(777, vendor_code="SNK-42", title="Кроссовки", weight_kg=0.78, skus=(SNEAKERS,))
    wb_id = fake.add_order(article="SNK-42", nm_id=777, skus=(SNEAKERS,), required=("sgtin",))
    order_id = f"WB-{wb_id}"

    # 1. The sync, as the worker runs it; twice changes nothing.
    cli = ["--config", str(config), "channels", "sync", "--once", "--db", url]
    assert main(cli) == 0
    assert main([*cli, "--json"]) == 0
    first, again = capsys.readouterr().out.splitlines()
    assert "1 new" in first, first
    assert json.loads(again) == {
        "channel": "wb-main", "seen": 1, "new": 0, "updated": 0, "unchanged": 1,
        "needs_correction": 0, "cancelled": 0, "refused": [], "errors": [],
    }  # fmt: skip
    with station_db.sessions() as s:
        asked = s.scalars(select(ChannelCall.endpoint)).all()
        order = s.get_one(Order, order_id)
        assert (order.status, order.channel, order.channel_ref) == ("ready", "wb-main", str(wb_id))
        assert [(ln.sku, ln.qty, ln.marked) for ln in order.lines] == [("SNK-42", 1, True)]
        assert [ln.unit_weight_g for ln in order.lines] == [780]
    # The product's card was read once: the second sync took its facts from the database.
    assert asked.count("/content/v2/get/cards/list") == 1, asked

    # 2. The station packs it by scans; its agent talks to WB.
    settings = ChannelSettings(
        kind="wildberries", name="wb-main", base_url=fake.url, api_key_env="WB_TOKEN"
    )

    def clients(record):  # type: ignore[no-untyped-def]
        return {
            "wb-main": WildberriesMarketplace(
                settings, api_key=Secret(KEY), now=utcnow, recorder=record
            )
        }

    spool = tmp_path / "spool"
    st = Station(station_db, rules, spool, clients)
    try:
        to_label(st, [CODE], order=order_id)
        printed = st.until("label.marketplace_printed")
        barcode = printed.state.parcels[0].barcode
        [sticker] = list(spool.glob("*.png"))
        assert read(Image.open(io.BytesIO(sticker.read_bytes()))) == {("]C0", barcode)}
        done = st.scan(barcode)
        assert done.outcome is not None and done.outcome.message.key == "order.packed"
    finally:
        st.stop()
    wb_order = fake.orders[wb_id]
    assert wb_order.meta.get("sgtin") == [CODE]
    [supply] = fake.open_supplies()
    assert wb_id in supply.orders

    # 3. The handoff: WB delivers the supply first, then our manifest; its QR is written.
    out = tmp_path / "handoff"
    assert main(["--config", str(config), "manifest", "--channel", "wb-main", "-o", str(out),
                 "--db", url]) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert "1 parcels handed to wb-main" in said, said
    assert fake.supplies[supply.id].done
    qr = [p for p in out.iterdir() if p.suffix == ".png"]
    assert len(qr) == 1 and read(Image.open(qr[0])) != set()
    with station_db.sessions() as s:
        assert s.get_one(Order, order_id).status == "shipped"
        calls = s.scalars(select(ChannelCall)).all()
        events = s.scalars(select(Event.payload)).all()
    assert calls, "the calls are recorded"
    # 4. The key is nowhere: outputs, logs, stored calls and events.
    seen = said + caplog.text + repr(calls) + repr(events) + first + again
    assert KEY not in seen and KEY[:12] not in seen


def test_faults_at_the_bench_a_refused_code_a_slow_sticker_a_cancellation(
    fake: FakeWildberries, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    """WB refuses a code (red, that unit again), answers 429 and 500, has no sticker twice,
    and cancels the next order while it is on the bench: every fault handled, nothing
    asked of WB outside its published API."""
    settings = ChannelSettings(
        kind="wildberries", name="wb-main", base_url=fake.url, api_key_env="WB_TOKEN"
    )
    fake.add_card(777, vendor_code="SNK-42", title="Кроссовки", weight_kg=0.78, skus=(SNEAKERS,))
    first = fake.add_order(article="SNK-42", nm_id=777, skus=(SNEAKERS,), required=("sgtin",))
    second = fake.add_order(article="SNK-42", nm_id=777, skus=(SNEAKERS,), required=("sgtin",))
    bad = CODE.replace("WBSERIAL00001", "WBSERIALBAD01")
    fake.reject_code(bad, "Код маркировки не найден")
    fake.sticker_not_ready(first, times=2)
    sleeps: list[float] = []

    def client(record=None):  # type: ignore[no-untyped-def]
        return WildberriesMarketplace(
            settings, api_key=Secret(KEY), now=utcnow, recorder=record, sleep=sleeps.append
        )

    fake.inject(Fault("/api/v3/orders/new", status=500), Fault("/api/v3/orders/new", status=429,
                headers={"X-Ratelimit-Retry": "1"}))  # fmt: skip
    sync = client()
    report = sync_channel(station_db, sync, settings, now=utcnow, calls=[])
    assert (report.new, report.errors) == (2, [])
    assert 1.0 in sleeps  # WB's own retry hint obeyed

    st = Station(station_db, rules, tmp_path / "spool", lambda record: {"wb-main": client(record)})
    try:
        to_label(st, [bad], order=f"WB-{first}")
        red = st.until("mark.rejected")
        assert red.outcome is not None
        assert red.outcome.message.params["reason"] == "Код маркировки не найден"
        assert st.scan(CODE).state.step is Step.LABEL  # another unit, its own code
        st.until("label.waiting_marketplace")  # WB has no sticker yet: told once
        printed = st.until("label.marketplace_printed")
        assert st.scan(printed.state.parcels[0].barcode).outcome.ok  # type: ignore[union-attr]
        assert fake.orders[first].meta.get("sgtin") == [CODE]

        # The next order: on the bench when the buyer cancels it at WB.
        assert st.scan(f"WB-{second}").state.order is not None
        fake.cancel(second)
        later = sync_channel(station_db, sync, settings, now=utcnow, calls=[])
        assert (later.cancelled, later.stations) == (1, ["PS-01"])
        told = st.scan(SNEAKERS)
        assert told.outcome is not None
        assert told.outcome.message.key == "station.order_cancelled"
        assert told.state.order is None
    finally:
        st.stop()
        sync.close()
    with station_db.sessions() as s:
        assert s.get_one(Order, f"WB-{first}").status == "packed"
        assert s.get_one(Order, f"WB-{second}").status == "cancelled"
