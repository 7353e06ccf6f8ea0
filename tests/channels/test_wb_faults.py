"""The Wildberries client when WB misbehaves: limits, 5xx, timeouts, lost replies, a bad key.

A call that changes WB's state (supply create, order add, deliver) is never sent
again blindly: the assertions are on the fake's state (one supply, one add)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from packstation.channels.base import ChannelError, MarkKind, PostingState, UnitMarks
from packstation.channels.http import LostReply
from tests.channels.fake_wb import KEY, FakeWildberries, running
from tests.channels.fakeserver import Fault
from tests.channels.test_wb_client import SGTIN, Wb, connect, only

#: WB's 429 body, as the spec's example gives it.
TOO_MANY = {
    "title": "too many requests",
    "detail": "limited by c122a060-a7fb-4bb4-abb0-32fd4e18d489",
    "code": "07e4668e-ac2242c5c8c5-[UK-4dx7JUdskGZ]",
    "requestId": "9d3c02cc698f8b041c661a7c28bed293",
    "origin": "s2s-api-auth-catalog",
    "status": 429,
    "statusText": "Too Many Requests",
    "timestamp": "2024-09-30T06:52:38Z",
}
#: The client's timeout, and a reply held longer than it: the client sees nothing.
TIMEOUT = 0.75
DROP = 2.0


@pytest.fixture
def fake() -> Iterator[FakeWildberries]:
    with running() as server:
        yield server
        assert server.invalid == []
        assert server.bad_responses == []


@pytest.fixture
def wb(fake: FakeWildberries) -> Iterator[Wb]:
    harness = connect(fake, timeout_s=TIMEOUT)
    yield harness
    harness.client.close()


class Clock:
    """Monotonic time that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.t += seconds


# -- limits ---------------------------------------------------------------------------------
def test_a_burst_of_429s_waits_as_wb_says(fake: FakeWildberries, wb: Wb) -> None:
    fake.add_order()
    headers = {"X-Ratelimit-Retry": "2", "X-Ratelimit-Remaining": "0"}
    fake.inject(*(Fault("/api/v3/orders/new", 429, headers=headers, body=TOO_MANY),) * 3)
    assert len(list(wb.client.postings_to_pack())) == 1
    assert wb.sleeps == [2.0, 2.0, 2.0]
    assert [c.status for c in wb.calls][:4] == [429, 429, 429, 200]


