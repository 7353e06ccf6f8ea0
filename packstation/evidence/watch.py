"""The camera on the station's device bar: the recorder's `recorder.json`, read in a thread.

`CameraWatch` behaves like the station's other devices (`start`, `stop`, `on_status`):
the station app wires it like the scanner and the scale, so its state reaches the
device bar as a posted message and the station row (the lead's stations panel) as a
device note. It reads the file every `interval_s` in its own thread, never on the UI
loop, and reports only changes. `camera_state` is what the workflow's context hands
to the claim (`packstation.domain.evidence`): read from any thread.
"""

from __future__ import annotations

import logging
import threading

from packstation.clock import Clock, utcnow
from packstation.devices.base import DeviceState, DeviceStatus, StatusCallback
from packstation.domain.evidence import CameraState
from packstation.evidence.settings import EvidenceSettings
from packstation.evidence.status import RecorderStatus, read_status

__all__ = ["CameraWatch", "device_status"]

log = logging.getLogger(__name__)

#: The recorder's state as a device state: recording is "connected"; a camera that is
#: not there is "disconnected" (unplugged); a stalled stream or no recorder is an error.
_DEVICE_STATE = {
    "recording": DeviceState.CONNECTED,
    "no_camera": DeviceState.DISCONNECTED,
    "stalled": DeviceState.ERROR,
    "not_running": DeviceState.ERROR,
}


def device_status(status: RecorderStatus) -> DeviceStatus:
    """The device bar's view of a recorder status; the detail starts with the state."""
    detail = status.state + (f": {status.detail}" if status.detail else "")
    return DeviceStatus(_DEVICE_STATE.get(status.state, DeviceState.ERROR), detail[:200])


def _noop(status: DeviceStatus) -> None:
    pass


class CameraWatch:
    def __init__(
        self, settings: EvidenceSettings, *, clock: Clock = utcnow, interval_s: float = 1.0
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.interval_s = interval_s
        self.on_status: StatusCallback = _noop
        self._status: RecorderStatus | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def status(self) -> RecorderStatus | None:
        """The last status read (None: not read yet)."""
        return self._status

    def camera_state(self) -> CameraState:
        status = self._status
        required = self.settings.camera.required
        if status is None:
            return CameraState("unknown", required)
        return CameraState(status.state, required, status.detail)

    def poll(self) -> RecorderStatus:
        """Read the file once; report a change. (The thread calls it; tests may too.)"""
        paths = self.settings.station()
        status = read_status(paths.status_file, self.settings.station_id, now=self.clock())
        before, self._status = self._status, status
        # Changes of state only: a silent recorder's detail counts its seconds.
        if before is None or before.state != status.state:
            log.info("camera %s: %s %s", self.settings.station_id, status.state, status.detail)
            self.on_status(device_status(status))
        return status

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self.poll()
            except Exception:  # the watch must outlive anything one read does
                log.exception("reading the recorder's status failed")
            if self._stop.wait(self.interval_s):
                return

    def stop(self) -> None:
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2)
