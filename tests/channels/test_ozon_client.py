"""`OzonMarketplace` against `FakeOzon` over real HTTP: every method of the protocol.

The fake answers 400 (and records it in `invalid`) for any request that does not follow
the schema written from Ozon's public clients, and records in `bad_responses` any
answer of its own that does not; the `fake` fixture asserts both are empty after every
test. Time is the fixed `NOW`; `sleep` only records, so polls and backoff cost nothing.
Faults (429, 5xx, timeouts, lost replies, bad keys) are in test_ozon_faults.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from packstation.channels.base import (
    CallRecord,
    MarkKind,
    MarkVerdict,
    NotReady,
    Posting,
    PostingState,
    UnitMarks,
)
from packstation.channels.ozon import POLL_S, OzonMarketplace
from packstation.channels.ozon_map import ProductInfo
from packstation.channels.settings import ChannelSettings, Secret
from tests.channels.fake_ozon import CLIENT_ID, KEY, METHODS, NOW, FakeOzon

SETTINGS = ChannelSettings(
    kind="ozon",
    name="ozon-main",
    client_id=CLIENT_ID,
    api_key_env="OZON_API_KEY",
    # The rate limit never binds here: every recorded sleep is one the test expects (a
    # backoff, a poll). At 1,000 a second a call within 1 ms of the one before (sleeps are
    # recorded, not slept) waited for the bucket: an extra sleep, now and then.
    # `test_limits_buckets.py` tests the bucket, on a clock of its own.
    rps=1e9,
    timeout_s=0.4,  # short: test_ozon_faults.py waits for timeouts with this client
)
CODE_1 = "0104601234567893215Abc!d+efGh\x1d91EE11\x1d92dGVzdA=="
CODE_2 = "0104601234567893215Zyx?w-vuTs\x1d91EE11\x1d92cXdlcnR5"
UNFULFILLED = "/v3/posting/fbs/unfulfilled/list"


@pytest.fixture
def fake() -> Iterator[FakeOzon]:
    server = FakeOzon()
    server.start()
    yield server
    server.stop()
    assert server.invalid == []
    assert server.bad_responses == []


class Client:
    """A client for the fake with its call records and (recorded, not slept) sleeps."""

    def __init__(self, fake: FakeOzon, key: str = KEY, **settings: Any) -> None:
        self.calls: list[CallRecord] = []
        self.sleeps: list[float] = []
        self.cache: dict[str, ProductInfo] = {}
        self.market = OzonMarketplace(
            replace(SETTINGS, base_url=fake.url, **settings),
            api_key=Secret(key),
            recorder=self.calls.append,
            sleep=self.sleeps.append,
            now=lambda: NOW,
            product_cache=self.cache.get,
            product_store=self.cache.__setitem__,
        )


def client(fake: FakeOzon, **settings: Any) -> OzonMarketplace:
    return Client(fake, **settings).market


def seed(fake: FakeOzon) -> str:
    """A posting of a plain towel (2) and a marked one (1), as the station sees it."""
    fake.add_product("TOWEL-50", name="Полотенце льняное 50×70", barcodes=["4601234567893"])
    fake.add_product(
        "TOWEL-MK", marked=True, weight=1, weight_unit="kg", dims=(30, 20, 5), dimension_unit="cm"
    )
    return fake.add_posting([("TOWEL-50", 2), ("TOWEL-MK", 1)], city="Казань")


def ship_ready(market: OzonMarketplace, posting: Posting) -> None:
    """Give the marked units their codes, so ship is allowed."""
    units = [
        UnitMarks(i.product_ref, {MarkKind.SGTIN: f"0104601234567893215{i.product_ref}{n}"})
        for i in posting.items
        if MarkKind.SGTIN in i.required
        for n in range(i.qty)
    ]
    if units:
        assert all(v.accepted for v in market.submit_marks(posting, units))


def listed(market: OzonMarketplace) -> dict[str, Posting]:
    return {p.ref: p for p in market.postings_to_pack()}


def test_account(fake: FakeOzon) -> None:
    account = client(fake).account()
    assert (account.name, account.ident) == ("Льняная лавка", "7707083893")
    assert fake.calls("/v1/seller/info") == [{}]


def test_postings_to_pack_as_the_station_needs_them(fake: FakeOzon) -> None:
    ref = seed(fake)
    fake.add_posting([("TOWEL-50", 1)], shipment_date=NOW + timedelta(days=20))  # too far
    fake.add_posting([("TOWEL-50", 1)], shipment_date=NOW - timedelta(days=2))  # long gone
    [posting] = client(fake).postings_to_pack()
    towel, marked = posting.items
    method, warehouse = METHODS[15_001]
    assert (posting.ref, posting.state, posting.ship_by) == (
        ref,
        PostingState.TO_PACK,
        NOW + timedelta(days=1),
    )
    assert (posting.warehouse_id, posting.delivery, posting.city) == (
        str(warehouse),
        method,
        "Казань",
    )
    assert posting.extra["order_number"] == ref[:-2]
    assert (towel.sku, towel.name, towel.qty) == ("TOWEL-50", "Полотенце льняное 50×70", 2)
    assert towel.product_ref == str(fake.product("TOWEL-50").sku)
    assert towel.barcodes == ("4601234567893",)
    assert (towel.unit_weight_g, towel.dims_mm) == (Decimal("350"), (200, 150, 100))
    assert (towel.unit_price, towel.currency) == (Decimal("1390.0000"), "RUB")
    assert (towel.required, towel.optional) == (frozenset(), frozenset())
    # kg and cm are converted; the marking code is required by the posting itself
    assert (marked.unit_weight_g, marked.dims_mm) == (Decimal("1000"), (300, 200, 50))
    assert marked.required == frozenset({MarkKind.SGTIN})
    [body] = fake.calls(UNFULFILLED)
    assert body["filter"] == {
        "cutoff_from": "2026-03-01T09:00:00Z",
        "cutoff_to": "2026-03-16T09:00:00Z",
        "status": "awaiting_packaging",
    }
    assert (body["limit"], body["offset"], body["with"]["analytics_data"]) == (1000, 0, True)
    # what needs a code came with the posting: no exemplar call while listing
    assert fake.calls("/v6/fbs/posting/product/exemplar/create-or-get") == []


def test_a_product_that_may_carry_a_code_is_optional(fake: FakeOzon) -> None:
    fake.add_product("SOAP", possible=True)
    fake.add_posting([("SOAP", 1)])
    [posting] = client(fake).postings_to_pack()
    assert posting.items[0].optional == frozenset({MarkKind.SGTIN})
    assert posting.items[0].required == frozenset()


def test_pages_until_a_short_one_and_products_are_asked_once(fake: FakeOzon) -> None:
    refs = fake.add_postings(2100, products=30)
    fake.check_responses = False  # 2100 postings: the shape is checked in the other tests
    # A page of 1,000 postings from the fake once took longer than 0.4 s on a loaded
    # 2-core machine: this test waits for no timeout, so it gives the fake time.
    probe = Client(fake, timeout_s=10.0)
    found = listed(probe.market)
    assert set(found) == set(refs)
    assert [b["offset"] for b in fake.calls(UNFULFILLED)] == [0, 1000, 2000]
    asked = [sku for body in fake.calls("/v3/product/info/list") for sku in body["sku"]]
    assert sorted(asked) == sorted(str(s) for s in fake.products)
    assert len(fake.calls("/v4/product/info/attributes")) == 1
    assert all(i.barcodes and i.unit_weight_g for p in found.values() for i in p.items)
    # a later sync with the same cache asks for no product at all
    again = OzonMarketplace(
        replace(SETTINGS, base_url=fake.url, timeout_s=10.0),
        api_key=Secret(KEY),
        sleep=probe.sleeps.append,
        now=lambda: NOW,
        product_cache=probe.cache.get,
        product_store=probe.cache.__setitem__,
    )
    assert len(listed(again)) == 2100
    assert len(fake.calls("/v3/product/info/list")) == 1


def test_only_the_channels_warehouses(fake: FakeOzon) -> None:
    fake.add_postings(10, products=3)
    warehouse = METHODS[15_002][1]
    found = listed(client(fake, warehouses=(str(warehouse),)))
    assert len(found) == 5
    assert {p.warehouse_id for p in found.values()} == {str(warehouse)}
    assert fake.calls(UNFULFILLED)[0]["filter"]["warehouse_id"] == [warehouse]


def test_states_see_a_cancellation_and_a_shipment(fake: FakeOzon) -> None:
    gone, packed, waiting = fake.add_postings(3, products=2)
    fake.cancel(gone)
    market = client(fake)
    posting = listed(market)[packed]
    market.ship(posting, [[(i.product_ref, i.qty) for i in posting.items]])
    assert market.states([gone, packed, waiting, "00000000-0000-1"]) == {
        gone: PostingState.CANCELLED,
        packed: PostingState.SHIPPED,
        waiting: PostingState.TO_PACK,
        "00000000-0000-1": PostingState.OTHER,
    }


def test_marking_codes_are_checked_until_ozon_is_done(fake: FakeOzon) -> None:
    fake.add_product("SHIRT", marked=True)
    ref = fake.add_posting([("SHIRT", 2)])
    probe = Client(fake)
    [posting] = probe.market.postings_to_pack()
    sku = posting.items[0].product_ref
    units = [UnitMarks(sku, {MarkKind.SGTIN: CODE_1}), UnitMarks(sku, {MarkKind.SGTIN: CODE_2})]
    verdicts = probe.market.submit_marks(posting, units)
    assert verdicts == [MarkVerdict(sku, CODE_1, True), MarkVerdict(sku, CODE_2, True)]
    # set only starts a task: pending twice, final on the third poll, one wait between each
    assert len(fake.calls("/v5/fbs/posting/product/exemplar/status")) == 3
    assert probe.sleeps == [POLL_S, POLL_S]
    [sent] = fake.calls("/v6/fbs/posting/product/exemplar/set")
    marks = [e["marks"] for e in sent["products"][0]["exemplars"]]
    assert marks == [
        [{"mark": CODE_1, "mark_type": "mandatory_mark"}],
        [{"mark": CODE_2, "mark_type": "mandatory_mark"}],
    ]
    assert probe.market.ship(posting, [[(sku, 2)]]) == [ref]


def test_a_code_ozon_rejects_comes_back_with_its_reason(fake: FakeOzon) -> None:
    fake.add_product("SHIRT", marked=True)
    fake.add_posting([("SHIRT", 2)])
    fake.reject_code(CODE_2, "Код маркировки не найден в ГИС МТ")
    market = client(fake)
    [posting] = market.postings_to_pack()
    sku = posting.items[0].product_ref
    verdicts = market.submit_marks(
        posting, [UnitMarks(sku, {MarkKind.SGTIN: c}) for c in (CODE_1, CODE_2)]
    )
    assert verdicts == [
        MarkVerdict(sku, CODE_1, True),
        MarkVerdict(sku, CODE_2, False, "Код маркировки не найден в ГИС МТ"),
    ]
    with pytest.raises(Exception, match="EXEMPLARS_NOT_CHECKED"):
        market.ship(posting, [[(sku, 2)]])


def test_a_malformed_code_is_refused_before_anything_is_saved(fake: FakeOzon) -> None:
    fake.add_product("SHIRT", marked=True)
    fake.add_posting([("SHIRT", 2)])
    market = client(fake)
    [posting] = market.postings_to_pack()
    sku = posting.items[0].product_ref
    units = [
        UnitMarks(sku, {MarkKind.SGTIN: CODE_1, MarkKind.GTIN: "04601234567893"}),
        UnitMarks(sku, {MarkKind.SGTIN: "4601234567893"}),
        UnitMarks(sku, {MarkKind.SGTIN: CODE_2}),
    ]
    verdicts = market.submit_marks(posting, units)
    assert verdicts == [
        MarkVerdict(sku, "04601234567893", False, "Ozon takes no gtin per unit"),
        MarkVerdict(sku, CODE_2, False, "more units than the posting has"),
        MarkVerdict(sku, CODE_1, True),
        MarkVerdict(sku, "4601234567893", False, "INVALID_MARK_FORMAT"),
    ]
    assert fake.calls("/v6/fbs/posting/product/exemplar/set") == []


def test_ship_in_several_packages_gives_each_package_its_posting(fake: FakeOzon) -> None:
    ref = seed(fake)
    market = client(fake)
    [posting] = market.postings_to_pack()
    ship_ready(market, posting)
    towel, marked = posting.items
    numbers = market.ship(posting, [[(towel.product_ref, 2)], [(marked.product_ref, 1)]])
    assert numbers == [ref, ref[:-1] + "2"]
    [body] = fake.calls("/v4/posting/fbs/ship")
    assert body["packages"][1] == {
        "products": [{"product_id": int(marked.product_ref), "quantity": 1}]
    }
    assert market.states(numbers) == dict.fromkeys(numbers, PostingState.SHIPPED)
    labels = {n: market.label(n) for n in numbers}
    assert all(label.barcode == n for n, label in labels.items())
    # each package's own upper and lower barcodes, both printed on its label
    assert all(label.codes == tuple(fake.barcodes(n).values()) for n, label in labels.items())


def test_label_not_ready_twice_then_ready(fake: FakeOzon) -> None:
    fake.add_product("TOWEL")
    ref = fake.add_posting([("TOWEL", 1)])
    market = client(fake)
    [posting] = market.postings_to_pack()
    market.ship(posting, [[(posting.items[0].product_ref, 1)]])
    fake.label_not_ready(ref, times=2)
    refused = []
    for _ in range(5):  # the caller's retry loop
        try:
            document = market.label(ref)
            break
        except NotReady as exc:
            refused.append(str(exc))
    assert len(refused) == 2 and "aren't ready" in refused[0]
    assert (document.kind, document.barcode, document.data[:5]) == ("pdf", ref, b"%PDF-")


def test_close_handoff_acts_per_delivery_method(fake: FakeOzon) -> None:
    refs = fake.add_postings(4, products=2)
    probe = Client(fake)
    postings = listed(probe.market)
    for ref in refs:
        posting = postings[ref]
        probe.market.ship(posting, [[(i.product_ref, i.qty) for i in posting.items]])
    documents = probe.market.close_handoff(refs)
    assert [d.kind for d in documents] == ["pdf"] * 4  # act + container labels, two methods
    assert all(d.data.startswith(b"%PDF") for d in documents)
    created = fake.calls("/v2/posting/fbs/act/create")
    assert [c["delivery_method_id"] for c in created] == [15_001, 15_002]
    assert created[0]["departure_date"] == "2026-03-02T09:00:00Z"
    assert sorted(r for a in fake.acts.values() for r in a.postings) == sorted(refs)
    assert probe.sleeps == [POLL_S, POLL_S]  # each act was in_process once
    assert probe.market.removed_from_act == ()


def test_message_buyer_through_the_postings_chat(fake: FakeOzon) -> None:
    fake.add_product("TOWEL")
    ref = fake.add_posting([("TOWEL", 1)])
    market = client(fake)
    market.message_buyer(ref, "Здравствуйте! Одно полотенце повреждено, мы заменим его.")
    market.message_buyer(ref, "Отправили замену.")
    chat = fake.chats[ref]
    assert fake.messages == [
        (chat, "Здравствуйте! Одно полотенце повреждено, мы заменим его."),
        (chat, "Отправили замену."),
    ]
