"""`manifest --channel` when Ozon leaves postings out of its act (`removed_from_act` in the
act's check-status answer): those did not go, so their orders stay packed and their
parcels wait for the next handoff; the command names them (text and JSON) and prints the
marketplace's documents on the `[documents]` printer. The Ozon fake checks every request
and answer against the schema; its act status is answered here with a fault carrying
Ozon's own shape (validated against the same schema), the fake's one way to say "removed"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from packstation.channels.ozon import OzonMarketplace
from packstation.channels.settings import ChannelSettings, Secret
from packstation.cli import main
from packstation.clock import utcnow
from packstation.models import Order, Parcel
from packstation.models.db import Database
from tests.channels.fake_ozon import CLIENT_ID, KEY, FakeOzon, problem, serving, validator
from tests.channels.fakeserver import Fault

ACT_STATUS = "/v2/posting/fbs/act/check-status"
TOWEL = "4607001001003"


@pytest.fixture
def fake() -> Iterator[FakeOzon]:
    with serving(utcnow()) as server:
        yield server


def act_status(added: list[str], removed: list[str]) -> Fault:
    """Ozon's answer to check-status of a ready act that left `removed` out."""
    body = {
        "result": {
            "act_type": "sorting_center",
            "added_to_act": added,
            "removed_from_act": removed,
            "status": "ready",
            "is_partial": False,
            "has_postings_for_next_carriage": False,
            "partial_num": 0,
        }
    }
    assert problem(validator("responses", ACT_STATUS), body) == ""
    return Fault(ACT_STATUS, status=200, body=body)


def shipped_and_packed(fake: FakeOzon, db: Database, config: Path, n: int) -> list[str]:
    """`n` postings synced, shipped at Ozon, and packed here with a confirmed parcel each
    (the station's own path is tested in test_ozon_end_to_end)."""
    fake.add_product("TWL-1", barcodes=[TOWEL], weight=400)
    refs = [fake.add_posting([("TWL-1", 1)]) for _ in range(n)]
    url = db.engine.url.render_as_string(hide_password=False)
    assert main(["--config", str(config), "channels", "sync", "--once", "--db", url]) == 0
    settings = ChannelSettings(
        kind="ozon", name="ozon-main", client_id=CLIENT_ID, base_url=fake.url, api_key_env="X"
    )
    client = OzonMarketplace(settings, api_key=Secret(KEY), now=utcnow)
    try:
        for posting in client.postings_to_pack():
            client.ship(posting, [[(posting.items[0].product_ref, 1)]])
    finally:
        client.close()
    with db.unit_of_work() as s:
        for n_, ref in enumerate(refs, start=1):
            s.add(Parcel(id=f"PCL-{n_}", order_id=ref, carrier="ozon-main", tariff="",
                         status="confirmed", weight_g=600))  # fmt: skip
        s.execute(update(Order).where(Order.id.in_(refs)).values(status="packed"))
    return refs


@pytest.fixture
def config(fake: FakeOzon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OZON_KEY", KEY)
    path = tmp_path / "station.toml"
    path.write_text(
        f'[documents]\nprinter = "dir://{tmp_path / "printer"}"\n\n'
        f'[[channels]]\nkind = "ozon"\nname = "ozon-main"\nclient_id = "{CLIENT_ID}"\n'
        f'base_url = "{fake.url}"\napi_key_env = "OZON_KEY"\n',
        encoding="utf-8",
    )
    return path


def states(db: Database) -> dict[str, tuple[str, str, str | None]]:
    with db.sessions() as s:
        rows = s.execute(select(Parcel.order_id, Order.status, Parcel.status, Parcel.manifest_id)
                         .join(Order, Order.id == Parcel.order_id)).all()  # fmt: skip
    return {order: (o_status, p_status, manifest) for order, o_status, p_status, manifest in rows}


def test_postings_left_out_of_the_act_stay_waiting_and_are_named(
    fake: FakeOzon,
    station_db: Database,
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    went, left = shipped_and_packed(fake, station_db, config, 2)
    capsys.readouterr()
    url = station_db.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "handoff"
    fake.act_polls = -1  # the act is ready at once: the one status poll is the fault's
    fake.inject(act_status([went], [left]))
    cli = ["--config", str(config), "manifest", "--channel", "ozon-main", "-o", str(out)]
    assert main([*cli, "--db", url]) == 0
    said = capsys.readouterr().out
    assert "1 parcels handed to ozon-main" in said, said
    assert f"left out of the act by ozon-main: {left} (order {left})" in said, said
    assert "their orders' 1 parcels wait for the next handoff" in said
    after = states(station_db)
    assert after[went][:2] == ("shipped", "shipped") and after[went][2] is not None
    assert after[left] == ("packed", "confirmed", None)
    # The act's PDF went to the [documents] printer as well as to -o.
    printed = sorted((tmp_path / "printer").iterdir())
    written = sorted(p for p in out.iterdir() if p.name.startswith(after[went][2] + "-"))
    assert [p.read_bytes()[:5] for p in printed] == [b"%PDF-"] * len(written) != []
    assert [p.read_bytes() for p in printed] == [p.read_bytes() for p in written]
    assert f"{len(printed)} printed on dir://{tmp_path / 'printer'}" in said

    # The next handoff takes it (Ozon puts it in the next act); --json says so.
    fake.postings[left].in_act = 0
    assert main([*cli, "--json", "--db", url]) == 0  # the report a script reads
    report = json.loads(capsys.readouterr().out)
    assert (report["parcels"], report["left_out"], report["still_waiting"]) == (1, [], [])
    assert report["printed"] == len(report["documents"]) >= 1
    assert states(station_db)[left][:2] == ("shipped", "shipped")


def test_an_act_without_any_of_ours_ships_nothing_and_says_so(
    fake: FakeOzon,
    station_db: Database,
    config: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    [only] = shipped_and_packed(fake, station_db, config, 1)
    capsys.readouterr()
    fake.act_polls = -1
    fake.inject(act_status([], [only]))
    url = station_db.engine.url.render_as_string(hide_password=False)
    cli = ["--config", str(config), "manifest", "--channel", "ozon-main", "--json"]
    assert main([*cli, "-o", str(tmp_path / "out"), "--db", url]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["manifest"] is None and report["parcels"] == 0
    assert report["left_out"] == [{"posting": only, "order": only}]
    assert report["still_waiting"] == ["PCL-1"]
    assert states(station_db)[only] == ("packed", "confirmed", None)
