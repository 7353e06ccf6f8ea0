"""`packstation run` as a real process packs a Wildberries order by scans alone: serial
scanner and scale on ptys, the WB fake (checking every request against WB's published
documents) as the marketplace. The sticker prints to the spool and its barcode packs it;
the station's screen never shows the key."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from packstation.channels.settings import ChannelSettings, Secret
from packstation.channels.sync import sync_channel
from packstation.channels.wildberries import WildberriesMarketplace
from packstation.clock import utcnow
from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from packstation.domain.workflow import Step
from packstation.models.db import open_database
from tests.channels.fake_wb import KEY, FakeWildberries, running
from tests.e2e.station_process import SAMPLE_CONFIG, StationProcess
from tests.station.conftest import PACKER

# Another process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process

SNEAKERS = "4605550001116"
CODE = "0104605550001116" + "21" + "E2ESERIAL0001" + "\x1d91EE06\x1d92" + "Q" * 44


@pytest.fixture
def fake() -> Iterator[FakeWildberries]:
    with running(now=utcnow()) as server:
        yield server
        assert server.invalid == [] and server.bad_responses == []


def test_a_station_process_packs_a_wb_order_by_scans_alone(
    rig: tuple[str, ScannerSimulator, ScaleSimulator],
    fake: FakeWildberries,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db_url, scanner, scale = rig
    monkeypatch.setenv("WB_TOKEN", KEY)
    fake.add_card(777, vendor_code="SNK-42", title="Кроссовки", weight_kg=0.78, skus=(SNEAKERS,))
    wb_id = fake.add_order(article="SNK-42", nm_id=777, skus=(SNEAKERS,), required=("sgtin",))
    order_id = f"WB-{wb_id}"
    settings = ChannelSettings(
        kind="wildberries", name="wb-main", base_url=fake.url, api_key_env="WB_TOKEN"
    )
    db = open_database(db_url)
    client = WildberriesMarketplace(settings, api_key=Secret(KEY), now=utcnow)
    try:
        assert sync_channel(db, client, settings, now=utcnow, calls=[]).new == 1
    finally:
        client.close()
        db.dispose()
    config = tmp_path / "station.toml"
    config.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8")
        + f'\n[[channels]]\nkind = "wildberries"\nname = "wb-main"\nbase_url = "{fake.url}"\n'
        'api_key_env = "WB_TOKEN"\n',
        encoding="utf-8",
    )
    spool = tmp_path / "spool"
    station = StationProcess(db_url, scanner.port, scale.port, spool, config=config)
    station.start()
    try:
        station.wait_ready()
        scanner.send(PACKER)
        station.wait_for(lambda s: s.operator is not None, timeout=30, what="login")
        scanner.send(order_id)
        station.wait_for(lambda s: s.order is not None, what="claim")
        scanner.send(CODE)
        station.wait_for(lambda s: s.units_packed == 1, what="the marked unit")
        scanner.send("BOX:M")
        station.wait_for(lambda s: s.step is Step.WEIGHT, what="weight step")
        scale.set_weight(Decimal(780 + 210 + 3))
        state = station.wait_for(lambda s: s.step is Step.CHECKS, what="checks step")
        for i in range(len(state.checks)):
            scanner.send("CMD:OK")
            station.wait_for(lambda s, i=i: len(s.checks_done) == i + 1, what=f"check {i + 1}")
        for document in state.documents:
            scanner.send(f"DOC:{document}:{order_id}")
        state = station.wait_for(
            lambda s: bool(s.parcels) and bool(s.parcels[0].barcode),
            timeout=30,
            what="WB's sticker",
        )
        barcode = state.parcels[0].barcode
        scanner.send(barcode)
        station.wait_for(lambda s: s.closed_order == order_id, what="packed")
    finally:
        station.kill()
    assert fake.orders[wb_id].meta.get("sgtin") == [CODE]
    assert list(spool.glob("*.png")), "WB's sticker went to the label printer"
    screen = station.screen_text()
    assert f"packed, parcel {barcode}" in screen  # the packer reads WB's barcode, not ours
    assert KEY not in screen and KEY not in bytes(station.output).decode("utf-8", "replace")
