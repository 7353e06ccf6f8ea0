"""Helpers for device tests: event recorders and bounded polling waits (no fixed sleeps)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from packstation.devices.base import DeviceState, DeviceStatus, ScaleReading
from packstation.devices.serial_link import PortWorker

T = TypeVar("T")


def wait_for(
    predicate: Callable[[], T | None], timeout: float = 10.0, what: str = "condition"
) -> T:
    """Poll until `predicate()` is truthy; generous bounds keep a loaded CI machine green."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.005)


class Recorder:
    """Collects what a driver reports, with the time each status arrived."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.codes: list[str] = []
        self.warnings: list[str] = []
        self.readings: list[ScaleReading] = []
        self.statuses: list[tuple[float, DeviceStatus]] = []

    def code(self, text: str) -> None:
        with self._lock:
            self.codes.append(text)

    def warning(self, text: str) -> None:
        with self._lock:
            self.warnings.append(text)

    def reading(self, reading: ScaleReading) -> None:
        with self._lock:
            self.readings.append(reading)

    def status(self, status: DeviceStatus) -> None:
        with self._lock:
            self.statuses.append((time.monotonic(), status))

    def wait_status(
        self, state: DeviceState, since: float = 0.0, timeout: float = 10.0
    ) -> tuple[float, DeviceStatus]:
        def found() -> tuple[float, DeviceStatus] | None:
            with self._lock:
                return next(
                    ((t, s) for t, s in self.statuses if t >= since and s.state is state), None
                )

        return wait_for(found, timeout, f"status {state.value}")

    def mark(self) -> int:
        with self._lock:
            return len(self.readings)

    def wait_reading(
        self,
        predicate: Callable[[ScaleReading], bool],
        timeout: float = 10.0,
        what: str = "",
        since: int | None = None,
    ) -> ScaleReading:
        start = self.mark() if since is None else since

        def found() -> ScaleReading | None:
            with self._lock:
                return next((r for r in self.readings[start:] if predicate(r)), None)

        return wait_for(found, timeout, what or "a matching reading")

    def wait_codes(self, count: int, timeout: float = 10.0) -> list[str]:
        try:
            wait_for(lambda: len(self.codes) >= count, timeout, f"{count} codes")
        except AssertionError as exc:
            statuses = [status for _, status in self.statuses]
            raise AssertionError(f"{exc}: got {self.codes}; statuses {statuses}") from None
        return list(self.codes)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def drivers() -> Iterator[list[PortWorker]]:
    """Drivers appended here are stopped after the test, even when it fails."""
    started: list[PortWorker] = []
    yield started
    for driver in started:
        driver.stop()
