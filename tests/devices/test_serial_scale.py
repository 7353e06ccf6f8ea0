"""SerialScale against the pty scale simulator: every protocol's states and units,
zero/tare, noise, silence, unplug/replug, busy port, poll rate and idle CPU."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import serial

from packstation.devices.base import DeviceCommandError, DeviceState, ScaleReading, ScaleState
from packstation.devices.serial_link import PortWorker
from packstation.devices.serial_scale import SerialScale
from packstation.devices.serial_scanner import SerialScanner
from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from tests.devices.conftest import Recorder, wait_for

LB, OZ = Decimal("453.59237"), Decimal("28.349523125")
# (protocol, simulator variant, states the protocol can express, units it sends)
CASES = [
    ("mt-sics", "cas", ["motion", "overload", "underload", "error"], ["g", "kg", "lb", "oz"]),
    ("toledo-8217", "cas", ["motion", "overload", "underload", "zero_error"], ["kg", "lb"]),
    (
        "nci",
        "cas",
        ["motion", "overload", "underload", "zero_error", "error"],
        ["g", "kg", "lb", "oz"],
    ),
    ("continuous", "cas", ["motion", "overload", "underload"], ["g", "kg", "lb", "oz"]),
    ("continuous", "ohaus", ["motion"], ["g", "kg", "lb", "oz"]),
]
# Loads that every unit shows exactly at its display resolution.
EXACT = {"g": Decimal("812.25"), "kg": Decimal(1234), "lb": 2 * LB, "oz": 10 * OZ}
Factory = Callable[..., tuple[ScaleSimulator, SerialScale]]


@pytest.fixture
def scale_pair(recorder: Recorder, drivers: list[PortWorker]) -> Iterator[Factory]:
    sims: list[ScaleSimulator] = []

    def make(
        protocol: str,
        variant: str = "cas",
        grams: Any = 500,
        sim_unit: str | None = None,
        **opts: Any,
    ) -> tuple[ScaleSimulator, SerialScale]:
        sim = ScaleSimulator(protocol, grams=grams, variant=variant, unit=sim_unit, stream_hz=40)
        sims.append(sim)
        opts.setdefault("poll_hz", 20.0)
        scale = SerialScale(
            sim.port, protocol, on_reading=recorder.reading, on_status=recorder.status, **opts
        )
        drivers.append(scale)
        scale.start()
        recorder.wait_status(DeviceState.CONNECTED)
        return sim, scale

    yield make
    for driver in drivers:
        driver.stop()
    for sim in sims:
        sim.shutdown()


def usable(grams: Decimal) -> Callable[[ScaleReading], bool]:
    return lambda r: r.usable and r.grams == grams


def in_state(state: str) -> Callable[[ScaleReading], bool]:
    return lambda r: r.state.value == state


@pytest.mark.parametrize(("protocol", "variant", "states", "units"), CASES)
def test_states_and_units(
    scale_pair: Factory,
    recorder: Recorder,
    protocol: str,
    variant: str,
    states: list[str],
    units: list[str],
) -> None:
    sim, scale = scale_pair(protocol, variant, grams=1234)
    recorder.wait_reading(usable(Decimal(1234)), what="stable 1234 g")
    for state in states:
        sim.set_state(state)
        reading = recorder.wait_reading(in_state(state), what=state)
        assert not reading.stable and not reading.usable
        sim.set_weight(1234)
        recorder.wait_reading(usable(Decimal(1234)), what=f"stable again after {state}")
    assert scale.garbage == 0
    for unit in units:
        if protocol.startswith("toledo"):  # no unit on the wire: it is configured
            scale.stop()
            scale = SerialScale(
                sim.port, protocol, unit=unit, poll_hz=20, on_reading=recorder.reading
            )
            scale.start()
        sim.set_unit(unit)
        sim.set_weight(EXACT[unit])
        reading = recorder.wait_reading(usable(EXACT[unit]), what=f"{EXACT[unit]} g in {unit}")
        assert reading.raw_unit.lower() == unit
    scale.stop()


def test_toledo_status_only_replies_repeat_the_last_weight(
    recorder: Recorder, drivers: list[PortWorker]
) -> None:
    with ScaleSimulator("toledo-8217", grams=750, repeat_as_status=True) as sim:
        scale = SerialScale(sim.port, "toledo-8217", poll_hz=20, on_reading=recorder.reading)
        drivers.append(scale)
        scale.start()
        wait_for(lambda: len(recorder.readings) >= 5, what="5 readings")
        assert all(r.usable and r.grams == 750 for r in recorder.readings[:5])
        assert sim.replies.repeats >= 3  # type: ignore[attr-defined]
        scale.stop()


@pytest.mark.parametrize("protocol", ["mt-sics", "toledo-8217"])
def test_tare_and_zero(scale_pair: Factory, recorder: Recorder, protocol: str) -> None:
    sim, scale = scale_pair(protocol, grams=200)
    recorder.wait_reading(usable(Decimal(200)))
    scale.tare()
    recorder.wait_reading(usable(Decimal(0)), what="0 after tare")
    sim.set_weight(1200)
    recorder.wait_reading(usable(Decimal(1000)), what="net 1000 g")
    sim.set_weight(0)
    recorder.wait_reading(usable(Decimal(-200)), what="-200 g (tare still on)")
    scale.zero()  # the commands go out on the driver's thread: wait for the effect
    recorder.wait_reading(usable(Decimal(0)), what="0 after zero")
    sim.set_weight(300)
    recorder.wait_reading(usable(Decimal(300)), what="300 g after zero")


def test_zero_refused_by_the_scale_is_a_zero_error(scale_pair: Factory, recorder: Recorder) -> None:
    sim, scale = scale_pair("mt-sics")
    sim.set_state("zero_error")
    mark = recorder.mark()
    scale.zero()
    recorder.wait_reading(lambda r: r.state is ScaleState.ZERO_ERROR, since=mark)


def test_commands_a_protocol_lacks_are_refused(scale_pair: Factory) -> None:
    _, nci = scale_pair("nci")
    nci.zero()
    with pytest.raises(DeviceCommandError, match="no tare"):
        nci.tare()
    stream = SerialScale("/dev/null", "continuous")
    with pytest.raises(DeviceCommandError, match="no zero"):
        stream.zero()
    with pytest.raises(DeviceCommandError, match="not connected"):
        SerialScale("/dev/null", "mt-sics").tare()


@pytest.mark.parametrize("protocol", ["mt-sics", "toledo-8217", "nci", "continuous"])
def test_noise_only_is_reported_not_fatal(
    scale_pair: Factory, recorder: Recorder, protocol: str
) -> None:
    sim, scale = scale_pair(protocol, silence_s=0.3)
    sim.set_garbage(True)
    _, status = recorder.wait_status(DeviceState.ERROR)
    assert "unparseable" in status.detail and scale.running and scale.garbage > 0
    recorder.wait_reading(lambda r: r.state is ScaleState.OFFLINE, since=0)
    mark = len(recorder.statuses)
    sim.set_weight(640)
    recorder.wait_reading(usable(Decimal(640)), what="recovered reading")
    wait_for(lambda: any(s.ok for _, s in recorder.statuses[mark:]), what="connected again")


def test_silent_scale_goes_offline(scale_pair: Factory, recorder: Recorder) -> None:
    sim, _ = scale_pair("nci", silence_s=0.3)
    sim.set_state("offline")
    _, status = recorder.wait_status(DeviceState.ERROR)
    assert "no reply" in status.detail
    recorder.wait_reading(lambda r: r.state is ScaleState.OFFLINE, since=0)


def test_unplug_within_1s_replug_within_2s(scale_pair: Factory, recorder: Recorder) -> None:
    sim, scale = scale_pair("mt-sics", grams=900, poll_hz=5.0)
    recorder.wait_reading(usable(Decimal(900)))
    unplugged = time.monotonic()
    sim.close()
    lost_at, _ = recorder.wait_status(DeviceState.DISCONNECTED, since=unplugged)
    assert lost_at - unplugged < 1.0
    recorder.wait_reading(lambda r: r.state is ScaleState.OFFLINE, since=0)
    with pytest.raises(DeviceCommandError):
        scale.tare()
    wait_for(lambda: time.monotonic() - unplugged > 0.7, what="time away")
    replugged = time.monotonic()
    sim.reopen()
    back_at, _ = recorder.wait_status(DeviceState.CONNECTED, since=replugged, timeout=4.0)
    assert back_at - replugged < 2.0
    recorder.wait_reading(usable(Decimal(900)), what="reading after replug")


def test_busy_port(recorder: Recorder, drivers: list[PortWorker]) -> None:
    with ScaleSimulator("mt-sics") as sim:
        holder = serial.Serial(sim.port, exclusive=True)
        try:
            scale = SerialScale(sim.port, "mt-sics", on_status=recorder.status)
            drivers.append(scale)
            scale.start()
            _, status = recorder.wait_status(DeviceState.BUSY)
            assert "in use" in status.detail
        finally:
            holder.close()
        recorder.wait_status(DeviceState.CONNECTED)
        scale.stop()


def test_default_poll_rate_and_idle_cpu(recorder: Recorder, drivers: list[PortWorker]) -> None:
    """5 Hz polling; scanner + polled scale idling use well under 2% of a core (asserted < 5%)."""
    with ScaleSimulator("mt-sics", grams=100) as sim, ScannerSimulator() as scan_sim:
        scale = SerialScale(sim.port, "mt-sics", on_status=recorder.status)
        scanner = SerialScanner(scan_sim.port, on_status=recorder.status)
        drivers += [scale, scanner]
        scale.start()
        scanner.start()
        wait_for(lambda: sum(s.ok for _, s in recorder.statuses) >= 2, what="both connected")
        wait_for(lambda: sim.requests >= 1, what="first poll")
        requests, cpu, wall = sim.requests, time.process_time(), time.monotonic()
        wait_for(lambda: time.monotonic() - wall >= 1.2, timeout=5, what="1.2 s")
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        rate = (sim.requests - requests) / wall
        assert 3.5 <= rate <= 6.5, rate
        assert cpu / wall < 0.05, f"{cpu / wall:.1%} of a core"
        scale.stop()
        scanner.stop()
