"""One serial port owned by one thread: exclusive open, reconnect with backoff, status reports.

Shared by the scanner and scale drivers so both follow the same rules: a lost
port is reported at once (reads use short timeouts), reopening is retried with
a backoff capped at 1 s (so a returning device is back within ~1 s), and a port
locked by another process is reported as busy rather than as unplugged.
"""

from __future__ import annotations

import errno
import logging
import os
import termios
import threading
from abc import ABC, abstractmethod
from typing import Any

import serial

from packstation.devices.base import DeviceState, DeviceStatus, SerialSettings, StatusCallback

log = logging.getLogger(__name__)

BACKOFF_START_S = 0.2
BACKOFF_MAX_S = 1.0
_BUSY_ERRNOS = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EBUSY)


class PortError(Exception):
    """Opening a port failed; `status` says whether it is missing, busy or forbidden."""

    def __init__(self, status: DeviceStatus) -> None:
        super().__init__(status.detail)
        self.status = status


def is_pty(url: str) -> bool:
    return "://" not in url and os.path.realpath(url).startswith("/dev/pts/")


def open_serial(
    url: str, settings: SerialSettings, *, timeout: float, write_timeout: float = 1.0
) -> Any:
    """Open a device path or any pyserial URL (socket://, loop://) with an exclusive lock."""
    try:
        return _open(url, settings, timeout, write_timeout)
    except termios.error as exc:
        # Some kernels refuse 7-bit/parity on pseudo-terminals (EINVAL); a pty has
        # no UART, so its framing is meaningless and 8N1 is exactly equivalent.
        if not is_pty(url):
            return _raise_config(url, settings, exc)
        log.info("%s is a pseudo-terminal: using 8N1 instead of %s", url, settings.describe())
        try:
            return _open(url, settings.replace(bytesize=8, parity="N"), timeout, write_timeout)
        except termios.error as again:
            return _raise_config(url, settings, again)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortError(status_for_error(url, exc)) from exc


def _open(url: str, settings: SerialSettings, timeout: float, write_timeout: float) -> Any:
    try:
        return serial.serial_for_url(
            url,
            baudrate=settings.baudrate,
            bytesize=settings.bytesize,
            parity=settings.parity,
            stopbits=settings.stopbits,
            timeout=timeout,
            write_timeout=write_timeout,
            exclusive=True,
        )
    except termios.error:
        raise
    except (serial.SerialException, OSError, ValueError) as exc:
        raise PortError(status_for_error(url, exc)) from exc


def _raise_config(url: str, settings: SerialSettings, exc: termios.error) -> Any:
    text = " ".join(str(a) for a in exc.args[1:]) or str(exc)
    raise PortError(
        DeviceStatus(DeviceState.ERROR, f"cannot set {url} to {settings.describe()}: {text}")
    ) from exc


def status_for_error(url: str, exc: BaseException) -> DeviceStatus:
    """Turn an open/read failure into what the status bar should say."""
    code = getattr(exc, "errno", None)
    text = " ".join(str(exc).split())
    if code in _BUSY_ERRNOS or "exclusively lock" in text:
        return DeviceStatus(
            DeviceState.BUSY, f"{url} is in use by another program (exclusive lock)"
        )
    if code == errno.ENOENT or "No such file or directory" in text:
        return DeviceStatus(DeviceState.DISCONNECTED, f"{url} not found (unplugged?)")
    if code in (errno.EACCES, errno.EPERM) or "Permission denied" in text:
        return DeviceStatus(
            DeviceState.ERROR, f"no permission to open {url} (is the user in group dialout?)"
        )
    if isinstance(exc, ValueError):
        return DeviceStatus(DeviceState.ERROR, f"cannot open {url}: {text}")
    return DeviceStatus(DeviceState.DISCONNECTED, f"{url}: {text}")


def _settings_of(port: Any, fallback: SerialSettings) -> SerialSettings:
    try:
        return SerialSettings(port.baudrate, port.bytesize, port.parity, port.stopbits)
    except (AttributeError, TypeError, ValueError):
        return fallback


def close_quietly(port: Any) -> None:
    try:
        port.close()
    except Exception:  # closing a vanished device may fail; nothing left to do
        log.debug("closing port failed", exc_info=True)


class PortWorker(ABC):
    """Runs `_session` on an open port in a daemon thread, reopening it whenever it is lost."""

    kind = "device"

    def __init__(
        self,
        url: str,
        settings: SerialSettings,
        on_status: StatusCallback,
        *,
        read_timeout: float,
    ) -> None:
        self.url = url
        self.settings = settings
        self.on_status = on_status
        self.read_timeout = read_timeout
        self.active_settings = settings  # what the open port really uses (see open_serial)
        self._status = DeviceStatus(DeviceState.DISCONNECTED, "not started")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def status(self) -> DeviceStatus:
        return self._status

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"packstation-{self.kind}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to finish; it notices within one read timeout."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _report(self, status: DeviceStatus) -> None:
        """Tell the UI about a change (repeats are swallowed: a retry loop must not flood it)."""
        with self._lock:
            if status == self._status or self._stop.is_set():
                return
            self._status = status
        log.info("%s %s: %s", self.kind, self.url, status)
        try:
            self.on_status(status)
        except Exception:
            log.exception("%s status callback failed", self.kind)

    def _connected_detail(self) -> str:
        return f"{self.url} ({self.active_settings.describe()})"

    def _run(self) -> None:
        delay = BACKOFF_START_S
        while not self._stop.is_set():
            try:
                port = open_serial(self.url, self.settings, timeout=self.read_timeout)
            except PortError as exc:
                self._report(exc.status)
                self._stop.wait(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
                continue
            delay = BACKOFF_START_S
            self.active_settings = _settings_of(port, self.settings)
            self._report(DeviceStatus(DeviceState.CONNECTED, self._connected_detail()))
            try:
                self._session(port)
            except (serial.SerialException, OSError) as exc:
                reason = " ".join(str(exc).split())
                self._report(DeviceStatus(DeviceState.DISCONNECTED, f"{self.url} lost: {reason}"))
                self._on_lost()
            except Exception as exc:  # a bug must not kill the thread: report, back off, retry
                log.exception("%s driver failed", self.kind)
                self._report(DeviceStatus(DeviceState.ERROR, f"internal error: {exc}"))
                self._on_lost()
                self._stop.wait(BACKOFF_MAX_S)
            finally:
                close_quietly(port)

    @abstractmethod
    def _session(self, port: Any) -> None:
        """Use the open port until `self._stop` is set; raise SerialException/OSError if lost."""

    def _on_lost(self) -> None:  # noqa: B027 - an optional hook, not abstract
        """Hook: the port went away (e.g. tell the UI the weight is no longer valid)."""
