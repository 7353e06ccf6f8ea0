"""Packing evidence at the claim: may this order be claimed with the camera as it is?

Pure: the station reads the recorder's state (`packstation.evidence.status`) off the UI
loop and hands it in as a `CameraState` through the workflow's context; the machine asks
`claim_evidence` at every claim. `[camera] required = true` refuses the claim while
there is no recent video; otherwise the order is claimed and marked "no evidence" (an
`evidence.missing` record), so a lead knows which clips will not exist.
"""

from __future__ import annotations

import enum

from msgspec import Struct

__all__ = ["CAMERA_STATES", "CameraState", "ClaimEvidence", "claim_evidence"]

#: What the recorder can say (`evidence.status.STATES`), plus "unknown": the station has
#: not read it yet (start-up).
CAMERA_STATES = ("recording", "stalled", "no_camera", "not_running", "unknown")


class CameraState(Struct, frozen=True):
    """The camera of this station as last read: `state` one of `CAMERA_STATES`."""

    state: str
    required: bool = False
    detail: str = ""

    @property
    def ready(self) -> bool:
        """Recent video is being recorded."""
        return self.state == "recording"


class ClaimEvidence(enum.Enum):
    """What a claim means for the order's evidence."""

    #: Video is being recorded: the claim goes ahead.
    RECORDING = "recording"
    #: No video, but not required: the claim goes ahead, the order is marked.
    MISSING = "missing"
    #: No video and `[camera] required`: the claim is refused.
    REFUSED = "refused"


def claim_evidence(camera: CameraState | None) -> ClaimEvidence | None:
    """None when the station has no camera; else what a claim now means for evidence."""
    if camera is None:
        return None
    if camera.ready:
        return ClaimEvidence.RECORDING
    return ClaimEvidence.REFUSED if camera.required else ClaimEvidence.MISSING
