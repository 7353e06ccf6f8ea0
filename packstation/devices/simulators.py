"""Scanner and scale simulators on pseudo-terminals, so the demo and the tests run the
real serial code path (pyserial, termios, exclusive locks) without hardware.

`.port` is a symlink in a private temp dir (or a path you choose) pointing at
the pty's slave. `close()` unplugs: the pty is closed and the link removed,
exactly like a USB device node vanishing. `reopen()` replugs: a new pty (a new
/dev/pts number) behind the same link, so a driver retrying `.port` finds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import queue
import random
import select
import shutil
import struct
import tempfile
import termios
import threading
import time
import tty
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import TracebackType

from packstation.devices.base import ScaleState
from packstation.devices.scales import get_protocol
from packstation.devices.sim_replies import GARBAGE, SimState, replies_for

log = logging.getLogger(__name__)

SCRIPTS = ("stable", "ramp", "motion", "overload", "garbage")


class PtyPort:
    """One pty pair behind a stable symlink; `close`/`open` imitate unplug/replug."""

    def __init__(self, link: str | os.PathLike[str] | None = None) -> None:
        self._tmpdir: str | None = None
        if link is None:
            self._tmpdir = tempfile.mkdtemp(prefix="packstation-sim-")
            link = Path(self._tmpdir) / "tty"
        self.port = str(link)
        if os.path.lexists(self.port) and not os.path.islink(self.port):
            raise FileExistsError(f"{self.port} exists and is not a symlink; not replacing it")
        self.master = -1
        self.slave = -1
        self.pty_name = ""
        self.open()

    @property
    def is_open(self) -> bool:
        return self.master >= 0

    def open(self) -> None:
        if self.is_open:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        # The slave fd stays open here too: without any slave opener, reads on
        # the master fail with EIO while a driver reconnects.
        self.master, self.slave = master, slave
        self.pty_name = os.ttyname(slave)
        tmp = f"{self.port}.{os.getpid()}.new"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        os.symlink(self.pty_name, tmp)
        os.replace(tmp, self.port)

    def close(self) -> None:
        """Unplug: remove the link and close both ends (a driver's reads fail at once)."""
        if not self.is_open:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.port)
        os.close(self.master)
        os.close(self.slave)
        self.master = self.slave = -1

    def destroy(self) -> None:
        self.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def unread(self) -> int:
        """Bytes written to the port that no reader has taken yet."""
        if not self.is_open:
            return 0
        return int(struct.unpack("I", fcntl.ioctl(self.slave, termios.FIONREAD, b"\0" * 4))[0])

    def read(self) -> bytes:
        try:
            return os.read(self.master, 4096)
        except (BlockingIOError, InterruptedError):
            return b""

    def write(self, data: bytes, timeout: float) -> int:
        """Write what fits within `timeout` (0: what fits now; the rest is lost, like a
        scale talking to an unplugged cable). Returns the bytes written."""
        view, done = memoryview(data), 0
        deadline = time.monotonic() + timeout
        while done < len(data):
            try:
                done += os.write(self.master, view[done:])
                continue
            except BlockingIOError:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                break
            select.select([], [self.master], [], left)
        return done


#: How long a pty's input queue must read empty before written bytes count as taken.
DRAIN_SETTLE_S = 0.1


