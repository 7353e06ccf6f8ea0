"""The queue shows each order's evidence (issue 13): a video column on a wide screen (and
in the browser view, which is this app), marks after the order id at 80 columns, and a
status line with the evidence folder's disk use, all fitting 80x24."""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path

import pytest

from packstation.evidence.disk import disk_use
from packstation.evidence.files import segment_name
from packstation.evidence.settings import EvidenceSettings
from packstation.models import Event
from packstation.models.db import Database
from packstation.screens.queue_app import QueueApp, QueueSetup
from packstation.screens.queue_format import evidence_text
from packstation.widgets.text_line import TextLine
from tests.models.test_queue_repo import NOW, SHIFT
from tests.screens.conftest import wait_until
from tests.screens.test_fit_80x24 import SIZE, Walk

MB = 1024 * 1024


def add_evidence(db: Database) -> None:
    with db.unit_of_work() as s:
        for order_id, kind in (
            ("ORD-1001", "evidence.clip"),
            ("ORD-1002", "evidence.missing"),
            ("ORD-1002", "evidence.photo"),
        ):
            s.add(Event(at=NOW, kind=kind, order_id=order_id, station_id="PS-01", payload={}))


def segments(root: Path) -> None:
    """Segment files as the recorder names them (their content does not matter here)."""
    for station, hours in (("PS-01", (30, 2)), ("PS-02", (5,))):
        folder = root / station / "segments"
        folder.mkdir(parents=True)
        for h in hours:
            (folder / segment_name(NOW - timedelta(hours=h))).write_bytes(b"\0" * 3 * MB)
        (folder / ".tmp.ts").write_bytes(b"\0" * MB)  # not a segment: not counted


def queue(db: Database, evidence: EvidenceSettings, locale: str) -> QueueApp:
    setup = QueueSetup(
        db=db,
        locale=locale,
        refresh_s=0.2,
        clock=lambda: NOW,
        tz=UTC,
        shift_start=lambda now: SHIFT,
        evidence=evidence,
    )
    return QueueApp(setup)


def test_disk_use_and_its_line(tmp_path: Path) -> None:
    assert disk_use(tmp_path / "none").segments == 0
    segments(tmp_path)
    use = disk_use(tmp_path, max_bytes=8 * MB)
    assert (use.used_bytes, use.segments, use.stations) == (9 * MB, 3, 2)
    assert use.oldest == NOW - timedelta(hours=30) and use.over_budget
    line = evidence_text(use, NOW, "en").plain
    assert line == " video 0.0 GB of 0 · 2 station(s) · oldest 30h00m  over max_gb: protected video"
    ru = evidence_text(disk_use(tmp_path), NOW, "ru").plain
    assert ru == " видео 0.0 ГБ · станций 2 · старейшее 30h00m"


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize("size", [SIZE, (120, 30)])
async def test_queue_shows_evidence_and_disk_use(
    queue_db: Database, tmp_path: Path, locale: str, size: tuple[int, int]
) -> None:
    add_evidence(queue_db)
    segments(tmp_path / "evidence")
    settings = EvidenceSettings("PS-01", tmp_path / "evidence", max_gb=200)
    app = queue(queue_db, settings, locale)
    async with app.run_test(size=size) as pilot:
        screen = app.queue_screen
        await wait_until(pilot, lambda: screen.renders >= 1 and screen.disk is not None)
        await pilot.pause()
        line = screen.query_one("#evidence", TextLine).content.plain
        assert ("video 0.0 GB of 200" if locale == "en" else "видео 0.0 ГБ из 200") in line
        orders = screen.orders
        if size == SIZE:  # the marks follow the order id
            assert orders.get_cell("ORD-1001", "order").plain == "ORD-1001▶"
            assert orders.get_cell("ORD-1002", "order").plain == "ORD-1002✗"
            assert orders.get_cell("ORD-1005", "order").plain == "ORD-1005"
        else:
            assert orders.get_cell("ORD-1001", "evidence").plain == "▶"
            assert orders.get_cell("ORD-1002", "evidence").plain == "✗•"
            assert orders.get_cell("ORD-1005", "evidence").plain == ""
        walk = Walk(app, locale)
        walk.check("queue with evidence")
        assert walk.problems == [], "\n".join(walk.problems)
