"""Typed messages from worker/device threads to the UI (posted, never called directly)."""

from __future__ import annotations

from textual.message import Message

from packstation.devices.base import DeviceStatus, ScaleReading
from packstation.station.results import RunResult


class WorkflowUpdated(Message):
    """The runner committed (or refused) a command: render this state."""

    def __init__(self, result: RunResult) -> None:
        super().__init__()
        self.result = result


class ScannerLine(Message):
    """One frame from the serial scanner (already stripped of control bytes but GS)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class ScaleUpdate(Message):
    def __init__(self, reading: ScaleReading) -> None:
        super().__init__()
        self.reading = reading


class DeviceChanged(Message):
    def __init__(self, device: str, status: DeviceStatus) -> None:
        super().__init__()
        self.device = device
        self.status = status
