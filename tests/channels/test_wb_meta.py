"""WB orders whose `requiredMeta` asks for more than a marking code, packed at a station by
scans alone against the fake (every request and answer checked against WB's OpenAPI):
the station asks for what the order needs after the unit (a УИН; a best-before date when
the unit's code has none), the fake receives exactly those values (a GTIN as WB's 13
digits, a date as dd.mm.yyyy), and `manifest --channel` delivers the supply, which WB
refuses while any required value is missing. The client's side alone: a GTIN-14 goes as
13 digits, and a required kind no unit gives is refused before the order is put in a
supply (it would hold back the delivery of every order in it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.channels.base import MarkKind, UnitMarks
from packstation.channels.orders import to_order
from packstation.channels.settings import ChannelSettings, Secret
from packstation.channels.sync import sync_channel
from packstation.channels.wildberries import WildberriesMarketplace
from packstation.cli import main
from packstation.clock import utcnow
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Action, Key, OrderView, ScaleReading, Step, line_view
from packstation.domain.workflow.records import SerialCaptured
from packstation.domain.workflow.units import packed_units
from packstation.i18n import Msg, t
from packstation.models import Order, OrderLine, PackedUnit
from packstation.models.db import Database
from packstation.station.marketplace_agent import Unit, unit_marks
from tests.channels.fake_wb import KEY, FakeWildberries, running
from tests.channels.test_sync import item, posting
from tests.channels.test_wb_client import connect, only
from tests.domain.workflow.conftest import PACKER as BENCH_PACKER
from tests.domain.workflow.conftest import FakeContext, load_rules
from tests.domain.workflow.conftest import Station as Bench
from tests.station.conftest import PACKER
from tests.station.test_marketplace_label import Station

RING = "4605550002229"  # EAN-13
HONEY = "4605550003332"
UIN = "6431000012345678"


def ean13(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


assert ean13(RING[:12]) == RING and ean13(HONEY[:12]) == HONEY


@pytest.fixture
def fake() -> Iterator[FakeWildberries]:
    with running(now=utcnow()) as server:
        yield server
        assert server.invalid == [] and server.bad_responses == []


def settings_for(fake: FakeWildberries) -> ChannelSettings:
    return ChannelSettings(
        kind="wildberries", name="wb-main", base_url=fake.url, api_key_env="WB_TOKEN"
    )


def synced(fake: FakeWildberries, db: Database) -> None:
    client = WildberriesMarketplace(settings_for(fake), api_key=Secret(KEY), now=utcnow)
    try:
        report = sync_channel(db, client, settings_for(fake), now=utcnow, calls=[])
    finally:
        client.close()
    assert report.errors == [] and report.needs_correction == 0


def station(fake: FakeWildberries, db: Database, rules: PackRules, spool: Path) -> Station:
    def clients(record):  # type: ignore[no-untyped-def]
        client = WildberriesMarketplace(
            settings_for(fake), api_key=Secret(KEY), now=utcnow, recorder=record
        )
        return {"wb-main": client}

    return Station(db, rules, spool, clients)


def box_weigh_check(st: Station, order: str) -> None:
    """Box M, the expected weight, every check and document: the label step."""
    result = st.scan("BOX:M")
    assert result.state.step is Step.WEIGHT, result.outcome
    result = st.do(ScaleReading(result.state.expected_weight_g, stable=True))
    while result.state.step is Step.CHECKS:
        if result.state.next_check is not None:
            result = st.do(Key(Action.OK))
        else:
            result = st.scan(f"DOC:{result.state.next_document}:{order}")
        assert result.outcome is not None and result.outcome.ok, result.outcome
    assert result.state.step is Step.LABEL


def label_and_scan_back(st: Station) -> None:
    printed = st.until("label.marketplace_printed")
    done = st.scan(printed.state.parcels[0].barcode)
    assert done.outcome is not None and done.outcome.message.key == "order.packed"


def handoff(fake: FakeWildberries, db: Database, tmp_path: Path) -> int:
    config = tmp_path / "station.toml"
    config.write_text(
        f'[[channels]]\nkind = "wildberries"\nname = "wb-main"\n'
        f'base_url = "{fake.url}"\napi_key_env = "WB_TOKEN"\n',
        encoding="utf-8",
    )
    url = db.engine.url.render_as_string(hide_password=False)
    return main(["--config", str(config), "manifest", "--channel", "wb-main",
                 "-o", str(tmp_path / "handoff"), "--db", url])  # fmt: skip


def test_a_jewellery_order_asks_for_its_uin_and_wb_takes_the_supply(
    fake: FakeWildberries,
    station_db: Database,
    rules: PackRules,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WB_TOKEN", KEY)
    fake.add_card(801, vendor_code="RING-585", title="Кольцо", weight_kg=0.05, skus=(RING,))
    wb_id = fake.add_order(article="RING-585", nm_id=801, skus=(RING,), required=("uin",))
    order = f"WB-{wb_id}"
    synced(fake, station_db)
    with station_db.sessions() as s:
        assert s.scalars(select(OrderLine.serial).where(OrderLine.order_id == order)).all() == [
            "uin"
        ]

    st = station(fake, station_db, rules, tmp_path / "spool")
    try:
        assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
        assert st.scan(order).state.order is not None
        asked = st.scan(RING)
        assert asked.outcome is not None and asked.outcome.message.key == "serial.ask"
        assert t(asked.outcome.message).endswith("Now scan its UIN")
        assert t(asked.outcome.message, "ru").endswith("Теперь сканируйте УИН")
        assert asked.state.step is Step.SERIAL
        # Scanner only, and only a УИН: the ring's barcode again, or 15 characters, is not.
        for wrong, key in ((RING, "serial.item_scanned"), (UIN[:-1], "serial.invalid")):
            refused = st.scan(wrong)
            assert refused.outcome is not None and refused.outcome.message.key == key, wrong
        took = st.scan(UIN)
        assert took.outcome is not None and took.outcome.message.key == "serial.recorded"
        box_weigh_check(st, order)
        label_and_scan_back(st)
    finally:
        st.stop()
    assert fake.orders[wb_id].meta == {"uin": UIN}
    assert [b for m, p, b in fake.requests if p.endswith("/meta/uin")] == [{"uin": UIN}]
    with station_db.sessions() as s:
        unit = s.scalars(select(PackedUnit).where(PackedUnit.order_id == order)).one()
        assert (unit.serial, unit.serial_scope) == (UIN, "UIN")  # a УИН leaves once

    assert handoff(fake, station_db, tmp_path) == 0, capsys.readouterr()
    assert "1 parcels handed to wb-main" in capsys.readouterr().out
    assert fake.orders[wb_id].supplier == "complete"


def test_gtin_and_best_before_from_the_code_or_asked_for(
    fake: FakeWildberries,
    station_db: Database,
    rules: PackRules,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A plain EAN gives the GTIN and the date is asked for; a GS1 code gives both."""
    monkeypatch.setenv("WB_TOKEN", KEY)
    fake.add_card(802, vendor_code="HONEY-1", title="Мёд", weight_kg=0.5, skus=(HONEY,))
    plain, gs1 = (
        fake.add_order(article="HONEY-1", nm_id=802, skus=(HONEY,), required=("gtin", "expiration"))
        for _ in range(2)
    )
    synced(fake, station_db)
    good = utcnow().date() + timedelta(days=400)
    later = good + timedelta(days=31)
    too_soon = utcnow().date() + timedelta(days=10)  # before delivery + [expiry] margin

    st = station(fake, station_db, rules, tmp_path / "spool")
    try:
        assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
        assert st.scan(f"WB-{plain}").state.order is not None
        asked = st.scan(HONEY)
        assert asked.outcome is not None and asked.outcome.message.key == "serial.ask"
        assert t(asked.outcome.message).endswith("Now scan its best-before date")
        not_a_date = st.scan("31/12/2030")
        assert not_a_date.outcome is not None
        assert not_a_date.outcome.message.key == "serial.unreadable"
        short = st.scan(f"{too_soon:%d.%m.%Y}")
        assert short.outcome is not None
        assert short.outcome.message.key == "scan.expires_too_soon"
        assert short.outcome.next_hint.key == "hint.serial_undo"
        assert short.state.step is Step.SERIAL
        took = st.scan(f"{good:%d.%m.%Y}")
        assert took.outcome is not None and took.outcome.message.key == "serial.recorded"
        box_weigh_check(st, f"WB-{plain}")
        label_and_scan_back(st)

        assert st.scan(f"WB-{gs1}").state.order is not None
        code = f"]C101{HONEY.zfill(14)}17{later:%y%m%d}10LOT7"
        accepted = st.scan(code)
        assert accepted.outcome is not None and accepted.outcome.message.key == "scan.accepted"
        box_weigh_check(st, f"WB-{gs1}")
        label_and_scan_back(st)
    finally:
        st.stop()
    assert fake.orders[plain].meta == {"gtin": HONEY, "expiration": f"{good:%d.%m.%Y}"}
    assert fake.orders[gs1].meta == {"gtin": HONEY, "expiration": f"{later:%d.%m.%Y}"}
    with station_db.sessions() as s:
        units = s.execute(select(PackedUnit.order_id, PackedUnit.expiry, PackedUnit.serial)
                          .order_by(PackedUnit.order_id)).all()  # fmt: skip
    assert sorted(units) == sorted(
        [(f"WB-{plain}", good, None), (f"WB-{gs1}", later, None)]
    )  # the date asked for is the unit's expiry, not a serial

    assert handoff(fake, station_db, tmp_path) == 0, capsys.readouterr()
    assert "2 parcels handed to wb-main" in capsys.readouterr().out
    assert {fake.orders[o].supplier for o in (plain, gs1)} == {"complete"}
    with station_db.sessions() as s:
        assert {s.get_one(Order, f"WB-{o}").status for o in (plain, gs1)} == {"shipped"}


