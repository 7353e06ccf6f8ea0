"""The published limits as `channels/http.py` keeps them, on a clock that moves only when
the client sleeps: nothing waits for real and nothing is timed.

Ozon: `rps` calls a second per Client-Id (a token bucket of `rps` tokens, one back every
1/rps s). WB: per minute with a burst (orders 300 a minute in bursts of 20; seller info
one a minute in bursts of 10). A 429 or 5xx without the marketplace's own hint waits a
random time with full jitter: attempt n waits between 0 and min(cap, base * 2**(n-1)).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

import pytest

from packstation.channels.base import CallRecord
from packstation.channels.http import ChannelHttp, RetryPolicy, TokenBucket
from packstation.channels.ozon import OzonMarketplace
from packstation.channels.settings import ChannelSettings, Secret
from packstation.channels.wildberries import WildberriesMarketplace
from tests.channels.fake_ozon import CLIENT_ID, KEY, NOW, FakeOzon
from tests.channels.fake_wb import KEY as WB_KEY
from tests.channels.fake_wb import FakeWildberries
from tests.channels.fakeserver import Fault

OZON = ChannelSettings(kind="ozon", name="ozon-main", client_id=CLIENT_ID, api_key_env="K")
SELLER_INFO = "/v1/seller/info"


class Clock:
    """Monotonic time that moves only when the client sleeps; `at` notes each call's time."""

    def __init__(self) -> None:
        self.t = 5000.0
        self.sleeps: list[float] = []
        self.at: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def record(self, call: CallRecord) -> None:
        self.at.append(round(self.t - 5000.0, 6))


def most_in_any_window(times: list[float], window: float) -> int:
    """The most calls any half-open window [t, t + window) holds."""
    return max(sum(1 for u in times if t <= u < t + window) for t in times)


@pytest.fixture
def ozon() -> Iterator[FakeOzon]:
    server = FakeOzon()
    server.start()
    yield server
    server.stop()
    assert server.invalid == []


def ozon_client(fake: FakeOzon, clock: Clock, rps: float) -> OzonMarketplace:
    return OzonMarketplace(
        replace(OZON, base_url=fake.url, rps=rps),
        api_key=Secret(KEY),
        recorder=clock.record,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        now=lambda: NOW,
    )


def test_ozon_keeps_to_rps_calls_a_second(ozon: FakeOzon) -> None:
    clock = Clock()
    client = ozon_client(ozon, clock, rps=5)
    for _ in range(25):
        client.account()
    # One every 1/rps s from the first: 25 calls take 4.8 s.
    assert clock.at == pytest.approx([0.2 * k for k in range(25)])
    assert len(ozon.calls(SELLER_INFO)) == 25
    # Never more than rps in any second, from idle too (no burst on top of the refill).
    assert most_in_any_window(clock.at, 1.0) == 5


def test_the_default_rps_is_ten(ozon: FakeOzon) -> None:
    clock = Clock()
    client = ozon_client(ozon, clock, rps=0)  # not set: DEFAULT_RPS
    for _ in range(30):
        client.account()
    assert most_in_any_window(clock.at, 1.0) == 10
    assert clock.at[-1] == pytest.approx(2.9)  # one every 0.1 s


def test_each_client_has_a_bucket_of_its_own(ozon: FakeOzon) -> None:
    """Two clients of one Client-Id (two station processes) do not share a budget: each
    takes its full `rps`, so the account sees twice that (docs/channels.md)."""
    clock = Clock()
    first, second = ozon_client(ozon, clock, rps=5), ozon_client(ozon, clock, rps=5)
    for _ in range(15):
        first.account()
        second.account()
    assert most_in_any_window(clock.at[10:], 1.0) == 10


def http(fake: FakeOzon, clock: Clock, seed: int) -> ChannelHttp:
    return ChannelHttp(
        "ozon-main",
        fake.url,
        {"Client-Id": CLIENT_ID, "Api-Key": KEY},
        retry=RetryPolicy(attempts=5, base_s=0.5, cap_s=30.0),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        rng=random.Random(seed),
    )


def backoff_waits(fake: FakeOzon, seed: int) -> list[float]:
    """The waits before each retry of a read answered 503, 429, 502, 500, then 200."""
    statuses = (503, 429, 502, 500)
    fake.inject(*(Fault(SELLER_INFO, status) for status in statuses))
    clock = Clock()
    client = http(fake, clock, seed)
    try:
        assert client.call("POST", SELLER_INFO, json={}, idempotent=True).status_code == 200
    finally:
        client.close()
    return clock.sleeps


def test_backoff_is_jittered_within_its_bounds_by_the_seeded_rng(ozon: FakeOzon) -> None:
    waits = {seed: backoff_waits(ozon, seed) for seed in (1, 2)}
    bounds = [min(30.0, 0.5 * 2 ** (n - 1)) for n in range(1, 5)]  # 0.5, 1, 2, 4
    for seed, seen in waits.items():
        assert len(seen) == 4, seed
        assert all(0 <= wait <= bound for wait, bound in zip(seen, bounds, strict=True)), seen
        assert seen != bounds  # jittered, not the bare exponential
    assert waits[1] != waits[2]  # two stations that failed together retry apart
    assert backoff_waits(ozon, 1) == waits[1]  # and a seed gives the same waits again


def test_the_marketplaces_retry_hint_is_taken_as_it_is(ozon: FakeOzon) -> None:
    ozon.inject(Fault(SELLER_INFO, 429, headers={"Retry-After": "3"}))
    clock = Clock()
    client = http(ozon, clock, seed=1)
    client.call("POST", SELLER_INFO, json={}, idempotent=True)
    client.close()
    assert clock.sleeps == [3.0]


def test_wb_orders_bucket_is_300_a_minute_in_bursts_of_20() -> None:
    """The bucket WB's order calls go through (wildberries_api.LIMITS["orders"])."""
    clock = Clock()
    bucket = TokenBucket(0.2, 20, monotonic=clock.monotonic)
    for _ in range(700):
        wait = bucket.wait_time()
        if wait:
            clock.sleep(wait)
        clock.record(CallRecord("wb", "GET", "/api/v3/orders/new", 200, 1.0))
    assert clock.at[:20] == [0.0] * 20 and clock.at[20] == pytest.approx(0.2)
    assert most_in_any_window(clock.at[20:], 60.0) == 300
    assert most_in_any_window(clock.at, 60.0) == 319  # the burst on top, from idle


def test_wb_seller_info_is_one_a_minute_after_a_burst_of_ten() -> None:
    fake = FakeWildberries()
    fake.start()
    clock = Clock()
    settings = ChannelSettings(
        kind="wildberries", name="wb-main", base_url=fake.url, api_key_env="WB_TOKEN"
    )
    client = WildberriesMarketplace(
        settings,
        api_key=Secret(WB_KEY),
        recorder=clock.record,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        now=lambda: NOW,
    )
    try:
        for _ in range(12):
            client.account()
    finally:
        client.close()
        fake.stop()
    assert fake.invalid == []
    assert clock.at == pytest.approx([0.0] * 10 + [60.0, 120.0])