def test_retry_after_is_obeyed_even_for_a_create(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    fake.inject(Fault("POST /api/v3/supplies", 429, headers={"Retry-After": "1"}, body=TOO_MANY))
    wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    assert wb.sleeps == [1.0]
    assert len(fake.supplies) == 1  # a 429 is "not done": sent again, made once


def test_each_limit_group_has_its_published_bucket(fake: FakeWildberries) -> None:
    clock = Clock()
    order = fake.add_order(required=("sgtin",))
    wb = connect(fake, sleep=clock.sleep, monotonic=clock.monotonic)
    for _ in range(25):
        wb.client.states([str(order)])
    # 300 a minute = one per 200 ms after a burst of 20
    assert clock.sleeps == pytest.approx([0.2] * 5)


def test_a_409_costs_ten_requests(fake: FakeWildberries) -> None:
    clock = Clock()
    order = fake.add_order(required=("sgtin",))
    fake.reject_code("X" * 20, "Код маркировки не найден")
    wb = connect(fake, sleep=clock.sleep, monotonic=clock.monotonic)
    posting = only(wb.client.postings_to_pack(), order)
    [refused] = wb.client.submit_marks(posting, [UnitMarks("1", {MarkKind.SGTIN: "X" * 20})])
    assert not refused.accepted and clock.sleeps == []
    # metadata: burst 20, one per 60 ms; the 409 took 10 of the 20
    for _ in range(11):
        wb.client.submit_marks(posting, [UnitMarks("1", {MarkKind.SGTIN: SGTIN})])
    assert clock.sleeps == pytest.approx([0.06])


# -- reads are retried ------------------------------------------------------------------------
def test_5xx_on_a_read_is_retried(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    fake.inject(Fault("/api/v3/orders/status", 500), Fault("/api/v3/orders/status", 503))
    assert wb.client.states([str(order)]) == {str(order): PostingState.TO_PACK}
    assert [c.status for c in wb.calls] == [500, 503, 200]
    assert len(wb.sleeps) == 2


def test_a_read_that_times_out_is_asked_again(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    fake.inject(Fault("/api/v3/orders/stickers", delay_s=DROP))
    assert wb.client.label(str(order)).barcode
    stickers = [c for c in wb.calls if c.endpoint == "/api/v3/orders/stickers"]
    assert [(c.status, c.error.split(":")[0]) for c in stickers] == [(None, "timed out"), (200, "")]


def test_a_read_that_keeps_failing_ends_in_a_retryable_error(fake: FakeWildberries, wb: Wb) -> None:
    fake.inject(*(Fault("/api/v3/orders/new", 502),) * 5)
    with pytest.raises(ChannelError) as failed:
        list(wb.client.postings_to_pack())
    assert failed.value.retryable and failed.value.status == 502


# -- lost replies --------------------------------------------------------------------------------
def test_a_lost_reply_to_the_supply_create_finds_the_supply(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    fake.inject(Fault("POST /api/v3/supplies", act_then_drop=True, delay_s=DROP))
    [supply] = wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    assert list(fake.supplies) == [supply]  # made once, found by its name
    assert fake.supplies[supply].orders == [order]
    assert [c.method for c in wb.calls if c.endpoint == "/api/v3/supplies"] == [
        "GET",
        "POST",
        "GET",
    ]


def test_a_create_wb_surely_failed_is_made_once_more(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    fake.inject(Fault("POST /api/v3/supplies", 500))
    [supply] = wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    assert list(fake.supplies) == [supply]


def test_a_lost_reply_to_the_add_is_checked_not_repeated(fake: FakeWildberries, wb: Wb) -> None:
    first, second = fake.add_order(), fake.add_order()
    postings = {p.ref: p for p in wb.client.postings_to_pack()}
    [supply] = wb.client.ship(postings[str(first)], [])
    add = f"/api/marketplace/v3/supplies/{supply}/orders"
    fake.inject(Fault(add, act_then_drop=True, delay_s=DROP))
    assert wb.client.ship(postings[str(second)], []) == [supply]
    assert fake.calls(add) == [{"orders": [first]}, {"orders": [second]}]
    assert fake.supplies[supply].orders == [first, second]


def test_an_add_wb_did_not_do_is_sent_again_after_looking(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    posting = only(wb.client.postings_to_pack(), order)
    # the supply exists; its add answers 500 twice: WB did not act either time
    wb.client.ship(only(wb.client.postings_to_pack(), fake.add_order()), [])
    [supply] = list(fake.supplies)
    add = f"/api/marketplace/v3/supplies/{supply}/orders"
    fake.inject(Fault(add, 500), Fault(add, 500))
    with pytest.raises(LostReply):
        wb.client.ship(posting, [])
    assert order not in fake.supplies[supply].orders
    # asked again later: it looks first, then adds once
    assert wb.client.ship(posting, []) == [supply]
    assert fake.supplies[supply].orders.count(order) == 1
    order_ids = f"/api/marketplace/v3/supplies/{supply}/order-ids"
    assert len(fake.calls(order_ids)) == 2


def test_a_lost_reply_to_deliver_is_checked(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    [supply] = wb.client.ship(only(wb.client.postings_to_pack(), order), [])
    deliver = f"/api/v3/supplies/{supply}/deliver"
    fake.inject(Fault(deliver, act_then_drop=True, delay_s=DROP))
    [qr] = wb.client.close_handoff([supply])
    assert qr.barcode == supply and fake.supplies[supply].done
    assert len(fake.calls(deliver)) == 1


def test_a_lost_chat_message_is_not_sent_twice(fake: FakeWildberries, wb: Wb) -> None:
    order = fake.add_order()
    fake.add_chat(order)
    fake.inject(Fault("/api/v1/seller/message", act_then_drop=True, delay_s=DROP))
    with pytest.raises(LostReply):
        wb.client.message_buyer(str(order), "Заказ задерживается на день")
    assert len(fake.messages) == 1


# -- the key --------------------------------------------------------------------------------------
def test_a_refused_key_is_a_clear_error(fake: FakeWildberries) -> None:
    wb = connect(fake, key="expired-token")
    with pytest.raises(ChannelError) as refused:
        wb.client.account()
    assert refused.value.status == 401 and not refused.value.retryable
    assert "refused the API key" in str(refused.value)
    with pytest.raises(ChannelError, match="Marketplace category"):
        list(wb.client.postings_to_pack())
    assert [c.status for c in wb.calls] == [401, 401]


def test_the_key_is_sent_as_the_spec_says_and_shown_nowhere(fake: FakeWildberries) -> None:
    order = fake.add_order()
    fake.add_chat(order)
    wb = connect(fake, timeout_s=TIMEOUT)
    errors: list[Exception] = []
    fake.inject(Fault("/api/v3/orders/new", 500), Fault("/api/v3/orders/new", delay_s=DROP))
    posting = only(wb.client.postings_to_pack(), order)
    fake.inject(Fault("POST /api/v3/supplies", act_then_drop=True, delay_s=DROP))
    wb.client.ship(posting, [])
    wb.client.message_buyer(str(order), "Здравствуйте")
    for call in (lambda: wb.client.label("WB-GI-1"), lambda: wb.client.message_buyer("1", "x")):
        try:
            call()
        except ChannelError as exc:
            errors.append(exc)
    bad = connect(fake, key=KEY + "x")
    try:
        bad.client.states([str(order)])
    except ChannelError as exc:
        errors.append(exc)
    assert len(errors) == 3
    shown = repr(wb.calls) + repr(bad.calls) + "".join(f"{e!s}{e!r}" for e in errors)
    shown += repr(vars(wb.client)) + repr(vars(bad.client))
    assert KEY not in shown and "wb-test-token" not in shown
