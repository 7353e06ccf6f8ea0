"""The courier hands results over in order, on its own thread, and survives a failed one."""

from __future__ import annotations

import threading

import pytest

from packstation.station.courier import Courier


def test_items_arrive_in_order_on_the_couriers_thread_including_those_put_before_start() -> None:
    got: list[tuple[int, str]] = []
    courier: Courier[int] = Courier(
        lambda n: got.append((n, threading.current_thread().name)), "test-courier"
    )
    courier.put(0)  # before start: waits for it
    courier.start()
    for n in range(1, 500):
        courier.put(n)
    courier.stop()
    assert [n for n, _ in got] == list(range(500))
    assert {name for _, name in got} == {"test-courier"}


def test_a_delivery_that_fails_does_not_stop_the_next(caplog: pytest.LogCaptureFixture) -> None:
    got: list[int] = []

    def deliver(n: int) -> None:
        if n == 1:
            raise RuntimeError("the app is gone")
        got.append(n)

    courier: Courier[int] = Courier(deliver)
    courier.start()
    for n in range(4):
        courier.put(n)
    courier.stop()
    assert got == [0, 2, 3]
    assert "delivering 1 failed" in caplog.text


def test_a_courier_never_started_delivers_nothing() -> None:
    got: list[int] = []
    courier: Courier[int] = Courier(got.append)
    courier.put(1)
    courier.stop(timeout=0.1)  # never started: nothing to join
    assert got == []