class ScannerSimulator:
    """A serial scanner: `send("4601234567893")` arrives at `.port` as one frame."""

    def __init__(self, link: str | os.PathLike[str] | None = None) -> None:
        self._pty = PtyPort(link)

    @property
    def port(self) -> str:
        return self._pty.port

    @property
    def pty_name(self) -> str:
        return self._pty.pty_name

    def send(self, code: str, suffix: str = "\r") -> None:
        self.send_bytes(code.encode("utf-8") + suffix.encode("utf-8"))

    def send_bytes(self, data: bytes, timeout: float = 5.0) -> None:
        if not self._pty.is_open:
            raise OSError("scanner simulator is unplugged")
        if self._pty.write(data, timeout) < len(data):
            raise TimeoutError(f"nobody read {self.port} for {timeout:g} s")

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until a reader has taken everything sent (closing first would lose it).

        Bytes written to a pty's master reach the slave's input queue a moment later
        (the kernel pushes them from a work queue): right after a write the queue can
        still read empty. So the queue must stay empty for `DRAIN_SETTLE_S` in a row.
        """
        deadline = time.monotonic() + timeout
        empty_since: float | None = None
        while True:
            now = time.monotonic()
            if self._pty.unread():
                empty_since = None
            elif empty_since is None:
                empty_since = now
            elif now - empty_since >= DRAIN_SETTLE_S:
                return True
            if now > deadline:
                return False
            time.sleep(0.01)

    def close(self) -> None:
        self._pty.close()

    def reopen(self) -> None:
        self._pty.close()
        self._pty.open()

    def shutdown(self) -> None:
        self._pty.destroy()

    def __enter__(self) -> ScannerSimulator:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()


class ScaleSimulator:
    """A scale answering its protocol (or streaming) from a settable state, in a thread."""

    def __init__(
        self,
        protocol: str,
        *,
        link: str | os.PathLike[str] | None = None,
        grams: Decimal | float | int = 0,
        unit: str | None = None,
        variant: str = "cas",
        stream_hz: float = 10.0,
        repeat_as_status: bool = False,
    ) -> None:
        self.protocol = get_protocol(protocol)
        self.replies = replies_for(
            self.protocol.name, variant=variant, repeat_as_status=repeat_as_status
        )
        self.stream_hz = stream_hz
        self.requests = 0
        self._lock = threading.Lock()
        self._gross = Decimal(str(grams))
        self._zero = Decimal(0)
        self._tare = Decimal(0)
        self._stable = True
        self._state = ScaleState.OK
        self._unit = unit or self.protocol.default_unit or "kg"
        self._garbage = False
        self._script_stop = threading.Event()
        self._script: threading.Thread | None = None
        self._pty = PtyPort(link)
        self._calls: queue.SimpleQueue[tuple[Callable[[], None], threading.Event]]
        self._calls = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        self._done = False
        self._thread = threading.Thread(target=self._run, name="scale-simulator", daemon=True)
        self._thread.start()

    @property
    def port(self) -> str:
        return self._pty.port

    @property
    def pty_name(self) -> str:
        return self._pty.pty_name

    # -- state ---------------------------------------------------------------

    def set_weight(self, grams: Decimal | float | int, stable: bool = True) -> None:
        """The load on the platform; the scale shows it minus zero offset and tare."""
        with self._lock:
            self._gross = Decimal(str(grams))
            self._stable = stable
            self._state = ScaleState.OK
            self._garbage = False

    def set_state(self, state: ScaleState | str) -> None:
        """overload, underload, motion, zero_error, error, offline (silent), or ok."""
        state = ScaleState(state)
        with self._lock:
            self._garbage = False
            if state is ScaleState.MOTION:
                self._state, self._stable = ScaleState.OK, False
            else:
                self._state = state
                self._stable = state is ScaleState.OK or self._stable

    def set_unit(self, unit: str) -> None:
        with self._lock:
            self._unit = unit

    def set_garbage(self, on: bool = True) -> None:
        """Answer with line noise, like a scale at the wrong baud rate."""
        with self._lock:
            self._garbage = on

    def snapshot(self) -> SimState:
        with self._lock:
            net = self._gross - self._zero - self._tare
            return SimState(net, self._stable, self._state, self._unit)

    def script(self, name: str, grams: Decimal | float | int | None = None) -> None:
        """Run a behaviour: stable, ramp (loops), motion (never settles), overload, garbage."""
        if name not in SCRIPTS:
            raise ValueError(f"unknown script {name!r}: use one of {', '.join(SCRIPTS)}")
        self._stop_script()
        target = Decimal(str(grams)) if grams is not None else self.snapshot().grams
        if grams is None and not target:
            target = Decimal(1250)
        if name == "stable":
            self.set_weight(target)
        elif name == "overload":
            self.set_state(ScaleState.OVERLOAD)
        elif name == "garbage":
            self.set_garbage(True)
        else:
            body = self._ramp if name == "ramp" else self._motion
            self._script_stop.clear()
            self._script = threading.Thread(target=body, args=(target,), daemon=True)
            self._script.start()

    def _ramp(self, target: Decimal) -> None:
        wait = self._script_stop.wait
        while True:
            for start, end, rest in ((Decimal(0), target, 3.0), (target, Decimal(0), 2.0)):
                for step in range(1, 11):
                    self.set_weight(start + (end - start) * step / 10, stable=False)
                    if wait(0.1):
                        return
                self.set_weight(end)
                if wait(rest):
                    return

    def _motion(self, target: Decimal) -> None:
        rng = random.Random(4)
        while not self._script_stop.wait(0.1):
            wobble = Decimal(rng.randint(-50, 50)) / 1000
            self.set_weight(target * (1 + wobble), stable=False)

    def _stop_script(self) -> None:
        self._script_stop.set()
        if self._script is not None:
            self._script.join(1)
            self._script = None

    # -- plug ----------------------------------------------------------------

    def close(self) -> None:
        """Unplug (the answering thread keeps running, with nothing to answer)."""
        self._call(self._pty.close)

    def reopen(self) -> None:
        self._call(self._pty.close)
        self._call(self._pty.open)

    def shutdown(self) -> None:
        self._stop_script()
        if not self._done:
            self._call(self._finish)
            self._thread.join(2)
            os.close(self._wake_r)
            os.close(self._wake_w)
        self._pty.destroy()

    def __enter__(self) -> ScaleSimulator:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.shutdown()

    def _finish(self) -> None:
        self._done = True

    def _call(self, fn: Callable[[], None]) -> None:
        """Run `fn` in the simulator thread: only that thread touches the pty."""
        done = threading.Event()
        self._calls.put((fn, done))
        os.write(self._wake_w, b"x")
        if not done.wait(5):
            raise TimeoutError("scale simulator thread did not respond")

    # -- the thread ----------------------------------------------------------

    def _run(self) -> None:
        next_line = time.monotonic()
        while not self._done:
            while not self._calls.empty():
                fn, done = self._calls.get_nowait()
                try:
                    fn()
                finally:
                    done.set()
            if self._done:
                break
            fds = [self._wake_r]
            timeout = 0.5
            if self._pty.is_open:
                fds.append(self._pty.master)
                if self.replies.streams:
                    timeout = max(0.0, next_line - time.monotonic())
            ready, _, _ = select.select(fds, [], [], timeout)
            if self._wake_r in ready:
                os.read(self._wake_r, 512)
            if not self._pty.is_open:
                continue
            try:
                if self._pty.master in ready:
                    self._answer(self._pty.read())
                if self.replies.streams and time.monotonic() >= next_line:
                    next_line = max(next_line + 1 / self.stream_hz, time.monotonic())
                    self._send(self._line())
            except Exception:  # keep answering; a broken reply must not kill the scale
                log.exception("scale simulator failed to answer")

    def _answer(self, data: bytes) -> None:
        if not data:
            return
        state = self.snapshot()
        reply, commands = self.replies.answer(data, state)
        self.requests += len(commands)
        for command in commands:
            self._apply(command)
        if state.state is ScaleState.OFFLINE:
            return
        self._send(GARBAGE * len(commands) if self._garbage else reply)

    def _line(self) -> bytes:
        state = self.snapshot()
        if self._garbage:
            return GARBAGE
        return b"" if state.state is ScaleState.OFFLINE else self.replies.stream(state)

    def _apply(self, command: str) -> None:
        with self._lock:
            if self._state is not ScaleState.OK:
                return
            if command == "Z":
                self._zero, self._tare = self._gross, Decimal(0)
            elif command == "T":
                self._tare = self._gross - self._zero
            elif command == "C":
                self._tare = Decimal(0)

    def _send(self, data: bytes) -> None:
        if data:
            self._pty.write(data, 0)
