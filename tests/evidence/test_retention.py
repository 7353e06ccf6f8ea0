"""Retention: oldest first, by age and by size; protected orders' segments stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from packstation.cli.main import main
from packstation.clock import utcnow
from packstation.evidence.files import Segment, list_segments, segment_name
from packstation.evidence.retention import Protected, plan_prune
from packstation.models import Defect, Order, Return
from packstation.models.db import open_database
from tests.evidence.test_export_cli import STATION, add_events
from tests.station.conftest import seed

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
MB = 1024 * 1024


def day(n: float) -> datetime:
    """`n` days before NOW."""
    return NOW - timedelta(days=n)


def fake_segments(folder: Path, starts: list[datetime], size: int = MB) -> list[Segment]:
    folder.mkdir(parents=True, exist_ok=True)
    for start in starts:
        (folder / segment_name(start)).write_bytes(b"\0" * size)
    return list_segments(folder)


def names(items: list[tuple[Segment, str]]) -> list[str]:
    return [seg.path.name for seg, _ in items]


def test_age_then_size_oldest_first_newest_never(tmp_path: Path) -> None:
    edge = day(30) + timedelta(seconds=5)  # ends (the next starts) inside the 30 days
    starts = [day(40), day(35), day(31), edge, edge + timedelta(seconds=10), day(1), day(0)]
    segs = fake_segments(tmp_path, starts)
    plan = plan_prune(
        segs, [], now=NOW, keep_days=30, max_bytes=3 * MB, margin=timedelta(seconds=15)
    )
    assert [(seg.start, why) for seg, why in plan.delete] == [
        (day(40), "age"),
        (day(35), "age"),
        (day(31), "age"),
        (edge, "size"),
    ]
    assert plan.freed_bytes == 4 * MB and not plan.over_budget
    everything = plan_prune(segs, [], now=NOW, keep_days=0.001, max_bytes=0, margin=timedelta())
    assert names(everything.delete) == [s.path.name for s in segs[:-1]]  # the newest stays
    assert everything.over_budget


def test_protected_orders_are_spared_by_age_and_by_size(tmp_path: Path) -> None:
    segs = fake_segments(tmp_path, [day(d) for d in (40, 39, 38, 2, 1, 0)])
    protected = [Protected("ORD-1", day(39) + timedelta(minutes=5), day(39) + timedelta(minutes=9))]
    plan = plan_prune(
        segs, protected, now=NOW, keep_days=30, max_bytes=1 * MB, margin=timedelta(seconds=15)
    )
    assert [(seg.start, why) for seg, why in plan.delete] == [
        (day(40), "age"),
        (day(38), "age"),  # followed by a gap of 36 days: its end is not the next start
        (day(2), "size"),
        (day(1), "size"),
    ]
    assert [(seg.start, why) for seg, why in plan.spared] == [(day(39), "age")]
    assert plan.over_budget  # 39 (protected) and 0 (the newest) make 2 MB


def test_the_margin_reaches_into_the_segment_before_the_claim(tmp_path: Path) -> None:
    m0 = day(40)
    segs = fake_segments(tmp_path, [m0 + timedelta(seconds=10 * i) for i in range(4)] + [NOW])
    order = [Protected("ORD-2", m0 + timedelta(seconds=12), m0 + timedelta(seconds=13))]
    plan = plan_prune(
        segs, order, now=NOW, keep_days=30, max_bytes=None, margin=timedelta(seconds=5)
    )
    assert names(plan.spared) == [segs[0].path.name, segs[1].path.name]
    assert names(plan.delete) == [segs[2].path.name, segs[3].path.name]


@pytest.fixture
def floor(sqlite_url: str, fixtures_dir: Path, tmp_path: Path) -> dict[str, Any]:
    """Four orders packed 40 days ago at PS-01: one with a defect, one with a return, one
    returned, one without trouble; a segment a minute around each, and newer ones."""
    db = open_database(sqlite_url)
    seed(db, fixtures_dir)
    with db.unit_of_work() as s:
        s.add(Defect(order_id="ORD-1001", kind="damaged", station_id=STATION))
        s.add(Return(order_id="ORD-1002", status="received"))
        s.execute(update(Order).where(Order.id == "ORD-1003").values(status="returned"))
    db.dispose()
    now = utcnow().replace(microsecond=0)  # `evidence prune` reads the clock
    base = now - timedelta(days=40)
    orders = ["ORD-1001", "ORD-1002", "ORD-1003", "ORD-1004"]
    # Hand-made events are stamped relative to T0 by the helper: shift by whole minutes.
    from tests.evidence import test_export_cli as export

    offset = (base - export.T0).total_seconds()
    for i, order in enumerate(orders):
        t = offset + i * 600
        add_events(
            sqlite_url,
            order,
            [
                (t, "order.claimed", {}),
                (t + 30, "scan.accepted", {"code": "1"}),
                (t + 70, "order.packed", {}),
            ],
        )
        # a later login at the returns screen must not stretch the range
        add_events(sqlite_url, order, [(offset + 30 * 86400, "return.received", {})])
    folder = tmp_path / "evidence" / STATION / "segments"
    starts = [base + timedelta(minutes=m) for m in range(0, 40)]
    starts += [now - timedelta(days=1), now - timedelta(seconds=5)]
    fake_segments(folder, starts, size=MB // 4)
    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "{STATION}"\n[evidence]\ndir = {json.dumps(str(tmp_path / "evidence"))}\n'
        "keep_days = 30\n",
        encoding="utf-8",
    )
    return {"url": sqlite_url, "config": str(config), "folder": folder, "starts": starts}


def test_prune_command_spares_defects_returns_and_returned_orders(
    floor: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["evidence", "prune", "--db", floor["url"], "--config", floor["config"]]
    before = list_segments(floor["folder"])
    assert main([*args, "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("prune PS-01: 10.5 MB; would delete 32 segment(s) (32 by age, 0 by")
    assert "kept 8 segment(s) of protected orders (ORD-1001, ORD-1002, ORD-1003)" in said
    assert list_segments(floor["folder"]) == before
    assert main(args) == 0
    left = [seg.start for seg in list_segments(floor["folder"])]
    starts = floor["starts"]
    # ORD-1001 at minute 0, ORD-1002 at 10, ORD-1003 at 20: packed in 70 s, plus 15 s
    # margins on a segment a minute: the minute before (not for the first), the claim's
    # and the next. Nothing of ORD-1004 (minute 30); the last day's segments stay.
    assert left == [starts[m] for m in (0, 1, 9, 10, 11, 19, 20, 21)] + starts[-2:]
