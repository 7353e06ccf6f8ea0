"""`OzonMarketplace` when Ozon or the network misbehaves: 429 bursts, 5xx, timeouts, a
lost reply to ship, a key Ozon refuses; and the key never shows in a record or error.

The fake's faults answer before it acts (status, delay) or act and then withhold the
answer (`act_then_drop`: the reply is lost, the posting is shipped). `sleep` records.
"""

from __future__ import annotations

import pytest

from packstation.channels.base import ChannelError, MarkKind, MarkVerdict, PostingState, UnitMarks
from packstation.channels.http import LostReply
from packstation.channels.ozon import OzonMarketplace
from tests.channels.fake_ozon import FakeOzon
from tests.channels.fakeserver import Fault
from tests.channels.test_ozon_client import CODE_1, CODE_2, Client, client, fake, listed

__all__ = ["fake"]  # the fixture, shared with test_ozon_client

SHIP = "/v4/posting/fbs/ship"
SET = "/v6/fbs/posting/product/exemplar/set"
STATUS = "/v5/fbs/posting/product/exemplar/status"
GET = "/v3/posting/fbs/get"
UNFULFILLED = "/v3/posting/fbs/unfulfilled/list"
WRONG = "wrong-key-0b7f3c2e-1d9a-4e55-9c1b-2f6a8d4e7c30"


def one_posting(fake: FakeOzon, market: OzonMarketplace) -> tuple[str, list[list[tuple[str, int]]]]:
    fake.add_product("TOWEL")
    ref = fake.add_posting([("TOWEL", 3)])
    [posting] = market.postings_to_pack()
    return ref, [[(posting.items[0].product_ref, 2)], [(posting.items[0].product_ref, 1)]]


def test_a_429_burst_is_waited_out(fake: FakeOzon) -> None:
    fake.inject(*[Fault("/v1/seller/info", status=429)] * 3)
    probe = Client(fake)
    assert probe.market.account().ident == "7707083893"
    assert [c.status for c in probe.calls] == [429, 429, 429, 200]
    assert [c.attempt for c in probe.calls] == [1, 2, 3, 4]
    assert len(probe.sleeps) == 3  # backoff, recorded instead of slept


def test_5xx_on_a_read_is_retried(fake: FakeOzon) -> None:
    fake.add_postings(3, products=2)
    fake.inject(Fault(UNFULFILLED, status=500), Fault(UNFULFILLED, status=503))
    probe = Client(fake)
    assert len(listed(probe.market)) == 3
    assert [c.status for c in probe.calls if c.endpoint == UNFULFILLED] == [500, 503, 200]


def test_5xx_that_never_ends_is_a_retryable_error(fake: FakeOzon) -> None:
    fake.inject(*[Fault("/v1/seller/info", status=502)] * 5)
    with pytest.raises(ChannelError) as caught:
        client(fake).account()
    assert caught.value.retryable and caught.value.status == 502
    assert "5 attempts" in str(caught.value)


def test_a_read_that_times_out_is_asked_again(fake: FakeOzon) -> None:
    [ref] = fake.add_postings(1, products=1)
    fake.inject(Fault(GET, delay_s=1.0))
    probe = Client(fake)
    assert probe.market.states([ref]) == {ref: PostingState.TO_PACK}
    first, second = (c for c in probe.calls if c.endpoint == GET)
    assert (first.status, first.error.startswith("timed out"), second.status) == (None, True, 200)


def test_a_lost_reply_to_ship_is_checked_and_not_sent_again(fake: FakeOzon) -> None:
    probe = Client(fake)
    ref, boxes = one_posting(fake, probe.market)
    fake.inject(Fault(SHIP, act_then_drop=True, delay_s=1.5))
    posting = next(iter(listed(probe.market).values()))
    numbers = probe.market.ship(posting, boxes)
    # read from the posting (related_postings, newest first), put back in box order
    assert numbers == [ref, ref[:-1] + "2"]
    assert fake.ship_count == 1
    assert len(fake.calls(SHIP)) == 1
    assert {"posting_number": ref, "with": {"related_postings": True}} in fake.calls(GET)


def test_a_ship_that_failed_before_acting_is_sent_once_more(fake: FakeOzon) -> None:
    probe = Client(fake)
    ref, boxes = one_posting(fake, probe.market)
    fake.inject(Fault(SHIP, status=500))
    posting = next(iter(listed(probe.market).values()))
    assert probe.market.ship(posting, boxes) == [ref, ref[:-1] + "2"]
    assert (fake.ship_count, len(fake.calls(SHIP))) == (1, 2)
    assert [c.status for c in probe.calls if c.endpoint == SHIP] == [500, 200]


def test_a_shipped_posting_is_asked_for_and_not_shipped_again(fake: FakeOzon) -> None:
    probe = Client(fake)
    ref, boxes = one_posting(fake, probe.market)
    posting = next(iter(listed(probe.market).values()))
    first = probe.market.ship(posting, boxes)
    # a retry, or a held order picked up again: Ozon is asked, nothing is sent
    assert probe.market.ship(posting, boxes) == first == [ref, ref[:-1] + "2"]
    assert (fake.ship_count, len(fake.calls(SHIP))) == (1, 1)


