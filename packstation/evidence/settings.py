"""`[camera]` and `[evidence]` from the station config (`StationConfig.raw`), and where the
evidence of one station lives on disk.

    [camera]
    url = "rtsp://cam-ps01.local/stream1"   # RTSP, HTTP MJPEG, or a V4L2 device (/dev/video0)
    fps = 10                                # frames per second when encoding (MJPEG, USB)
    required = false                        # true: the station refuses claims without video
    crf = 28                                # x264 quality when encoding (lower: better, bigger)
    max_kbps = 2000                         # bitrate cap when encoding (0: none): disk per hour
    open_timeout_s = 10
    read_timeout_s = 5
    options = { rtsp_transport = "tcp" }    # FFmpeg input options, passed as given

    [evidence]
    dir = "/var/lib/packstation/evidence"
    segment_s = 10
    keep_days = 30
    max_gb = 200
    prune_every_s = 300
    clips_every_s = 30                      # the recorder cuts each packed order's clip

The camera URL may hold a password: it is shown only through `CameraSettings.shown_url`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

__all__ = [
    "CameraSettings",
    "EvidenceConfigError",
    "EvidenceSettings",
    "StationPaths",
    "default_evidence_dir",
]


class EvidenceConfigError(ValueError):
    """The `[camera]` or `[evidence]` section cannot work; the message names the key."""


def default_evidence_dir() -> Path:
    return Path(platformdirs.user_data_dir("packstation")) / "evidence"


@dataclass(frozen=True, slots=True)
class CameraSettings:
    """Where the picture comes from. An empty `url` means no camera at this station."""

    url: str = ""
    fps: float = 10.0
    required: bool = False
    crf: int = 28
    #: Encoding only: x264's VBV cap, so a noisy picture cannot fill the disk (0: no cap).
    max_kbps: int = 2000
    open_timeout_s: float = 10.0
    read_timeout_s: float = 5.0
    options: dict[str, str] = field(default_factory=dict)

    @property
    def is_device(self) -> bool:
        """A V4L2 device path (USB camera) rather than a network URL."""
        return "://" not in self.url and self.url.startswith("/dev/")

    def input_format(self) -> str | None:
        """The FFmpeg demuxer to force: v4l2 for devices; probed for everything else."""
        return "v4l2" if self.is_device else None

    def input_options(self) -> dict[str, str]:
        """RTSP over TCP by default (UDP loses packets on a busy warehouse network); a probe
        of at most a second (the frames it reads arrive late, all at once)."""
        options = dict(self.options)
        if self.url.lower().startswith("rtsp"):
            options.setdefault("rtsp_transport", "tcp")
        if not self.is_device:
            options.setdefault("analyzeduration", "1000000")
        return options

    @property
    def shown_url(self) -> str:
        """The URL for messages and the status file: never the credentials or the query."""
        if "://" not in self.url:
            return self.url
        try:
            parts = urlsplit(self.url)
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
        except ValueError:
            return "<unreadable URL>"
        host = f"[{host}]" if ":" in host else host
        return f"{parts.scheme}://{host}{port}{parts.path}"


@dataclass(frozen=True, slots=True)
class StationPaths:
    """One station's evidence folder: segments, photos, the still and the status file."""

    root: Path

    @property
    def segments(self) -> Path:
        return self.root / "segments"

    @property
    def photos(self) -> Path:
        return self.root / "photos"

    @property
    def clips(self) -> Path:
        """Each packed order's clip, cut by the recorder (`autoclip.py`)."""
        return self.root / "clips"

    @property
    def latest_jpg(self) -> Path:
        return self.root / "latest.jpg"

    @property
    def status_file(self) -> Path:
        return self.root / "recorder.json"


@dataclass(frozen=True, slots=True)
class EvidenceSettings:
    station_id: str
    dir: Path
    segment_s: float = 10.0
    keep_days: float = 30.0
    max_gb: float | None = None
    prune_every_s: float = 300.0
    #: How often the recorder looks for packed orders without a clip (`autoclip.py`).
    clips_every_s: float = 30.0
    camera: CameraSettings = field(default_factory=CameraSettings)

    def station(self, station_id: str | None = None) -> StationPaths:
        """This station's folder (or another's, for exports and retention on a shared dir)."""
        from packstation.filenames import safe_file_name

        return StationPaths(self.dir / safe_file_name(station_id or self.station_id))

    @property
    def max_bytes(self) -> int | None:
        return None if self.max_gb is None else int(self.max_gb * 1024**3)

    @classmethod
    def from_config(
        cls, raw: dict[str, Any], station_id: str, base_dir: Path | None = None
    ) -> EvidenceSettings:
        """Both sections; each absent key keeps its default. A relative `dir` is relative to
        the config file, like the SQLite path."""
        camera = _table(raw, "camera")
        evidence = _table(raw, "evidence")
        url = camera.get("url", "")
        if not isinstance(url, str):
            raise EvidenceConfigError("camera.url must be a string (URL or /dev/video* path)")
        required = camera.get("required", False)
        if not isinstance(required, bool):
            raise EvidenceConfigError("camera.required must be true or false")
        options = camera.get("options", {})
        if not isinstance(options, dict):
            raise EvidenceConfigError("camera.options must be a table of FFmpeg options")
        cam = CameraSettings(
            url=url.strip(),
            fps=_number(camera, "camera", "fps", 10.0, 1, 30),
            required=required,
            crf=int(_number(camera, "camera", "crf", 28, 0, 51, whole=True)),
            max_kbps=int(_number(camera, "camera", "max_kbps", 2000, 0, 100_000, whole=True)),
            open_timeout_s=_number(camera, "camera", "open_timeout_s", 10.0, 1, 120),
            read_timeout_s=_number(camera, "camera", "read_timeout_s", 5.0, 1, 120),
            options={str(k): str(v) for k, v in options.items()},
        )
        folder = evidence.get("dir")
        if folder is not None and (not isinstance(folder, str) or not folder.strip()):
            raise EvidenceConfigError("evidence.dir must be a folder path")
        path = Path(folder).expanduser() if folder else default_evidence_dir()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        max_gb = evidence.get("max_gb")
        return cls(
            station_id=station_id,
            dir=path,
            segment_s=_number(evidence, "evidence", "segment_s", 10.0, 1, 60),
            keep_days=_number(evidence, "evidence", "keep_days", 30.0, 0.01, 3650),
            max_gb=None
            if max_gb is None
            else _number(evidence, "evidence", "max_gb", 0.0, 0.001, 1e6),
            prune_every_s=_number(evidence, "evidence", "prune_every_s", 300.0, 5, 86400),
            clips_every_s=_number(evidence, "evidence", "clips_every_s", 30.0, 1, 3600),
            camera=cam,
        )


def _table(raw: dict[str, Any], name: str) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise EvidenceConfigError(f"[{name}] must be a table")
    return table


def _number(
    table: dict[str, Any],
    section: str,
    key: str,
    default: float,
    low: float,
    high: float,
    *,
    whole: bool = False,
) -> float:
    value = table.get(key, default)
    kinds = int if whole else int | float
    ok = not isinstance(value, bool) and isinstance(value, kinds) and math.isfinite(value)
    if not ok or not low <= value <= high:
        what = "a whole number" if whole else "a number"
        raise EvidenceConfigError(f"{section}.{key} must be {what} from {low:g} to {high:g}")
    return float(value)