def test_a_gtin_14_goes_as_wbs_13_digits(fake: FakeWildberries) -> None:
    wb = connect(fake)
    order = fake.add_order(skus=(HONEY,), required=("gtin",))
    posting = only(wb.client.postings_to_pack(), order)
    units = [UnitMarks("12345678", {MarkKind.GTIN: HONEY.zfill(14)})]
    assert [v.accepted for v in wb.client.submit_marks(posting, units)] == [True]
    assert fake.orders[order].meta == {"gtin": HONEY}
    # One that has no EAN-13 form is WB's to refuse, and refused before it is sent.
    units = [UnitMarks("12345678", {MarkKind.GTIN: "1" + HONEY})]
    [refused] = wb.client.submit_marks(posting, units)
    assert not refused.accepted and "13 characters" in refused.reason
    assert len([p for _, p, _ in fake.requests if p.endswith("/meta/gtin")]) == 1


def test_a_required_value_not_captured_is_refused_before_the_supply(
    fake: FakeWildberries,
) -> None:
    wb = connect(fake)
    order = fake.add_order(required=("uin", "gtin"))
    posting = only(wb.client.postings_to_pack(), order)
    verdicts = wb.client.submit_marks(posting, [UnitMarks("12345678", {MarkKind.GTIN: HONEY})])
    assert [(v.value, v.accepted) for v in verdicts] == [("uin", False)]
    assert f"WB delivers order {order} only with its uin" in verdicts[0].reason
    assert wb.endpoints() == ["/api/v3/orders/new", "/content/v2/get/cards/list"]
    assert fake.orders[order].supplier == "new" and fake.supplies == {}


