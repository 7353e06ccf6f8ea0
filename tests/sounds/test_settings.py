"""`[sounds]` in the station config."""

from __future__ import annotations

from pathlib import Path

import pytest

from packstation.config import ConfigError
from packstation.domain.signals import SignalClass
from packstation.sounds.player import find_player, sound_card
from packstation.sounds.settings import SoundSettings, sound_settings


def test_defaults_when_absent() -> None:
    assert sound_settings({}) == SoundSettings()


def test_all_keys(tmp_path: Path) -> None:
    raw = {
        "sounds": {
            "enabled": True,
            "volume": 35,
            "player": "paplay --volume 30000",
            "bells": False,
            "files": {"weight": "sounds/weight.wav"},
        }
    }
    got = sound_settings(raw, tmp_path / "station.toml")
    assert got.volume == 35 and not got.bells
    assert got.player == ("paplay", "--volume", "30000")
    assert got.files == {SignalClass.WEIGHT: (tmp_path / "sounds" / "weight.wav").resolve()}
    assert sound_settings({"sounds": {"player": ["aplay", "-D", "hw:1"]}}).player == (
        "aplay",
        "-D",
        "hw:1",
    )


@pytest.mark.parametrize(
    "section",
    [
        {"volume": 101},
        {"volume": "loud"},
        {"volume": True},
        {"enabled": "yes"},
        {"player": 3},
        {"files": {"beep": "x.wav"}},
        {"files": {"good": ""}},
        {"files": []},
    ],
)
def test_bad_values_are_refused(section: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match="sounds"):
        sound_settings({"sounds": section})


def test_player_found_only_with_a_sound_card(tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    which = {"aplay": "/usr/bin/aplay", "paplay": "/usr/bin/paplay"}.get
    settings = SoundSettings()
    assert find_player(settings, which=which, cards=cards) is None  # no ALSA at all
    cards.write_text("--- no soundcards ---\n")
    assert not sound_card(cards)
    assert find_player(settings, which=which, cards=cards) is None
    cards.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
    assert find_player(settings, which=which, cards=cards) == ("/usr/bin/aplay", "-q")
    only_pulse = {"paplay": "/usr/bin/paplay"}.get
    assert find_player(settings, which=only_pulse, cards=cards) == ("/usr/bin/paplay",)
    assert find_player(settings, which=lambda _: None, cards=cards) is None
    assert find_player(SoundSettings(enabled=False), which=which, cards=cards) is None


def test_a_configured_player_is_trusted_without_a_card(tmp_path: Path) -> None:
    settings = SoundSettings(player=("myplay", "-x"))
    found = find_player(settings, which=lambda name: f"/opt/{name}", cards=tmp_path / "none")
    assert found == ("/opt/myplay", "-x")
    assert find_player(settings, which=lambda _: None) is None
