"""Claims and the camera (issue 13): `[camera] required` refuses a claim without recent
video; otherwise the order is claimed and marked "no evidence"."""

from __future__ import annotations

import pytest

from packstation.domain.evidence import CAMERA_STATES, CameraState, ClaimEvidence, claim_evidence
from packstation.domain.workflow import Action
from packstation.domain.workflow.record_types import record_from
from packstation.domain.workflow.records import EvidenceMissing, OrderClaimed
from packstation.i18n import LOCALES, TABLE, t

from .conftest import Station


def test_the_decision() -> None:
    assert claim_evidence(None) is None
    assert claim_evidence(CameraState("recording", required=True)) is ClaimEvidence.RECORDING
    assert claim_evidence(CameraState("stalled")) is ClaimEvidence.MISSING
    assert claim_evidence(CameraState("unknown", required=True)) is ClaimEvidence.REFUSED
    assert claim_evidence(CameraState("not_running", required=True)) is ClaimEvidence.REFUSED


def test_no_camera_claims_as_before(logged_in: Station) -> None:
    assert logged_in.scan("ORD-1001").ok
    assert logged_in.kinds() == ["order.claimed"]


def test_recording_camera_claims_without_a_mark(logged_in: Station) -> None:
    logged_in.ctx.camera = CameraState("recording", required=True)
    assert logged_in.scan("ORD-1001").ok
    assert logged_in.kinds() == ["order.claimed"]


@pytest.mark.parametrize("state", ["stalled", "no_camera", "not_running", "unknown"])
def test_required_camera_refuses_the_claim(logged_in: Station, state: str) -> None:
    logged_in.ctx.camera = CameraState(state, required=True, detail="cable")
    out = logged_in.scan("ORD-1001")
    assert not out.ok and out.bell
    assert out.message.key == "claim.no_camera"
    assert logged_in.state.order is None
    assert logged_in.kinds() == ["scan.rejected"]  # the audit of the red scan, no claim
    assert logged_in.ctx.status["ORD-1001"] == "ready"
    shown = t(out.message, "en")
    assert "ORD-1001" in shown and t(out.message.params["camera"], "en") in shown  # type: ignore[arg-type]


def test_required_camera_refuses_next_too(logged_in: Station) -> None:
    logged_in.ctx.camera = CameraState("stalled", required=True)
    out = logged_in.key(Action.NEXT)
    assert out.message.key == "claim.no_camera"
    assert logged_in.new_records == ()
    logged_in.ctx.camera = CameraState("recording", required=True)  # the camera is back
    assert logged_in.key(Action.NEXT).ok


def test_camera_not_required_marks_the_order_no_evidence(logged_in: Station) -> None:
    logged_in.ctx.camera = CameraState("stalled", detail="no frames for 5 s")
    assert logged_in.scan("ORD-1001").ok
    claimed, missing = logged_in.new_records
    assert isinstance(claimed, OrderClaimed)
    assert missing == EvidenceMissing(claimed.at, "ORD-1001", "stalled", "no frames for 5 s")
    assert logged_in.state.order is not None  # packing goes on
    # stored and read back like every record; replay ignores it
    assert record_from(missing.kind, missing.to_payload()) == missing


@pytest.mark.parametrize("locale", LOCALES)
def test_texts_exist(locale: str) -> None:
    for key in ["claim.no_camera", *(f"camera.state.{s}" for s in CAMERA_STATES)]:
        assert TABLE[key][locale]
    for key in ("stalled", "no_camera", "not_running", "unknown"):
        assert TABLE[f"ui.camera.{key}"][locale]
