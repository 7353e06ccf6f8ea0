"""Signals at the station: each class of result plays its own sound through the player
command (a real stand-in process noting what it was given), never delaying a scan; bell
patterns where there is no player; a red that would mis-ship flashes the result panel."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from textual.app import App
from textual.pilot import Pilot

from packstation.devices.base import (
    DeviceState,
    DeviceStatus,
    PrintError,
    ScaleReading,
    ScaleState,
)
from packstation.devices.printer import open_printer
from packstation.domain.rules import PackRules
from packstation.models.db import Database
from packstation.screens.messages import DeviceChanged, ScaleUpdate, ScannerLine
from packstation.screens.station_app import StationApp, StationSetup
from packstation.sounds.settings import SoundSettings
from packstation.widgets.result_panel import ResultPanel
from tests.screens.conftest import panel_text, scan, wait_until
from tests.sounds.conftest import fake_player, played

MUG, TEA, SPOON = "4601234567893", "4607654321015", "046000001234"
CABLE_OF_1005 = "4607001002000"


class BrokenPrinter:
    def send(self, data: bytes, name: str) -> None:
        raise PrintError("printer offline")


@pytest.fixture
def sound_app(ui_db: Database, rules: PackRules, tmp_path: Path) -> Callable[..., StationApp]:
    def make(
        player: tuple[str, ...] = (), *, printer: object = None, **sounds: object
    ) -> StationApp:
        settings = SoundSettings(player=player, cache_dir=tmp_path / "tones", **sounds)  # type: ignore[arg-type]
        setup = StationSetup(
            db=ui_db,
            station_id="PS-01",
            rules=rules,
            locale="en",
            printer=printer or open_printer(f"dir://{tmp_path / 'labels'}"),
            sounds=settings,
        )
        app = StationApp(setup)
        app.bells = 0  # type: ignore[attr-defined]

        def bell() -> None:
            app.bells += 1  # type: ignore[attr-defined]

        app.bell = bell  # type: ignore[method-assign]
        return app

    return make


async def weigh(pilot: Pilot[None], grams: int) -> None:
    app = pilot.app
    assert isinstance(app, StationApp)
    before = app.results_seen
    app.post_message(ScaleUpdate(ScaleReading(Decimal(grams), True, ScaleState.OK, "g")))
    await wait_until(pilot, lambda: app.results_seen > before)
    await pilot.pause()


class Heard:
    """What the stand-in player was given, in order."""

    def __init__(self, pilot: Pilot[None], log: Path) -> None:
        self.pilot, self.log, self.seen = pilot, log, 0

    async def __call__(self, kind: str) -> None:
        await wait_until(self.pilot, lambda: len(played(self.log)) > self.seen)
        sounds = played(self.log)
        self.seen = len(sounds)
        assert sounds[-1] == kind, sounds


async def test_every_class_plays_its_own_sound(
    sound_app: Callable[..., StationApp], tmp_path: Path
) -> None:
    script, log = fake_player(tmp_path)
    app = sound_app((str(script),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        heard = Heard(pilot, log)
        await scan(pilot, "BADGE-0001")
        await heard("good")
        await scan(pilot, "ORD-1001")
        await heard("good")
        await scan(pilot, "BOX:M")  # items first
        await heard("refused")
        await scan(pilot, CABLE_OF_1005)
        await heard("wrong_item")
        for code in (MUG, MUG, TEA, SPOON):
            await scan(pilot, code)
            await heard("good")
        await scan(pilot, SPOON)
        await heard("over_scan")
        await scan(pilot, "CMD:CANCEL")  # items scanned: only a lead may cancel
        await heard("needs_lead")
        await scan(pilot, "CMD:CANCEL")  # the packer changes their mind
        await heard("good")
        await scan(pilot, "BOX:M")
        await heard("good")
        await weigh(pilot, 1200)
        await heard("weight")
        await weigh(pilot, 1060)
        await heard("good")
        while app.state.next_check is not None:
            await scan(pilot, "CMD:OK")
            await heard("good")
        await scan(pilot, "DOC:INVOICE:ORD-1001")
        await heard("good")
        assert app.state.parcel is not None
        await scan(pilot, app.state.parcel.parcel_id)
        await heard("complete")
        assert app.state.closed_order == "ORD-1001"
        assert app.bells == 0  # type: ignore[attr-defined]
        assert app.signals.mode == "sound"


async def test_a_failure_plays_the_failure_sound(
    sound_app: Callable[..., StationApp], tmp_path: Path
) -> None:
    script, log = fake_player(tmp_path)
    app = sound_app((str(script),), printer=BrokenPrinter())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        for code in ("BADGE-0001", "ORD-1001", MUG, MUG, TEA, SPOON, "BOX:M"):
            await scan(pilot, code)
        await weigh(pilot, 1060)
        while app.state.next_check is not None:
            await scan(pilot, "CMD:OK")
        heard = Heard(pilot, log)
        heard.seen = len(played(log))
        await scan(pilot, "DOC:INVOICE:ORD-1001")  # the label print fails
        assert "printer offline" in panel_text(app)
        await heard("failure")


async def test_playing_never_delays_a_scan(
    sound_app: Callable[..., StationApp], tmp_path: Path
) -> None:
    script, log = fake_player(tmp_path, sleep_s=2)
    app = sound_app((str(script),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await wait_until(pilot, lambda: len(played(log)) == 1)  # now sleeping for 2 s
        for code, mark in (("ORD-1001", "✓"), (CABLE_OF_1005, "✗"), (MUG, "✓")):
            started = time.monotonic()
            before = app.results_seen
            app.post_message(ScannerLine(code))
            await wait_until(pilot, lambda: app.results_seen > before)  # noqa: B023
            await pilot.pause()
            assert time.monotonic() - started < 1.0
            assert mark in panel_text(app)
        assert len(played(log)) == 1  # the first sound still plays; the burst waits
        await wait_until(pilot, lambda: len(played(log)) == 2, timeout=6)
        assert played(log)[-1] == "good"  # coalesced: the burst's last result only


async def test_no_player_rings_bell_patterns(
    sound_app: Callable[..., StationApp], tmp_path: Path
) -> None:
    app = sound_app((str(tmp_path / "no-such-player"),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        assert app.signals.mode == "bells"
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        assert app.bells == 0  # type: ignore[attr-defined]  # a good scan rings nothing
        await scan(pilot, CABLE_OF_1005)
        await wait_until(pilot, lambda: app.bells == 2)  # type: ignore[attr-defined]
        await scan(pilot, "BOX:M")  # items first: one bell
        await wait_until(pilot, lambda: app.bells == 3)  # type: ignore[attr-defined]
        for code in (MUG, MUG, TEA, SPOON, SPOON):
            await scan(pilot, code)
        await wait_until(pilot, lambda: app.bells == 6)  # type: ignore[attr-defined]
        await pilot.pause(0.5)
        assert app.bells == 6  # type: ignore[attr-defined]


async def test_a_red_that_would_mis_ship_flashes_and_stays(
    sound_app: Callable[..., StationApp], tmp_path: Path
) -> None:
    script, _ = fake_player(tmp_path)
    app = sound_app((str(script),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        await scan(pilot, "BOX:M")  # red, but nothing would mis-ship: no flash
        assert app.flashes == 0
        await scan(pilot, CABLE_OF_1005)
        assert app.flashes == 1
        panel = app.screen.query_one(ResultPanel)
        await wait_until(pilot, lambda: not panel.has_class("-flash"), timeout=3)
        assert panel.has_class("-error")  # the flash ends, the red stays
        await pilot.pause(0.3)
        assert panel.has_class("-error") and "ORD-1005" in panel_text(app)
        await scan(pilot, "BOX:M")  # a lesser red (items first): the wrong item stays shown
        assert panel.has_class("-error") and "items" in panel_text(app).lower()
        assert "First: " in panel_text(app) and "ORD-1005" in panel_text(app)
        await scan(pilot, "CMD:OK")
        assert panel.has_class("-ok") and "First: " not in panel_text(app)


async def test_an_over_scan_and_a_weight_red_flash_too(
    sound_app: Callable[..., StationApp], tmp_path: Path
) -> None:
    script, _ = fake_player(tmp_path)
    app = sound_app((str(script),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        for code in ("BADGE-0001", "ORD-1001", MUG, MUG, TEA, SPOON):
            await scan(pilot, code)
        assert app.flashes == 0
        await scan(pilot, SPOON)  # one more than the order asks for
        assert app.flashes == 1
        await scan(pilot, "CMD:OK")
        await scan(pilot, "BOX:M")
        await weigh(pilot, 1500)
        assert app.state.alert is not None and app.state.alert.message.key.startswith("weight")
        assert app.flashes == 2


async def test_a_device_that_stops_sounds_a_failure_once(
    sound_app: Callable[..., StationApp], tmp_path: Path
) -> None:
    script, log = fake_player(tmp_path)
    app = sound_app((str(script),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1)
        heard = Heard(pilot, log)
        connected = DeviceStatus(DeviceState.CONNECTED, "/dev/ttyUSB1")
        lost = DeviceStatus(DeviceState.DISCONNECTED, "unplugged")
        app.post_message(DeviceChanged("scale", connected))
        await pilot.pause()
        assert played(log) == []  # coming up is not a failure
        app.post_message(DeviceChanged("scale", lost))
        await heard("failure")
        app.post_message(DeviceChanged("scale", lost))  # still away: told once
        await pilot.pause(0.3)
        assert played(log) == ["failure"]


async def test_a_scan_whose_commit_fails_is_never_shown_and_sounds_a_failure(
    sound_app: Callable[..., StationApp],
    ui_db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The result is drawn while its COMMIT runs (`commit_gate.py`): no frame with it may
    reach the terminal when the COMMIT then fails, and the packer hears the failure."""
    script, log = fake_player(tmp_path)
    app = sound_app((str(script),))
    frames: list[str] = []
    real_display = App._display

    def shown(self: App[None], screen: Any, renderable: Any) -> None:
        if renderable is not None and hasattr(renderable, "render_segments"):
            frames.append(renderable.render_segments(self.console))
        real_display(self, screen, renderable)

    monkeypatch.setattr(App, "_display", shown)
    fail, slow = [False], [False]

    def commit(conn: Any) -> None:
        if fail[0] or slow[0]:  # a slow disk (that then fails): the UI draws the scan meanwhile
            time.sleep(0.3)
        slow[0] = False
        if fail[0]:
            fail[0] = False
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    event.listen(ui_db.engine, "commit", commit)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: app.results_seen >= 1)
            for code in ("BADGE-0001", "ORD-1001", MUG):
                await scan(pilot, code)
            assert any("1 of 4 units" in f for f in frames)
            heard = Heard(pilot, log)
            heard.seen = len(played(log))
            fail[0] = True
            await scan(pilot, MUG)
            await heard("failure")
            assert "not recorded" in panel_text(app).lower()
            assert app.state.units_packed == 1
            assert not any("2 of 4 units" in f for f in frames)  # never shown
            await scan(pilot, MUG)  # scanned again: recorded, and shown
            await heard("good")
            assert any("2 of 4 units" in f for f in frames)
            slow[0] = True  # a commit slower than a frame's wait: shown once it is done
            await scan(pilot, TEA)
            await pilot.pause(0.1)
            assert any("3 of 4 units" in f for f in frames)
    finally:
        event.remove(ui_db.engine, "commit", commit)


async def test_the_browser_station_asks_the_page_to_play(
    sound_app: Callable[..., StationApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, log = fake_player(tmp_path)
    app = sound_app((str(script),), volume=40)
    monkeypatch.setattr(StationApp, "is_web", property(lambda self: True))
    sent: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        app._web_write = sent.append  # type: ignore[method-assign, assignment]
        monkeypatch.setattr(StationApp, "is_headless", property(lambda self: False))
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, "BADGE-0001")
        await scan(pilot, "ORD-1001")
        await scan(pilot, CABLE_OF_1005)
        monkeypatch.undo()
    assert app.signals.player is None and played(log) == []  # not the server's speaker
    assert [s.split(";")[2] for s in sent] == ["good", "good", "wrong_item"]
    assert sent[-1].startswith("\x1b]777;packstation-signal;wrong_item;40;")