def marked_posting(fake: FakeOzon, market: OzonMarketplace) -> tuple[str, list[UnitMarks]]:
    fake.add_product("SHIRT", marked=True)
    ref = fake.add_posting([("SHIRT", 2)])
    [posting] = market.postings_to_pack()
    sku = posting.items[0].product_ref
    return ref, [UnitMarks(sku, {MarkKind.SGTIN: c}) for c in (CODE_1, CODE_2)]


def test_a_lost_reply_to_exemplar_set_is_checked_and_not_sent_again(fake: FakeOzon) -> None:
    probe = Client(fake)
    ref, units = marked_posting(fake, probe.market)
    posting = next(iter(listed(probe.market).values()))
    fake.inject(Fault(SET, act_then_drop=True, delay_s=1.5))  # Ozon takes it, the reply is lost
    verdicts = probe.market.submit_marks(posting, units)
    assert verdicts == [MarkVerdict(u.product_ref, u.marks[MarkKind.SGTIN], True) for u in units]
    assert len(fake.calls(SET)) == 1  # the status showed the codes: not set again
    assert [c.error.startswith("timed out") for c in probe.calls if c.endpoint == SET] == [True]
    assert probe.market.ship(posting, [[(units[0].product_ref, 2)]]) == [ref]


def test_an_exemplar_set_that_failed_before_acting_is_sent_once_more(fake: FakeOzon) -> None:
    probe = Client(fake)
    _, units = marked_posting(fake, probe.market)
    posting = next(iter(listed(probe.market).values()))
    fake.inject(Fault(SET, status=502))  # the gateway answered: Ozon never saw it
    assert all(v.accepted for v in probe.market.submit_marks(posting, units))
    assert [c.status for c in probe.calls if c.endpoint == SET] == [502, 200]
    asked = [path for _, path, _ in fake.requests if path in (SET, STATUS)]
    assert asked[:3] == [SET, STATUS, SET]  # Ozon was asked before the set went again


def test_codes_already_on_the_exemplars_are_not_set_again(fake: FakeOzon) -> None:
    probe = Client(fake)
    _, units = marked_posting(fake, probe.market)
    posting = next(iter(listed(probe.market).values()))
    assert all(v.accepted for v in probe.market.submit_marks(posting, units))
    assert all(v.accepted for v in probe.market.submit_marks(posting, units))
    assert len(fake.calls(SET)) == 1


def test_a_cancelled_posting_is_not_shipped(fake: FakeOzon) -> None:
    probe = Client(fake)
    ref, boxes = one_posting(fake, probe.market)
    posting = next(iter(listed(probe.market).values()))
    fake.cancel(ref)
    with pytest.raises(ChannelError, match="cancelled"):
        probe.market.ship(posting, boxes)
    assert fake.calls(SHIP) == []  # asked first: nothing sent


def test_a_lost_chat_message_is_not_sent_twice(fake: FakeOzon) -> None:
    [ref] = fake.add_postings(1, products=1)
    fake.inject(Fault("/v1/chat/send/message", status=500))
    with pytest.raises(LostReply):
        client(fake).message_buyer(ref, "Ваш заказ задерживается на день.")
    assert len(fake.calls("/v1/chat/send/message")) == 1


def test_container_labels_refused_is_not_an_error(fake: FakeOzon) -> None:
    probe = Client(fake)
    ref, boxes = one_posting(fake, probe.market)
    posting = next(iter(listed(probe.market).values()))
    numbers = probe.market.ship(posting, boxes)
    fake.inject(Fault("/v2/posting/fbs/act/get-container-labels", status=404))
    [act] = probe.market.close_handoff(numbers)
    assert act.data.startswith(b"%PDF")


def test_a_key_ozon_refuses_is_a_clear_error(fake: FakeOzon) -> None:
    with pytest.raises(ChannelError) as caught:
        Client(fake, key="not-the-key").market.account()
    message = str(caught.value)
    assert caught.value.status == 401 and not caught.value.retryable
    assert "Client-Id 1234567" in message and "OZON_API_KEY" in message


def test_the_key_is_never_in_a_record_or_an_error(fake: FakeOzon) -> None:
    texts: list[str] = []
    probe = Client(fake)
    ref, boxes = one_posting(fake, probe.market)
    fake.inject(*[Fault("/v1/seller/info", status=500)] * 5)
    fake.inject(Fault(SHIP, act_then_drop=True, delay_s=1.5), Fault(GET, delay_s=1.0))
    for attempt in (
        probe.market.account,
        lambda: probe.market.ship(next(iter(listed(probe.market).values())), boxes),
        lambda: probe.market.label("00000000-0000-1"),
        Client(fake, key=WRONG).market.account,
    ):
        try:
            attempt()
        except ChannelError as exc:
            texts += [str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)]
    texts += [repr(c) for c in probe.calls] + [repr(probe.market.__dict__)]
    assert len(texts) > 10
    assert not [t for t in texts if fake.api_key in t or WRONG in t]
