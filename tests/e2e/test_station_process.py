"""The whole station as a process: serial scanner and scale on ptys, SQLite, a spool printer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
from packstation.domain.workflow import Step
from packstation.models import Event, Order, Parcel
from packstation.models.db import open_database
from tests.e2e.station_process import StationProcess
from tests.station.conftest import PACKER

# Another process reads the real clock (not shifted by --clock-shift-days).
pytestmark = pytest.mark.other_process

ITEMS = ("4601234567893", "4601234567893", "4607654321015", "046000001234")
EXPECTED_G = Decimal(2 * 320 + 110 + 95 + 210)  # items + BOX:M


def _items(
    station: StationProcess, scanner: ScannerSimulator, codes: tuple[str, ...], already: int = 0
) -> None:
    for n, code in enumerate(codes, start=already + 1):
        scanner.send(code)
        station.wait_for(lambda s, n=n: s.units_packed == n, what=f"unit {n}")


def _finish(station: StationProcess, scanner: ScannerSimulator, scale: ScaleSimulator) -> str:
    scanner.send("BOX:M")
    station.wait_for(lambda s: s.step is Step.WEIGHT, what="weight step")
    scale.set_weight(EXPECTED_G + 4)
    state = station.wait_for(lambda s: s.step is Step.CHECKS, what="checks step")
    for i in range(len(state.checks)):
        scanner.send("CMD:OK")
        station.wait_for(lambda s, i=i: len(s.checks_done) == i + 1, what=f"check {i + 1}")
    scanner.send("DOC:INVOICE:ORD-1001")
    state = station.wait_for(lambda s: s.parcel is not None, what="label")
    assert state.parcel is not None
    scanner.send(state.parcel.parcel_id)
    station.wait_for(lambda s: s.closed_order == "ORD-1001", what="packed")
    return state.parcel.parcel_id


def _assert_packed(db_url: str, parcel_id: str, spool: Path) -> None:
    db = open_database(db_url)
    with db.sessions() as s:
        order = s.get(Order, "ORD-1001")
        assert order is not None and order.status == "packed"
        parcel = s.get(Parcel, parcel_id)
        assert parcel is not None and parcel.status == "confirmed"
        accepted = s.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.order_id == "ORD-1001", Event.kind == "scan.accepted")
        )
    db.dispose()
    assert accepted == 4
    assert (spool / f"{parcel_id}.zpl").exists()


def test_pack_a_whole_order_by_scans_alone(
    rig: tuple[str, ScannerSimulator, ScaleSimulator], tmp_path: Path
) -> None:
    db_url, scanner, scale = rig
    station = StationProcess(db_url, scanner.port, scale.port, tmp_path / "spool")
    station.start()
    try:
        station.wait_ready()
        scanner.send(PACKER)
        station.wait_for(lambda s: s.operator is not None, timeout=30, what="login")
        scanner.send("ORD-1001")
        station.wait_for(lambda s: s.order is not None, what="claim")
        _items(station, scanner, ITEMS)
        parcel_id = _finish(station, scanner, scale)
    finally:
        station.kill()
    _assert_packed(db_url, parcel_id, tmp_path / "spool")


def test_sigkill_mid_order_then_restart_finishes_the_same_order(
    rig: tuple[str, ScannerSimulator, ScaleSimulator], tmp_path: Path
) -> None:
    db_url, scanner, scale = rig
    spool = tmp_path / "spool"
    first = StationProcess(db_url, scanner.port, scale.port, spool)
    first.start()
    try:
        first.wait_ready()
        scanner.send(PACKER)
        first.wait_for(lambda s: s.operator is not None, timeout=30, what="login")
        scanner.send("ORD-1001")
        first.wait_for(lambda s: s.order is not None, what="claim")
        _items(first, scanner, ITEMS[:2])
    finally:
        first.kill()
    second = StationProcess(db_url, scanner.port, scale.port, spool)
    second.start()
    try:
        second.wait_ready()
        state = second.wait_for(lambda s: s.order is not None, what="resume")
        assert state.order is not None and state.order.id == "ORD-1001"
        assert state.units_packed == 2 and state.step is Step.ITEMS
        _items(second, scanner, ITEMS[2:], already=2)
        parcel_id = _finish(second, scanner, scale)
    finally:
        second.kill()
    _assert_packed(db_url, parcel_id, spool)
