"""`packstation run` as a real process on a pseudo-terminal, fed by simulator ptys."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from packstation.domain.workflow import PackState, replay
from packstation.models import Station
from packstation.models.db import open_database
from packstation.station.store import StationStore

#: The sample station config, as a real station runs with one. Its `late = "fastest"` matters:
#: the sample orders' ship-by dates are fixed (2026-11-26..28), and the station runs on the
#: real clock, so under the strict default (`late = "lead"`) no tariff fits once they pass.
SAMPLE_CONFIG = Path(str(resources.files("packstation.data") / "station-sample.toml"))


class StationProcess:
    def __init__(
        self,
        db_url: str,
        scanner_port: str,
        scale_port: str,
        spool: Path,
        station: str = "PS-E2E",
        *,
        term: str = "xterm-256color",
        extra_args: tuple[str, ...] = (),
        config: Path | None = SAMPLE_CONFIG,
    ) -> None:
        self.db_url = db_url
        self.station = station
        self.term = term
        self.args = [
            sys.executable,
            "-m",
            "packstation",
            *(("--config", str(config)) if config else ()),
            "run",
            "--db",
            db_url,
            "--station",
            station,
            "--scanner",
            scanner_port,
            "--scale",
            scale_port,
            "--scale-protocol",
            "mt-sics",
            "--printer",
            f"dir://{spool}",
            "--locale",
            "en",
            *extra_args,
        ]
        self.output = bytearray()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.started = datetime.now(UTC)
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = {**os.environ, "TERM": self.term, "COLUMNS": "80", "LINES": "24"}
        for name in ("TEXTUAL", "COLORTERM", "TEXTUAL_DRIVER", "TEXTUAL_COLOR_SYSTEM"):
            env.pop(name, None)
        self.proc = subprocess.Popen(
            self.args,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self._master: int | None = master
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                data = os.read(self._master, 65536)
            except OSError:
                return
            if not data:
                return
            self.output += data

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a power cut of the process."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        master, self._master = getattr(self, "_master", None), None
        if master is not None:  # killed once already (or never started)
            os.close(master)

    def state(self) -> PackState:
        """What a restarted station would resume: the committed records, replayed."""
        db = open_database(self.db_url)
        try:
            with db.sessions() as session:
                return replay(StationStore(self.station).load_records(session))
        finally:
            db.dispose()

    def screen_text(self) -> str:
        """The terminal output with escape sequences removed (for failure messages)."""
        import re

        text = bytes(self.output).decode("utf-8", "replace")
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", " ", text)

    def devices(self) -> dict[str, object]:
        """Device states this run reported (a previous run's are ignored)."""
        db = open_database(self.db_url)
        try:
            with db.sessions() as session:
                row = session.get(Station, self.station)
                if row is None or row.heartbeat_at is None or row.heartbeat_at < self.started:
                    return {}
                return dict(row.devices)
        finally:
            db.dispose()

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Until both serial devices are open: scans sent earlier would go nowhere."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            devices = self.devices()
            if all(
                isinstance(devices.get(d), dict) and devices[d].get("state") == "connected"  # type: ignore[union-attr]
                for d in ("scanner", "scale")
            ):
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"station exited: {bytes(self.output[-2000:])!r}")
            time.sleep(0.05)
        raise AssertionError(f"devices not connected: {self.devices()}")

    def wait_for(
        self, predicate: Callable[[PackState], bool], timeout: float = 20.0, what: str = ""
    ) -> PackState:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if predicate(state):
                return state
            if self.proc is not None and self.proc.poll() is not None:
                tail = bytes(self.output[-2000:]).decode("utf-8", "replace")
                raise AssertionError(f"station exited ({self.proc.returncode}): {tail}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out waiting for {what}; state step {state.step}; "
                    f"screen: {self.screen_text()[-1500:]}"
                )
            time.sleep(0.05)
