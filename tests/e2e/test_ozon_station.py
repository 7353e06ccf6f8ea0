"""`packstation run` as a real process packs an Ozon posting by scans alone: a posting with
a marked product (a Chestny ZNAK code per unit) appears at the Ozon fake (every request and
answer checked against the schema written from Ozon's published clients), `packstation
channels sync --once` imports it, the station on its ptys (serial scanner, MT-SICS scale)
packs it in two boxes (CMD:NEWBOX), the fake receives the codes, then one ship with a
package per box; Ozon's label of each package prints to the `dir://` spool, is read back
with zxing-cpp and scanned; `packstation manifest --channel` closes the handoff (Ozon's
act). The API key shows nowhere: not on the screen, not in any output or log."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from packstation.domain.workflow import Step
from packstation.models import ChannelCall, Order
from packstation.models.db import open_database
from tests.channels.fake_ozon import CLIENT_ID, KEY, FakeOzon

# The sneakers, their marking codes (GS separators included) and the served fake.
from tests.channels.test_ozon_end_to_end import SNEAKERS, code, fake  # noqa: F401
from tests.e2e.station_process import SAMPLE_CONFIG, StationProcess
from tests.labels.zxing_decode import read_pdf
from tests.station.conftest import PACKER

# Another process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process

__all__ = ["fake"]  # the fixture serving the fake Ozon, shared with test_ozon_end_to_end

CHANNEL = "ozon-main"
EXEMPLAR_SET = "/v6/fbs/posting/product/exemplar/set"
SHIP = "/v4/posting/fbs/ship"


def packstation(config: Path, log: Path, *args: str) -> str:
    """A `packstation` command as its own process: its output (stdout and stderr)."""
    env = {**os.environ, "PACKSTATION_LOG": str(log), "PACKSTATION_LOG_LEVEL": "DEBUG"}
    done = subprocess.run(
        [sys.executable, "-m", "packstation", "--config", str(config), *args],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    said = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, said
    return said


def order_status(db_url: str, ref: str) -> str:
    db = open_database(db_url)
    try:
        with db.sessions() as session:
            return session.get_one(Order, ref).status
    finally:
        db.dispose()


def test_a_station_process_packs_an_ozon_posting_in_two_boxes_by_scans_alone(
    rig: tuple[str, ScannerSimulator, ScaleSimulator],
    fake: FakeOzon,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db_url, scanner, scale = rig
    monkeypatch.setenv("OZON_KEY", KEY)
    station_log = tmp_path / "station.log"
    monkeypatch.setenv("PACKSTATION_LOG", str(station_log))
    monkeypatch.setenv("PACKSTATION_LOG_LEVEL", "DEBUG")
    product = fake.add_product(
        "SNK-42", name="Кроссовки", barcodes=[SNEAKERS], marked=True, weight=780
    )
    ref = fake.add_posting([("SNK-42", 2)])
    # Shipped in two packages, Ozon splits the posting: the second package is the next number.
    second = f"{fake.postings[ref].order_number}-2"
    config = tmp_path / "station.toml"
    config.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8")
        + f'\n[[channels]]\nkind = "ozon"\nname = "{CHANNEL}"\nclient_id = "{CLIENT_ID}"\n'
        f'base_url = "{fake.url}"\napi_key_env = "OZON_KEY"\n',
        encoding="utf-8",
    )
    logs = [station_log, tmp_path / "sync.log", tmp_path / "manifest.log"]

    synced = packstation(config, logs[1], "channels", "sync", "--once", "--db", db_url)
    assert "1 new" in synced, synced
    assert order_status(db_url, ref) == "ready"

    codes = (code("OZSERIAL00001"), code("OZSERIAL00002"))
    spool = tmp_path / "spool"
    station = StationProcess(db_url, scanner.port, scale.port, spool, config=config)
    station.start()
    try:
        station.wait_ready()
        scanner.send(PACKER)
        station.wait_for(lambda s: s.operator is not None, timeout=30, what="login")
        scanner.send(ref)
        station.wait_for(lambda s: s.order is not None, what="claim")
        # Box 1: one unit by its marking code, closed with CMD:NEWBOX, boxed and weighed.
        scanner.send(codes[0])
        station.wait_for(lambda s: s.units_packed == 1, what="the first marked unit")
        scanner.send("CMD:NEWBOX")
        station.wait_for(lambda s: s.step is Step.BOX, what="box step of box 1")
        scanner.send("BOX:M")
        station.wait_for(lambda s: s.step is Step.WEIGHT, what="weight step of box 1")
        scale.set_weight(Decimal(780 + 210 + 3))
        station.wait_for(lambda s: len(s.sealed) == 1, what="box 1 sealed")
        scale.set_weight(0)  # box 1 off the scale
        # Box 2: the other unit.
        scanner.send(codes[1])
        station.wait_for(lambda s: s.units_packed == 2, what="the second marked unit")
        scanner.send("BOX:M")
        station.wait_for(lambda s: s.step is Step.WEIGHT, what="weight step of box 2")
        scale.set_weight(Decimal(780 + 210 - 4))
        state = station.wait_for(lambda s: s.step is Step.CHECKS, what="checks step")
        for i in range(len(state.checks)):
            scanner.send("CMD:OK")
            station.wait_for(lambda s, i=i: len(s.checks_done) == i + 1, what=f"check {i + 1}")
        for document in state.documents:
            scanner.send(f"DOC:{document}:{ref}")
        # The station sends the codes, ships, and prints Ozon's label of each package.
        state = station.wait_for(
            lambda s: len(s.parcels) == 2 and all(p.barcode for p in s.parcels),
            timeout=45,
            what="Ozon's two labels",
        )
        assert order_status(db_url, ref) != "packed"  # not before the scan-backs
        parcels = sorted(state.parcels, key=lambda p: p.seq)
        scanned = []
        for parcel in parcels:
            label = spool / f"{parcel.parcel_id}.pdf"
            assert label.is_file(), sorted(p.name for p in spool.iterdir())
            [page] = read_pdf(label, 203)  # one page, read as a 203 dpi printer prints it
            # The package's posting number as Code128 (Ozon's label may carry more codes).
            [text] = [t for symbology, t in page if symbology == "]C0" and t == parcel.barcode]
            scanner.send(text)  # the packer scans what was printed
            scanned.append(text)
            station.wait_for(
                lambda s, text=text: (
                    s.closed_order == ref
                    or any(p.confirmed and p.barcode == text for p in s.parcels)
                ),
                what=f"scan-back of {text}",
            )
        station.wait_for(lambda s: s.closed_order == ref, what="packed")
    finally:
        station.kill()
    assert scanned == [ref, second]
    assert order_status(db_url, ref) == "packed"

    # Ozon got the codes (the exemplars' marks), then exactly one ship, a package a box.
    marks = sorted(m["mark"] for e in fake.postings[ref].exemplars[product.sku] for m in e["marks"])
    assert marks == sorted(codes)
    paths = [path for _, path, _ in fake.requests]
    assert EXEMPLAR_SET in paths and paths.index(EXEMPLAR_SET) < paths.index(SHIP)
    [ship] = fake.ships
    assert ship["posting_number"] == ref
    one_pair = [{"product_id": product.sku, "quantity": 1}]
    assert [p["products"] for p in ship["packages"]] == [one_pair, one_pair]
    assert {n: fake.postings[n].status for n in (ref, second)} == {
        ref: "awaiting_deliver",
        second: "awaiting_deliver",
    }

    out = tmp_path / "handoff"
    said = packstation(
        config, logs[2], "manifest", "--channel", CHANNEL, "-o", str(out), "--db", db_url
    )
    assert f"2 parcels handed to {CHANNEL}" in said, said
    assert any(p.suffix == ".pdf" for p in out.iterdir())
    [act] = fake.acts.values()
    assert sorted(act.postings) == sorted([ref, second])
    assert order_status(db_url, ref) == "shipped"

    screen = station.screen_text()
    # Failed once in CI (2026-12-06) with every database check above passing: the screen's
    # last frames are the evidence to keep.
    assert f"{ref} packed: 2 parcels" in screen, screen[-4000:]
    db = open_database(db_url)
    try:
        with db.sessions() as session:
            calls = repr(session.scalars(select(ChannelCall)).all())
    finally:
        db.dispose()
    written = [log.read_text(encoding="utf-8", errors="replace") for log in logs if log.exists()]
    output = bytes(station.output).decode("utf-8", "replace")
    for text in (screen, output, synced, said, calls, *written):
        assert KEY not in text
