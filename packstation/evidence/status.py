"""`recorder.json`: what the recorder is doing, for the station's device bar.

The recorder rewrites it atomically on every change of state and at least every
`HEARTBEAT_S` while it runs, so a reader can tell a dead recorder (an old file) from a
live one without asking the process: `read_status` turns an old or missing file into
`not_running`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from packstation.evidence.files import write_atomic

__all__ = ["HEARTBEAT_S", "STATES", "RecorderStatus", "read_status", "write_status"]

#: recording: frames arrive and are written. stalled: the camera delivered frames in
#: this run, then stopped (unplugged, network, frozen); the recorder reconnects.
#: no_camera: no camera configured, a V4L2 device that is not there, or a camera that
#: never answered since the recorder started. not_running: only from `read_status`.
State = Literal["recording", "stalled", "no_camera", "not_running"]
STATES: tuple[State, ...] = ("recording", "stalled", "no_camera", "not_running")
#: The recorder writes the file at least this often while it runs.
HEARTBEAT_S = 2.0


@dataclass(frozen=True, slots=True)
class RecorderStatus:
    station_id: str
    state: State
    updated_at: datetime
    last_frame_at: datetime | None = None
    detail: str = ""
    #: "copy h264 1280x720" or "encode mjpeg 1280x720 -> h264 10 fps".
    mode: str = ""
    segment: str = ""
    pid: int | None = None

    @property
    def ok(self) -> bool:
        return self.state == "recording"

    def to_json(self) -> dict[str, Any]:
        return {
            "station": self.station_id,
            "state": self.state,
            "updated_at": self.updated_at.isoformat(),
            "last_frame_at": self.last_frame_at.isoformat() if self.last_frame_at else None,
            "detail": self.detail,
            "mode": self.mode,
            "segment": self.segment,
            "pid": self.pid,
        }


def write_status(path: Path, status: RecorderStatus) -> None:
    data = json.dumps(status.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
    write_atomic(path, data)


def read_status(
    path: Path, station_id: str, *, now: datetime, stale_after_s: float = 3 * HEARTBEAT_S + 2
) -> RecorderStatus:
    """The recorder's last word, or `not_running` when there is none or it is too old."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        state = data["state"]
        updated = datetime.fromisoformat(data["updated_at"])
        last = data.get("last_frame_at")
        status = RecorderStatus(
            station_id=str(data.get("station", station_id)),
            state=state if state in STATES else "not_running",
            updated_at=updated,
            last_frame_at=datetime.fromisoformat(last) if last else None,
            detail=str(data.get("detail", "")),
            mode=str(data.get("mode", "")),
            segment=str(data.get("segment", "")),
            pid=data.get("pid") if isinstance(data.get("pid"), int) else None,
        )
    except FileNotFoundError:
        return RecorderStatus(station_id, "not_running", now, detail="no recorder.json")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return RecorderStatus(station_id, "not_running", now, detail=f"unreadable: {exc}")
    if now - status.updated_at > timedelta(seconds=stale_after_s):
        age = (now - status.updated_at).total_seconds()
        return RecorderStatus(
            status.station_id,
            "not_running",
            status.updated_at,
            status.last_frame_at,
            detail=f"recorder silent for {age:.0f} s (was {status.state})",
        )
    return status
