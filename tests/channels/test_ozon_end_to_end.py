"""Ozon end to end: a posting at the fake (every request and answer checked against the
schema written from Ozon's published clients), `channels sync` imports it, a station
packs it by scans alone in two boxes with a marking code per unit; the fake receives
the codes (validate, set, status), then one ship with the two packages; Ozon's label
PDF of each package prints to `dir://` and decodes at 203 dpi; the scan-backs pack it;
`manifest --channel` makes the act and writes its PDF. A lost reply to the ship is
checked, never a second ship."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.channels.ozon import OzonMarketplace
from packstation.channels.settings import ChannelSettings, Secret
from packstation.cli import main
from packstation.clock import utcnow
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, ScaleReading, Step
from packstation.models import ChannelCall, Order
from packstation.models.db import Database
from tests.channels.fake_ozon import CLIENT_ID, KEY, FakeOzon, serving
from tests.channels.fakeserver import Fault
from tests.labels.zxing_decode import read_pdf
from tests.station.conftest import PACKER
from tests.station.test_marketplace_label import Station

SNEAKERS = "4605550001116"


def code(serial: str) -> str:
    return "0104605550001116" + "21" + serial + "\x1d91EE06\x1d92" + "Q" * 44


@pytest.fixture
def fake() -> Iterator[FakeOzon]:
    with serving(utcnow()) as server:
        yield server


def pack_two_boxes(st: Station, ref: str, codes: tuple[str, str]) -> None:
    assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
    assert st.scan(ref).state.order is not None
    assert st.scan(codes[0]).outcome.ok  # type: ignore[union-attr]
    assert st.scan("CMD:NEWBOX").state.step is Step.BOX
    assert st.scan("BOX:M").outcome.ok  # type: ignore[union-attr]
    assert st.do(ScaleReading(Decimal(780 + 210), stable=True)).outcome.ok  # type: ignore[union-attr]
    assert st.scan(codes[1]).outcome.ok  # type: ignore[union-attr]
    assert st.scan("BOX:M").outcome.ok  # type: ignore[union-attr]
    result = st.do(ScaleReading(Decimal(780 + 210), stable=True))
    while result.state.step is Step.CHECKS:
        if result.state.next_check is not None:
            result = st.do(Key(Action.OK))
        else:
            result = st.scan(f"DOC:{result.state.next_document}:{ref}")
        assert result.outcome is not None and result.outcome.ok, result.outcome
    assert result.state.step is Step.LABEL


def test_an_ozon_posting_in_two_boxes_from_the_fake_to_the_act(
    fake: FakeOzon,
    station_db: Database,
    rules: PackRules,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("OZON_KEY", KEY)
    url = station_db.engine.url.render_as_string(hide_password=False)
    config = tmp_path / "station.toml"
    config.write_text(
        f'[[channels]]\nkind = "ozon"\nname = "ozon-main"\nclient_id = "{CLIENT_ID}"\n'
        f'base_url = "{fake.url}"\napi_key_env = "OZON_KEY"\n',
        encoding="utf-8",
    )
    fake.add_product("SNK-42", name="Кроссовки", barcodes=[SNEAKERS], marked=True, weight=780)
    ref = fake.add_posting([("SNK-42", 2)])
    assert main(["--config", str(config), "channels", "sync", "--once", "--db", url]) == 0
    assert "1 new" in capsys.readouterr().out
    with station_db.sessions() as s:
        order = s.get_one(Order, ref)
        assert (order.status, order.channel) == ("ready", "ozon-main")
        assert [(ln.sku, ln.qty, ln.marked) for ln in order.lines] == [("SNK-42", 2, True)]

    settings = ChannelSettings(
        kind="ozon",
        name="ozon-main",
        client_id=CLIENT_ID,
        base_url=fake.url,
        api_key_env="X",
        timeout_s=1.0,
    )

    def clients(record):  # type: ignore[no-untyped-def]
        return {
            "ozon-main": OzonMarketplace(settings, api_key=Secret(KEY), now=utcnow, recorder=record)
        }

    # Ozon makes the ship but its reply is lost (it answers after the client gave up).
    fake.inject(Fault("/v4/posting/fbs/ship", act_then_drop=True, delay_s=2.0))
    spool = tmp_path / "spool"
    st = Station(station_db, rules, spool, clients)
    codes = (code("OZSERIAL00001"), code("OZSERIAL00002"))
    try:
        pack_two_boxes(st, ref, codes)
        first = st.until("label.marketplace_more", timeout=60)
        second = st.until("label.marketplace_printed", timeout=30)
        parcels = second.state.parcels
        assert first.outcome is not None and len(parcels) == 2
        barcodes = [p.barcode for p in parcels]
        assert all(barcodes) and len(set(barcodes)) == 2
        for barcode in barcodes:
            st.scan(barcode)
        assert st.results[-1].outcome.message.key == "order.packed_parcels"  # type: ignore[union-attr]
    finally:
        st.stop()
    assert fake.ship_count == 1  # the lost reply was checked, not repeated
    [ship] = fake.ships
    assert len(ship["packages"]) == 2
    labels = sorted(spool.glob("*.pdf"))
    assert len(labels) == 2
    decoded = {text for pdf in labels for page in read_pdf(pdf, 203) for _, text in page}
    assert decoded == set(barcodes)

    out = tmp_path / "handoff"
    assert main(["--config", str(config), "manifest", "--channel", "ozon-main", "-o", str(out),
                 "--db", url]) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert "2 parcels handed to ozon-main" in said, said
    assert any(p.suffix == ".pdf" for p in out.iterdir())
    with station_db.sessions() as s:
        assert s.get_one(Order, ref).status == "shipped"
        calls = s.scalars(select(ChannelCall)).all()
    assert KEY not in said + caplog.text + repr(calls)
