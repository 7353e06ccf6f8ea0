"""SerialScanner through real pseudo-terminals (and socket://): framing, unplug, busy port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import serial

from packstation.devices.base import DeviceState
from packstation.devices.serial_link import PortWorker
from packstation.devices.serial_scanner import SerialScanner, is_keyboard
from packstation.devices.simulators import ScannerSimulator
from tests.devices.conftest import Recorder, wait_for

CONNECTED, DISCONNECTED, BUSY = DeviceState.CONNECTED, DeviceState.DISCONNECTED, DeviceState.BUSY


@pytest.fixture
def sim() -> Iterator[ScannerSimulator]:
    with ScannerSimulator() as simulator:
        yield simulator


def start_scanner(
    sim: ScannerSimulator, rec: Recorder, drivers: list[PortWorker], **options: Any
) -> SerialScanner:
    scanner = SerialScanner(
        sim.port, on_code=rec.code, on_status=rec.status, on_warning=rec.warning, **options
    )
    drivers.append(scanner)
    scanner.start()
    rec.wait_status(CONNECTED)
    return scanner


@pytest.mark.parametrize(("suffix", "end"), [("CR", "\r"), ("LF", "\n"), ("CRLF", "\r\n")])
def test_codes_arrive_with_each_suffix(
    sim: ScannerSimulator, recorder: Recorder, drivers: list[PortWorker], suffix: str, end: str
) -> None:
    start_scanner(sim, recorder, drivers, suffix=suffix)
    sim.send("4601234567893", end)
    sim.send_bytes(b"ABC-")  # a code split across two writes
    sim.send("42", end)
    assert recorder.wait_codes(2) == ["4601234567893", "ABC-42"]


def test_no_suffix_frames_end_after_the_gap(
    sim: ScannerSimulator, recorder: Recorder, drivers: list[PortWorker]
) -> None:
    start_scanner(sim, recorder, drivers, suffix="none")
    sim.send("]E04601234567893", "")
    assert recorder.wait_codes(1) == ["]E04601234567893"]  # AIM prefix left for parsing
    sim.send("]E44601234", "")
    assert recorder.wait_codes(2)[1] == "]E44601234"


def test_prefix_stripped_gs_kept_controls_dropped(
    sim: ScannerSimulator, recorder: Recorder, drivers: list[PortWorker]
) -> None:
    start_scanner(sim, recorder, drivers, prefix="#")
    sim.send_bytes(b"#]d20104601234567893215Ab\x07Cd\x1b[2J\x00\x1d91EE07\r")
    assert recorder.wait_codes(1) == ["]d20104601234567893215AbCd[2J\x1d91EE07"]


def test_frame_over_4k_is_discarded_with_a_warning(
    sim: ScannerSimulator, recorder: Recorder, drivers: list[PortWorker]
) -> None:
    start_scanner(sim, recorder, drivers)
    sim.send("X" * 5000)
    sim.send("4601234567893")
    assert recorder.wait_codes(1) == ["4601234567893"]
    assert len(recorder.warnings) == 1 and "4096" in recorder.warnings[0]


def test_unplug_is_reported_within_1s_and_replug_reconnects_within_2s(
    sim: ScannerSimulator, recorder: Recorder, drivers: list[PortWorker]
) -> None:
    start_scanner(sim, recorder, drivers)
    sim.send("before")
    recorder.wait_codes(1)
    unplugged = time.monotonic()
    sim.close()
    lost_at, status = recorder.wait_status(DISCONNECTED, since=unplugged)
    assert lost_at - unplugged < 1.0, status
    # stays away for a while: the driver retries with backoff and keeps running
    wait_for(lambda: time.monotonic() - unplugged > 0.7, what="time away")
    replugged = time.monotonic()
    sim.reopen()
    back_at, _ = recorder.wait_status(CONNECTED, since=replugged, timeout=4.0)
    assert back_at - replugged < 2.0
    sim.send("after")
    assert recorder.wait_codes(2) == ["before", "after"]


def test_port_locked_by_another_program_is_busy(
    sim: ScannerSimulator, recorder: Recorder, drivers: list[PortWorker]
) -> None:
    holder = serial.Serial(sim.port, exclusive=True)
    try:
        scanner = SerialScanner(sim.port, on_code=recorder.code, on_status=recorder.status)
        drivers.append(scanner)
        scanner.start()
        _, status = recorder.wait_status(BUSY)
        assert "in use" in status.detail and sim.port in status.detail
    finally:
        holder.close()
    recorder.wait_status(CONNECTED)  # released: taken over without a restart
    sim.send("ok")
    assert recorder.wait_codes(1) == ["ok"]


def test_missing_port_is_disconnected_not_fatal(
    recorder: Recorder, drivers: list[PortWorker]
) -> None:
    scanner = SerialScanner("/dev/packstation-no-such-port", on_status=recorder.status)
    drivers.append(scanner)
    scanner.start()
    _, status = recorder.wait_status(DISCONNECTED)
    assert "not found" in status.detail and scanner.running


def test_socket_url_works(recorder: Recorder, drivers: list[PortWorker]) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    go = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            go.wait(5)  # pyserial discards what arrives while it opens the port
            conn.sendall(b"SOCK-123\r")
            conn.recv(1)  # hold the connection until the client goes

    threading.Thread(target=serve, daemon=True).start()
    try:
        scanner = SerialScanner(
            f"socket://127.0.0.1:{port}", on_code=recorder.code, on_status=recorder.status
        )
        drivers.append(scanner)
        scanner.start()
        recorder.wait_status(CONNECTED)
        go.set()
        assert recorder.wait_codes(1) == ["SOCK-123"]
    finally:
        server.close()


def test_keyboard_port_is_for_the_ui() -> None:
    assert is_keyboard("keyboard") and is_keyboard(" Keyboard ") and not is_keyboard("/dev/ttyACM0")
    with pytest.raises(ValueError, match="keyboard"):
        SerialScanner("keyboard")


def test_callback_errors_do_not_kill_the_driver(
    sim: ScannerSimulator, recorder: Recorder, drivers: list[PortWorker]
) -> None:
    seen: list[str] = []

    def flaky(code: str) -> None:
        seen.append(code)
        if code == "boom":
            raise RuntimeError("UI bug")

    scanner = start_scanner(sim, recorder, drivers)
    scanner.on_code = flaky
    sim.send("boom")
    sim.send("fine")
    wait_for(lambda: seen == ["boom", "fine"], what="both codes")
    assert scanner.running


def test_drain_does_not_count_bytes_still_on_their_way_as_taken() -> None:
    """Right after a write the pty's input queue may still read empty (the kernel moves
    the bytes a moment later); drain must not take that for "read", or unplugging after
    it loses the last scans (`simulate scanner` at the end of its input)."""
    import os
    import termios

    with ScannerSimulator() as sim:
        fd = os.open(sim.port, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)  # open, never read
        try:
            for _ in range(30):
                termios.tcflush(fd, termios.TCIFLUSH)  # each round starts from an empty queue
                sim.send("4601234567893")
                assert not sim.drain(timeout=0.15), "nobody read it, so it is not drained"
        finally:
            os.close(fd)


def test_drain_returns_once_a_reader_took_everything() -> None:
    with ScannerSimulator() as sim:
        scanner_fd = serial.Serial(sim.port, timeout=0.1)
        try:
            sim.send("4601234567893")
            got = b""
            while not got.endswith(b"\r"):
                got += scanner_fd.read(64)
            assert sim.drain(timeout=2.0)
            assert got == b"4601234567893\r"
        finally:
            scanner_fd.close()
