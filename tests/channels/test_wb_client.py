"""The Wildberries client, method by method, against the spec-following fake over HTTP.

Every test ends with the fake having seen no request outside WB's published API and
having given no answer outside it (`invalid`, `bad_responses`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from packstation.channels.base import (
    CallRecord,
    ChannelError,
    MarkKind,
    NotReady,
    Posting,
    PostingState,
    UnitMarks,
)
from packstation.channels.settings import ChannelSettings, Secret
from packstation.channels.wildberries import WildberriesMarketplace
from packstation.channels.wildberries_map import MSK
from tests.channels.fake_wb import (
    KEY,
    NOW,
    FakeSupply,
    FakeWildberries,
    read_barcodes,
    running,
)

SGTIN = "010460700100100321abcdefghijklm\x1d91EE06\x1d92" + "A" * 44


@dataclass
class Wb:
    """A client of the fake with what it recorded: its calls and the sleeps it asked for."""

    client: WildberriesMarketplace
    calls: list[CallRecord] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def endpoints(self, method: str = "") -> list[str]:
        return [c.endpoint for c in self.calls if not method or c.method == method]


def connect(fake: FakeWildberries, *, key: str = KEY, **options: Any) -> Wb:
    extra = options.pop("extra", {})
    settings = ChannelSettings(
        kind="wildberries",
        name="wb-main",
        base_url=fake.url,
        api_key_env="WB_TOKEN",
        timeout_s=options.pop("timeout_s", 5.0),
        warehouses=options.pop("warehouses", ()),
        extra=extra,
    )
    calls: list[CallRecord] = []
    sleeps: list[float] = []
    client = WildberriesMarketplace(
        settings,
        api_key=Secret(key),
        recorder=calls.append,
        sleep=options.pop("sleep", sleeps.append),
        now=lambda: NOW,
        **options,
    )
    return Wb(client, calls, sleeps)


@pytest.fixture
def fake() -> Iterator[FakeWildberries]:
    with running() as server:
        yield server
        assert server.invalid == []
        assert server.bad_responses == []


@pytest.fixture
def wb(fake: FakeWildberries) -> Iterator[Wb]:
    harness = connect(fake)
    yield harness
    harness.client.close()


def only(postings: Iterator[Posting], ref: int) -> Posting:
    return next(p for p in postings if p.ref == str(ref))


# -- account and postings ---------------------------------------------------------------
def test_account_is_the_seller_info(wb: Wb) -> None:
    account = wb.client.account()
    assert account.name == "ИП Кружинин В. Р. (Flax Store)"
    assert account.ident == "e8923014-e233-47a8-898e-3cc86d67ea61"
    assert wb.endpoints() == ["/api/v1/seller-info"]


def test_a_new_order_is_one_posting_of_one_unit(fake: FakeWildberries, wb: Wb) -> None:
    fake.add_card(777, vendor_code="ring-7", title="Кольцо", weight_kg=0.125, dims_cm=(12, 8, 3))
    order = fake.add_order(
        article="ring-7",
        nm_id=777,
        skus=("4607001001003", "2000000000015"),
        price=199050,
        required=("sgtin",),
        optional=("imei", "unknown-kind"),
    )
    [posting] = wb.client.postings_to_pack()
    assert posting.ref == str(order)
    assert posting.state is PostingState.TO_PACK
    assert posting.warehouse_id == "658434"
    assert posting.group_ref == ""  # a new order is in no supply
    # The FBS list publishes no deadline: a day after WB created it, by default.
    assert posting.ship_by == fake.orders[order].created + timedelta(hours=24)
    assert posting.extra["rid"] == fake.orders[order].rid
    assert posting.extra["cargo_type"] == "1"
    [item] = posting.items
    assert (item.sku, item.name, item.qty, item.product_ref) == ("ring-7", "Кольцо", 1, "777")
    assert item.barcodes == ("4607001001003", "2000000000015")
    assert item.unit_price == Decimal("1990.50")  # WB sends the price times 100
    assert item.currency == "RUB"
    assert item.unit_weight_g == Decimal("125")
    assert item.dims_mm == (120, 80, 30)
    assert item.required == {MarkKind.SGTIN}
    assert item.optional == {MarkKind.IMEI}


def test_only_the_channels_warehouses_are_listed(fake: FakeWildberries) -> None:
    mine = fake.add_order(warehouse=1001)
    fake.add_order(warehouse=2002)
    wb = connect(fake, warehouses=("1001",))
    assert [p.ref for p in wb.client.postings_to_pack()] == [str(mine)]


def test_another_currency_is_named_by_its_iso_letters(fake: FakeWildberries, wb: Wb) -> None:
    fake.add_order(price=1014, currency=933)
    [posting] = wb.client.postings_to_pack()
    assert posting.items[0].unit_price == Decimal("10.14")
    assert posting.items[0].currency == "BYN"


def test_ship_by_is_the_seller_date_or_the_configured_window(fake: FakeWildberries) -> None:
    oversized = fake.add_order(cargo=2, seller_date="04.03.2026")
    small = fake.add_order(created=datetime(2026, 3, 2, 6, 30, tzinfo=UTC))
    wb = connect(fake, extra={"ship_within_h": 36})
    postings = {p.ref: p for p in wb.client.postings_to_pack()}
    assert postings[str(oversized)].ship_by == datetime(2026, 3, 4, tzinfo=MSK)
    assert postings[str(small)].ship_by == datetime(2026, 3, 3, 18, 30, tzinfo=UTC)


def test_a_product_without_a_card_keeps_its_article_and_no_weight(
    fake: FakeWildberries, wb: Wb
) -> None:
    fake.add_order(article="no-card", nm_id=999, card=False)
    [posting] = wb.client.postings_to_pack()
    assert posting.items[0].name == "no-card"
    assert posting.items[0].unit_weight_g is None


def test_product_cards_are_read_once_through_the_cache(fake: FakeWildberries) -> None:
    store: dict[str, dict[str, Any]] = {}
    fake.add_order(nm_id=1)
    fake.add_order(nm_id=2)
    fake.add_order(nm_id=2)
    wb = connect(fake, product_cache=store.get, product_store=store.__setitem__)
    assert len(list(wb.client.postings_to_pack())) == 3
    assert wb.endpoints().count("/content/v2/get/cards/list") == 2  # one search per product
    assert set(store) == {"1", "2"} and store["1"]["weight_g"] == "250"
    again = connect(fake, product_cache=store.get, product_store=store.__setitem__)
    assert len(list(again.client.postings_to_pack())) == 3
    assert "/content/v2/get/cards/list" not in again.endpoints()


def test_many_unknown_products_are_read_from_the_catalogue_pages(
    fake: FakeWildberries, wb: Wb
) -> None:
    fake.add_orders(300, products=150)
    postings = list(wb.client.postings_to_pack())
    assert len(postings) == 300
    assert all(p.items[0].unit_weight_g == Decimal("250") for p in postings)
    assert wb.endpoints().count("/content/v2/get/cards/list") == 2  # 150 cards, 100 a page


# -- states -----------------------------------------------------------------------------
def test_states_follow_the_seller_and_wb_statuses(fake: FakeWildberries, wb: Wb) -> None:
    new, declined, shipped, in_supply = (fake.add_order() for _ in range(4))
    fake.cancel(declined)
    for order in (shipped, in_supply):
        posting = only(wb.client.postings_to_pack(), order)
        wb.client.ship(posting, [])
    wb.client.close_handoff([str(shipped)])  # both are in the one open supply
    fake.orders[in_supply].supplier = "confirm"  # as if moved back for a reshipment
    states = wb.client.states([str(new), str(declined), str(shipped), "WB-GI-1", "404"])
    assert states == {
        str(new): PostingState.TO_PACK,
        str(declined): PostingState.CANCELLED,
        str(shipped): PostingState.SHIPPED,
    }


@pytest.mark.parametrize(
    ("supplier", "wb_status", "state"),
    [
        ("confirm", "waiting", PostingState.TO_PACK),
        ("cancel", "waiting", PostingState.CANCELLED),
        ("complete", "sorted", PostingState.SHIPPED),
        ("complete", "canceled_by_client", PostingState.CANCELLED),
        ("new", "defect", PostingState.CANCELLED),
    ],
)
def test_each_status_pair_maps(
    fake: FakeWildberries, wb: Wb, supplier: str, wb_status: str, state: PostingState
) -> None:
    order = fake.add_order()
    fake.orders[order].supplier, fake.orders[order].wb = supplier, wb_status
    assert wb.client.states([str(order)]) == {str(order): state}


def test_states_are_asked_a_thousand_at_a_time(fake: FakeWildberries, wb: Wb) -> None:
    ids = fake.add_orders(1500, products=3)
    states = wb.client.states([str(i) for i in ids])
    assert len(states) == 1500
    assert wb.endpoints() == ["/api/v3/orders/status"] * 2
    assert [len(body["orders"]) for body in fake.calls("/api/v3/orders/status")] == [1000, 500]


# -- marks ----------------------------------------------------------------------------------
def test_a_marking_code_goes_in_after_the_order_is_in_a_supply(
    fake: FakeWildberries, wb: Wb
) -> None:
    order = fake.add_order(required=("sgtin",))
    posting = only(wb.client.postings_to_pack(), order)
    verdicts = wb.client.submit_marks(posting, [UnitMarks("12345678", {MarkKind.SGTIN: SGTIN})])
    assert [(v.value, v.accepted) for v in verdicts] == [(SGTIN, True)]
    assert fake.orders[order].meta == {"sgtin": [SGTIN]}
    assert fake.orders[order].supplier == "confirm"
    # ship finds it in the supply: no second add.
    [supply] = wb.client.ship(posting, [[("12345678", 1)]])
    assert fake.supplies[supply].orders == [order]
    assert len(fake.calls(f"/api/marketplace/v3/supplies/{supply}/orders")) == 1


def test_a_rejected_code_comes_back_with_wbs_words(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order(required=("sgtin",))
    fake.reject_code(SGTIN, "Код маркировки не прошёл проверку в ГИС МТ")
    posting = only(wb.client.postings_to_pack(), order)
    [verdict] = wb.client.submit_marks(posting, [UnitMarks("12345678", {MarkKind.SGTIN: SGTIN})])
    assert not verdict.accepted
    assert verdict.reason == "Код маркировки не прошёл проверку в ГИС МТ"
    assert fake.orders[order].meta == {}


def test_a_value_wb_would_refuse_is_not_sent(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order(required=("sgtin", "uin"))
    posting = only(wb.client.postings_to_pack(), order)
    units = [UnitMarks("12345678", {MarkKind.SGTIN: "0104607", MarkKind.UIN: "123"})]
    verdicts = wb.client.submit_marks(posting, units)
    assert [v.accepted for v in verdicts] == [False, False]
    assert "16 to 135 characters" in verdicts[0].reason
    assert "uin of 16 characters" in verdicts[1].reason
    assert not any("/meta/" in e for e in wb.endpoints())


def test_the_other_kinds_of_metadata_each_have_their_call(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order(required=("uin", "imei"), optional=("gtin", "expiration"))
    posting = only(wb.client.postings_to_pack(), order)
    marks = {
        MarkKind.UIN: "1234567890123456",
        MarkKind.IMEI: "356938035643809",
        MarkKind.GTIN: "4607001001003",
        MarkKind.EXPIRATION: "2027-09-12",
    }
    verdicts = wb.client.submit_marks(posting, [UnitMarks("12345678", marks)])
    assert all(v.accepted for v in verdicts) and len(verdicts) == 4
    assert fake.orders[order].meta == {
        "uin": "1234567890123456",
        "imei": "356938035643809",
        "gtin": "4607001001003",
        "expiration": "12.09.2027",
    }


def test_a_best_before_too_soon_is_refused_in_wbs_words(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order(optional=("expiration",))
    posting = only(wb.client.postings_to_pack(), order)
    units = [UnitMarks("12345678", {MarkKind.EXPIRATION: "10.03.2026"})]
    [verdict] = wb.client.submit_marks(posting, units)
    assert not verdict.accepted
    assert verdict.reason.startswith("Не удалось обновить срок годности")


def test_setting_the_same_code_again_is_harmless(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order(required=("sgtin",))
    posting = only(wb.client.postings_to_pack(), order)
    units = [UnitMarks("12345678", {MarkKind.SGTIN: SGTIN})]
    wb.client.submit_marks(posting, units)
    again = connect(fake)  # another process: knows nothing of the first
    assert [v.accepted for v in again.client.submit_marks(posting, units)] == [True]
    assert fake.orders[order].meta == {"sgtin": [SGTIN]}
    assert len(fake.supplies) == 1


# -- ship ---------------------------------------------------------------------------------
def test_ship_adds_orders_to_one_open_supply_per_warehouse_and_cargo_type(
    fake: FakeWildberries, wb: Wb
) -> None:
    a, b = fake.add_order(), fake.add_order()
    other_warehouse = fake.add_order(warehouse=777)
    oversized = fake.add_order(cargo=2)
    postings = {p.ref: p for p in wb.client.postings_to_pack()}
    refs = {o: wb.client.ship(postings[str(o)], []) for o in (a, b, other_warehouse, oversized)}
    assert refs[a] == refs[b]
    assert len({refs[a][0], refs[other_warehouse][0], refs[oversized][0]}) == 3
    assert len(fake.supplies) == 3
    supply = fake.supplies[refs[a][0]]
    assert supply.orders == [a, b] and supply.cargo == 1
    assert supply.name == "packstation wb-main wh658434 cargo1 2026-03-02 09:00"
    assert fake.calls("/api/v3/supplies")[0] == {"limit": "1000", "next": "0"}


def test_a_posting_built_by_the_station_finds_its_warehouse(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order(warehouse=4242)
    bare = Posting(ref=str(order), state=PostingState.TO_PACK)  # as the station rebuilds it
    [supply] = wb.client.ship(bare, [])
    assert fake.orders[order].supply == supply
    assert "wh4242 cargo1" in fake.supplies[supply].name
    assert "/api/v3/orders/new" in wb.endpoints()


def test_after_a_restart_the_open_supply_is_found_by_its_name(fake: FakeWildberries) -> None:
    first, second = fake.add_order(), fake.add_order()
    wb = connect(fake)
    [supply] = wb.client.ship(only(wb.client.postings_to_pack(), first), [])
    restarted = connect(fake)
    assert restarted.client.ship(only(restarted.client.postings_to_pack(), second), []) == [supply]
    assert len(fake.supplies) == 1


def test_a_supply_made_by_hand_is_left_alone(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    fake.supplies["WB-GI-1"] = FakeSupply("WB-GI-1", "Поставка на завтра", NOW)
    [supply] = wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    assert supply != "WB-GI-1" and fake.supplies["WB-GI-1"].orders == []


def test_a_supply_delivered_elsewhere_is_replaced(fake: FakeWildberries, wb: Wb) -> None:
    first, second = fake.add_order(), fake.add_order()
    postings = {p.ref: p for p in wb.client.postings_to_pack()}
    [old] = wb.client.ship(postings[str(first)], [])
    fake.supplies[old].done = True  # another station closed the day
    [new] = wb.client.ship(postings[str(second)], [])
    assert new != old and fake.supplies[new].orders == [second]


def test_a_cancelled_order_is_not_shipped(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    posting = only(wb.client.postings_to_pack(), order)
    fake.cancel(order)
    with pytest.raises(ChannelError, match="Не удалось закрепить") as refused:
        wb.client.ship(posting, [])
    assert refused.value.status == 409 and not refused.value.retryable
    fresh = connect(fake)  # knows only the ref: finds out what happened
    with pytest.raises(ChannelError, match="new/declined_by_client"):
        fresh.client.ship(Posting(ref=str(order), state=PostingState.TO_PACK), [])


# -- labels ---------------------------------------------------------------------------------
def test_the_sticker_is_a_png_whose_code128_is_its_barcode(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    document = wb.client.label(str(order))
    assert document.kind == "png" and document.data.startswith(b"\x89PNG")
    assert document.barcode.startswith("!") and len(document.barcode) == 9
    assert read_barcodes(document.data, "png") == [document.barcode]
    assert fake.calls("/api/v3/orders/stickers")[-1] == {"orders": [order]}


def test_a_zpl_sticker_when_the_channel_says_so(fake: FakeWildberries) -> None:
    order = fake.add_order()
    wb = connect(fake, extra={"sticker": "zpl"})
    wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    document = wb.client.label(str(order))
    assert document.kind == "zpl" and document.data.startswith(b"^XA")
    assert read_barcodes(document.data, "zpl") == [document.barcode]


def test_the_sticker_is_not_ready_before_the_supply_nor_while_wb_makes_it(
    fake: FakeWildberries, wb: Wb
) -> None:
    order = fake.add_order()
    with pytest.raises(NotReady):
        wb.client.label(str(order))  # still new: WB makes stickers for confirm/complete
    wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    fake.sticker_not_ready(order, times=2)
    for _ in range(2):
        with pytest.raises(NotReady) as waiting:
            wb.client.label(str(order))
        assert waiting.value.retryable
    assert wb.client.label(str(order)).barcode


def test_a_label_is_per_order_not_per_supply(fake: FakeWildberries, wb: Wb) -> None:
    with pytest.raises(ChannelError, match="not a WB order id"):
        wb.client.label("WB-GI-1234001")


# -- handoff ----------------------------------------------------------------------------------
def test_the_handoff_delivers_the_supply_and_gives_its_qr(fake: FakeWildberries, wb: Wb) -> None:
    a, b = fake.add_order(), fake.add_order(warehouse=999)
    postings = {p.ref: p for p in wb.client.postings_to_pack()}
    supplies = [wb.client.ship(postings[str(o)], [])[0] for o in (a, b)]
    documents = wb.client.close_handoff([str(a), supplies[1]])
    assert [d.barcode for d in documents] == [supplies[1], supplies[0]]
    for document, supply in zip(documents, [supplies[1], supplies[0]], strict=True):
        assert document.kind == "png"
        assert read_barcodes(document.data, "png") == [supply]
        assert fake.supplies[supply].done
    assert fake.orders[a].supplier == fake.orders[b].supplier == "complete"
    # the next order goes into a new supply
    c = fake.add_order()
    assert wb.client.ship(only(wb.client.postings_to_pack(), c), []) not in ([s] for s in supplies)


def test_the_handoff_refuses_what_wb_refuses(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order(required=("uin",))
    wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    with pytest.raises(ChannelError, match="Перевод в статус") as refused:
        wb.client.close_handoff([str(order)])
    assert refused.value.status == 409


def test_an_order_in_no_open_supply_is_named(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    with pytest.raises(ChannelError, match=f"orders {order} are in no open supply"):
        wb.client.close_handoff([str(order)])


def test_a_supply_delivered_already_counts_as_delivered(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    [supply] = wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    wb.client.close_handoff([supply])
    [document] = wb.client.close_handoff([supply])  # printed again, e.g. after a paper jam
    assert document.barcode == supply


# -- buyer chat -----------------------------------------------------------------------------------
def test_a_message_goes_to_the_chat_the_buyer_opened(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    other = fake.add_order()
    chat = fake.add_chat(order)
    fake.add_chat(other)
    wb.client.message_buyer(str(order), "Товар повреждён, отправим замену завтра.")
    assert fake.messages == [(chat, "Товар повреждён, отправим замену завтра.")]
    # the rid came from the 30-day order list: this client never listed the orders
    [query] = fake.calls("/api/v3/orders")
    assert int(query["dateTo"]) - int(query["dateFrom"]) == 30 * 86400


def test_a_long_message_goes_in_parts_of_wbs_maximum(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    fake.add_chat(order)
    list(wb.client.postings_to_pack())
    wb.client.message_buyer(str(order), "x" * 2500)
    assert [len(text) for _, text in fake.messages] == [1000, 1000, 500]
    assert "/api/v3/orders" not in wb.endpoints()  # the rid was learnt from the list


def test_no_chat_for_the_order_is_a_clear_error(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    with pytest.raises(ChannelError, match="no chat with the seller"):
        wb.client.message_buyer(str(order), "Здравствуйте")
    assert fake.messages == []


def test_an_order_older_than_the_window_is_not_found(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order(created=NOW - timedelta(days=45))
    with pytest.raises(ChannelError, match="not among the last 30 days"):
        wb.client.message_buyer(str(order), "Здравствуйте")