# -- the asks alone: the pure workflow and the line flags ------------------------------------
def test_what_a_marketplace_requires_is_what_the_line_asks() -> None:
    def flag(kind: str, *required: MarkKind) -> str:
        order = to_order(kind, "ch", posting("1", item("A", required=frozenset(required))))
        return order.lines[0].serial

    assert flag("wildberries", MarkKind.UIN) == "uin"
    assert flag("ozon", MarkKind.UIN, MarkKind.SGTIN) == "uin"  # Ozon's jw_uin requirement
    assert flag("wildberries", MarkKind.GTIN, MarkKind.EXPIRATION) == "expiry"
    assert flag("wildberries", MarkKind.IMEI, MarkKind.EXPIRATION) == "imei"  # one ask a unit
    assert flag("wildberries", MarkKind.GTIN, MarkKind.SGTIN) == ""  # from the code scanned
    # The agent reads the asked value back by the same rule: a date is no IMEI.
    unit = Unit("A", HONEY, None, serial="2027-01-31", gtin=None)
    assert unit_marks(unit, ("gtin", "expiration")) == {
        MarkKind.GTIN: HONEY.zfill(14),
        MarkKind.EXPIRATION: "2027-01-31",
    }
    assert unit_marks(Unit("R", RING, None, serial=UIN), ("uin",)) == {MarkKind.UIN: UIN}


