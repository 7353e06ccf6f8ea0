"""What a lead hands to a marketplace: the order's clip, its photos and a JSON sidecar
with the order, station, packer, time range, timeline and the SHA-256 of every file.

    <out>.mp4            the clip (claim -> last label scan-back, subtitles)
    <out>.json           the sidecar
    <out>.photo-<n>.jpg  each photo of the order (any station), copied
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from packstation.evidence.clips import Clip, cut_clip
from packstation.evidence.events import record_clip
from packstation.evidence.files import EvidenceError, sha256_file, write_atomic
from packstation.evidence.photos import order_photos
from packstation.evidence.settings import EvidenceSettings
from packstation.evidence.timeline import OrderTimeline, order_timeline
from packstation.filenames import UnsafeFileName, safe_file_name
from packstation.models.db import Database

__all__ = ["Export", "default_output", "export_order"]


@dataclass(frozen=True, slots=True)
class Export:
    clip: Clip
    sidecar: Path
    photos: tuple[tuple[Path, str], ...]
    timeline: OrderTimeline
    #: The clip's SHA-256 was stored as an `evidence.clip` event now (False: the same clip
    #: was stored before).
    hash_stored: bool = False


def default_output(order_id: str) -> Path:
    """`<order>.mp4` in the current folder, the order id made a safe file name."""
    try:
        return Path(safe_file_name(order_id) + ".mp4")
    except UnsafeFileName as exc:
        raise EvidenceError(f"no file name can be made from order {order_id!r}: use -o") from exc


def export_order(
    db: Database,
    settings: EvidenceSettings,
    order_id: str,
    out: Path,
    *,
    now: datetime,
    tz: tzinfo,
) -> Export:
    """Clip, photos and sidecar of `order_id`; EvidenceError (one line) when it cannot."""
    with db.engine.connect() as conn:
        timeline = order_timeline(conn, order_id)
    if out.suffix.lower() != ".mp4":
        out = out.with_name(out.name + ".mp4")
    folder = settings.station(timeline.station_id).segments
    clip = cut_clip(
        folder,
        timeline.start,
        timeline.end,
        timeline.pairs(),
        out,
        tz=tz,
        metadata={
            "title": f"packing of order {order_id} at {timeline.station_id}",
            "comment": f"packer: {timeline.packer or '?'}",
            "creation_time": clip_time(timeline.start),
        },
    )
    photos = []
    for i, photo in enumerate(order_photos(settings.dir, order_id), start=1):
        target = out.with_name(f"{out.stem}.photo-{i}.jpg")
        shutil.copyfile(photo.path, target)
        digest = sha256_file(target)
        if digest != photo.sha256:
            raise EvidenceError(f"photo {photo.path} changed while it was copied")
        photos.append((target, digest, photo))
    sidecar = out.with_suffix(".json")
    body: dict[str, Any] = {
        "order": order_id,
        "station": timeline.station_id,
        "packer": {"id": timeline.packer_id, "name": timeline.packer},
        "claimed_at": timeline.start.isoformat(),
        "packed_at": timeline.end.isoformat(),
        "exported_at": now.isoformat(),
        "clip": clip.to_json(),
        "photos": [
            {
                "file": target.name,
                "sha256": digest,
                "taken_at": photo.taken_at.isoformat(),
                "station": photo.path.parent.parent.parent.name,
                "name": photo.path.name,
            }
            for target, digest, photo in photos
        ],
        "timeline": timeline.to_json(),
        "subtitle_times": f"UTC{clip_offset(timeline.start, tz)}",
    }
    write_atomic(sidecar, json.dumps(body, ensure_ascii=False, indent=2).encode("utf-8"))
    # Its hash with the order's events: a clip handed over later can be checked against it.
    with db.unit_of_work() as session:
        stored = record_clip(
            session,
            order_id=order_id,
            station_id=timeline.station_id,
            clip=clip,
            now=now,
            via="export",
        )
    return Export(clip, sidecar, tuple((t, d) for t, d, _ in photos), timeline, stored)


def clip_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clip_offset(at: datetime, tz: tzinfo) -> str:
    offset = at.astimezone(tz).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}" if offset else "+00:00"
