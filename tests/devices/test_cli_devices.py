"""`packstation simulate` and `packstation devices` as subprocesses against each other."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from packstation.cli import main
from packstation.devices.base import DeviceState
from packstation.devices.serial_link import PortWorker
from packstation.devices.serial_scanner import SerialScanner
from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from tests.devices.conftest import Recorder, wait_for

# Another process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process

ROOT = Path(__file__).resolve().parents[2]


def packstation(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "packstation", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        **kwargs,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()


def first_line(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()  # a simulator prints its port first
    assert line, proc.stderr.read() if proc.stderr else "no output"
    return line


def test_simulate_scale_and_probe_auto_as_subprocesses(
    processes: list[subprocess.Popen[str]],
) -> None:
    sim = packstation(
        "simulate",
        "scale",
        "--protocol",
        "toledo-8217",
        "--weight",
        "2500",
        stdin=subprocess.DEVNULL,
    )
    processes.append(sim)
    port = first_line(sim)
    probe = packstation("devices", "probe", port, "--auto", "--count", "2", "--json")
    processes.append(probe)
    out, err = probe.communicate(timeout=30)
    assert probe.returncode == 0, err
    result = json.loads(out)
    assert result["protocol"] == "toledo-8217" and result["status"] == "connected"
    assert [(r["grams"], r["stable"], r["state"]) for r in result["readings"]] == [
        ("2500.000", True, "ok")
    ] * 2
    sim.send_signal(signal.SIGTERM)  # ends like Ctrl+C: exit 0, port and link removed
    assert sim.wait(timeout=10) == 0 and not os.path.lexists(os.path.dirname(port))


def test_simulate_scanner_sends_stdin_lines(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    recorder: Recorder,
    drivers: list[PortWorker],
) -> None:
    read_end, write_end = os.pipe()
    monkeypatch.setattr(sys, "stdin", os.fdopen(read_end, "r"))
    codes: list[int] = []
    sim = threading.Thread(
        target=lambda: codes.append(main(["simulate", "scanner", "--suffix", "CRLF"]))
    )
    sim.start()
    printed: list[str] = []

    def port_line() -> str:
        printed.append(capsys.readouterr().out)
        return "".join(printed).strip()

    port = wait_for(port_line, what="the port line")
    scanner = SerialScanner(port, suffix="CRLF", on_code=recorder.code, on_status=recorder.status)
    drivers.append(scanner)
    scanner.start()
    recorder.wait_status(DeviceState.CONNECTED)
    with os.fdopen(write_end, "w") as stdin:
        stdin.write("4601234567893\n\n0104601234567893215Ab<GS>91EE07\n")
    assert recorder.wait_codes(2) == ["4601234567893", "0104601234567893215Ab\x1d91EE07"]
    sim.join(5)  # end of input ends the simulator and unplugs the port
    assert codes == [0] and not os.path.lexists(os.path.dirname(port))
    recorder.wait_status(DeviceState.DISCONNECTED)


def test_probe_scanner_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with ScannerSimulator() as sim:
        done = threading.Event()

        def keep_scanning() -> None:  # scans sent before the port is open are flushed by it
            while not done.wait(0.05):
                sim.send("B\x1d2")

        sender = threading.Thread(target=keep_scanning)
        sender.start()
        try:
            code = main(["devices", "probe", sim.port, "--scanner", "--count", "2"])
        finally:
            done.set()
            sender.join()
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and out[0].startswith("status: connected")
    assert out[1:] == ["scan: B<GS>2"] * 2


def test_devices_list_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "list"]) == 0
    assert capsys.readouterr().out.strip()  # ports, or "no serial ports found"
    assert main(["devices", "list", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)


def test_probe_with_named_protocol_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with ScaleSimulator("mt-sics", grams=812) as sim:
        code = main(["devices", "probe", sim.port, "--scale-protocol", "mt-sics", "--count", "2"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("status: connected: mt-sics on ")
    assert out[1:] == ["     812.0 g  stable    ok  kg"] * 2


def test_probe_errors_are_one_line_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "probe", "/dev/packstation-none", "--scale-protocol", "nci"]) == 1
    err = capsys.readouterr().err
    assert err == "packstation: /dev/packstation-none not found (unplugged?)\n"
    with ScaleSimulator("mt-sics") as sim:
        sim.set_state("offline")
        started = time.monotonic()
        assert (
            main(["devices", "probe", sim.port, "--scale-protocol", "mt-sics", "--seconds", "0.5"])
            == 1
        )
        assert time.monotonic() - started < 5
    assert capsys.readouterr().err.startswith(
        f"packstation: no readings from {sim.port} with mt-sics"
    )
