"""The player thread (a real stand-in process) and the signaller's choice of output."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from packstation.domain.signals import SignalClass
from packstation.sounds.player import Signaller, SoundPlayer, web_signal
from packstation.sounds.settings import SoundSettings
from tests.sounds.conftest import fake_player, played


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_plays_the_class_file_with_the_player(tmp_path: Path) -> None:
    script, log = fake_player(tmp_path)
    player = SoundPlayer(SoundSettings(cache_dir=tmp_path / "cache"), (str(script), "-q"))
    player.start()
    try:
        player.play(SignalClass.WRONG_ITEM)
        wait_for(lambda: len(played(log)) == 1)
        assert played(log) == ["wrong_item"]
        line = log.read_text().split()
        assert line[0] == "-q" and Path(line[1]).parent == tmp_path / "cache"
        player.play(SignalClass.GOOD)
        wait_for(lambda: len(played(log)) == 2)
        assert played(log) == ["wrong_item", "good"]
    finally:
        player.stop()


def test_a_burst_plays_the_first_and_then_only_the_last(tmp_path: Path) -> None:
    script, log = fake_player(tmp_path, sleep_s=0.5)
    player = SoundPlayer(SoundSettings(cache_dir=tmp_path / "cache"), (str(script),))
    player.start()
    try:
        player.play(SignalClass.GOOD)
        wait_for(lambda: len(played(log)) == 1)
        started = time.monotonic()
        for kind in (SignalClass.GOOD, SignalClass.OVER_SCAN, SignalClass.GOOD, SignalClass.WEIGHT):
            player.play(kind)  # never waits for the sound playing
        assert time.monotonic() - started < 0.1
        wait_for(lambda: len(played(log)) == 2)
        time.sleep(0.7)
        assert played(log) == ["good", "weight"]
    finally:
        player.stop()


def test_a_failing_player_gives_way_to_bells(tmp_path: Path) -> None:
    script, log = fake_player(tmp_path, exit_code=1)
    player = SoundPlayer(SoundSettings(cache_dir=tmp_path / "cache"), (str(script),))
    player.start()
    try:
        for n in range(1, 5):
            player.play(SignalClass.GOOD)
            want = min(n, 3)
            wait_for(lambda: len(played(log)) >= want or not player.available)  # noqa: B023
        wait_for(lambda: not player.available)
    finally:
        player.stop()
    missing = SoundPlayer(SoundSettings(cache_dir=tmp_path / "c"), (str(tmp_path / "nope"),))
    missing.start()
    missing.play(SignalClass.GOOD)
    wait_for(lambda: not missing.available)


class Recorder:
    def __init__(self) -> None:
        self.rings: list[float] = []
        self.web: list[str] = []

    def ring(self) -> None:
        self.rings.append(0.0)

    def later(self, delay: float, callback: Callable[[], object]) -> None:
        self.rings.append(delay)


def signaller(settings: SoundSettings | None, rec: Recorder) -> Signaller:
    return Signaller(settings, rec.ring, rec.later)


def test_bell_patterns_where_there_is_no_sound() -> None:
    rec = Recorder()
    signals = signaller(SoundSettings(), rec)
    signals.start(web=False)  # no sound card on a test machine's /proc? then bells
    if signals.player is not None:  # pragma: no cover - a PC with a card and aplay
        signals.player.stop()
        signals.player = None
    assert signals.mode == "bells"
    signals.give(SignalClass.GOOD, bell=False)
    assert rec.rings == []
    signals.give(SignalClass.WRONG_ITEM, bell=True)
    assert rec.rings == [0.0, 0.15]
    rec.rings.clear()
    signals.give(SignalClass.WEIGHT, bell=True)
    assert len(rec.rings) == 4
    rec.rings.clear()
    signaller(SoundSettings(bells=False), rec).give(SignalClass.WEIGHT, bell=True)
    assert rec.rings == []


def test_without_sound_settings_one_bell_per_red_as_before() -> None:
    rec = Recorder()
    signals = signaller(None, rec)
    signals.start(web=False)
    assert signals.mode == "legacy" and signals.player is None
    signals.give(SignalClass.WEIGHT, bell=True)
    signals.give(SignalClass.GOOD, bell=False)
    assert rec.rings == [0.0]


def test_the_browser_station_sends_the_notes_to_the_page() -> None:
    rec = Recorder()
    signals = signaller(SoundSettings(volume=60), rec)
    signals.start(web=True)
    assert signals.player is None  # the server's speaker is no one's
    signals.give(SignalClass.OVER_SCAN, bell=True, web_write=rec.web.append)
    assert rec.web == [web_signal(SignalClass.OVER_SCAN, 60)] and rec.rings == []
    assert rec.web[0].startswith("\x1b]777;packstation-signal;over_scan;60;660,80,60,0;")
    assert rec.web[0].endswith("\x07")
    off = signaller(SoundSettings(enabled=False), rec)
    off.give(SignalClass.OVER_SCAN, bell=True, web_write=rec.web.append)
    assert len(rec.web) == 1 and len(rec.rings) == 3  # off: bells only