def ring_order(now: datetime, ask: str, qty: int = 2) -> OrderView:
    line = line_view(1, "RING-585", "Кольцо", qty, 5, barcodes=[RING], serial=ask)
    return OrderView(id="WB-1", lines=(line,), ship_by=now + timedelta(hours=6), city="Москва")


def bench(order: OrderView, now: datetime) -> Bench:
    context = FakeContext(rules=load_rules(expiry={"margin_days": 30}), clock=now)
    context.orders[order.id] = order
    context.status[order.id] = "ready"
    st = Bench(ctx=context)
    assert st.scan(BENCH_PACKER.badge).ok and st.scan(order.id).ok
    return st


def test_a_uin_is_16_characters_never_the_codes_serial_and_leaves_once() -> None:
    now = utcnow()
    st = bench(ring_order(now, "uin"), now)
    st.ctx.serials[("UIN", "6431000099999999")] = "WB-0"
    own = f"]C101{RING.zfill(14)}21{UIN}"
    assert st.scan(own).message.key == "serial.ask"  # its AI 21 is not taken as the УИН
    assert st.scan(own).message.key == "serial.item_scanned"
    assert st.scan("6431000099999999").message.key == "serial.shipped"  # among all УИНs
    why = st.scan(UIN + "0").message.params["why"]
    assert why == Msg("serial.bad.length", {"min": 16, "max": 16, "got": 17})
    assert st.scan(UIN).ok and st.new_records == (SerialCaptured(now, "WB-1", 1, UIN, "uin"),)
    assert st.scan(RING).ok and st.scan(UIN).message.key == "serial.repeat"


def test_a_best_before_date_from_a_date_label_or_typed() -> None:
    now = utcnow()
    st = bench(ring_order(now, "expiry", qty=3), now)
    day, own = now.date() + timedelta(days=200), now.date() + timedelta(days=300)
    assert st.scan(RING).message.key == "serial.ask"
    assert st.scan(f"]C117{day:%y%m%d}10L1").ok  # a GS1 date label of no item: AI 17
    assert st.scan(RING).message.key == "serial.ask"
    unreadable = st.scan("2027-02-30")
    assert unreadable.message.params["detail"] == "dd.mm.yyyy | yyyy-mm-dd | GS1 (17)"
    assert st.scan(f"{day:%Y-%m-%d}").ok
    # A code with its own date (and serial) asks nothing.
    accepted = st.scan(f"]C101{RING.zfill(14)}17{own:%y%m%d}21SN-9")
    assert accepted.message.key == "scan.accepted" and st.state.step is Step.BOX
    # What `order.packed` will carry (`packed_units` rows): the dates asked for are the
    # units' expiry, never a serial that must be unique.
    assert [(u.expiry, u.serial, u.scope) for u in packed_units(st.state)] == [
        (day, None, None),
        (day, None, None),
        (own, "SN-9", "RING-585"),
    ]
