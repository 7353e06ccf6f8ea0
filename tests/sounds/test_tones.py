"""The built-in tones: valid WAVs, one per class, all different, at the configured volume."""

from __future__ import annotations

import array
import wave
from pathlib import Path

from packstation.domain.signals import SignalClass
from packstation.sounds.player import prepare_files
from packstation.sounds.settings import SoundSettings
from packstation.sounds.tones import RATE, TONES, render, scaled_copy, web_payload, write_tone


def peak(path: Path) -> int:
    with wave.open(str(path), "rb") as wav:
        samples = array.array("h", wav.readframes(wav.getnframes()))
    return max(abs(s) for s in samples)


def test_every_class_has_its_own_tone(tmp_path: Path) -> None:
    files = prepare_files(SoundSettings(volume=80), tmp_path)
    assert set(files) == set(SignalClass) == set(TONES)
    contents = {path.read_bytes() for path in files.values()}
    assert len(contents) == len(SignalClass)  # no two classes sound alike
    for path in files.values():
        with wave.open(str(path), "rb") as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, RATE)
            assert 0.05 < wav.getnframes() / RATE < 1.5  # short: never a wall of sound
    assert not list(tmp_path.glob("*.part"))


def test_volume_scales_the_tones(tmp_path: Path) -> None:
    loud = write_tone(tmp_path / "loud.wav", TONES[SignalClass.GOOD], 100)
    quiet = write_tone(tmp_path / "quiet.wav", TONES[SignalClass.GOOD], 25)
    assert 0.2 < peak(quiet) / peak(loud) < 0.3
    assert set(render(TONES[SignalClass.GOOD], 0)) == {0}


def test_tones_are_made_once_per_volume(tmp_path: Path) -> None:
    first = prepare_files(SoundSettings(volume=50), tmp_path)
    stamp = first[SignalClass.WEIGHT].stat().st_mtime_ns
    again = prepare_files(SoundSettings(volume=50), tmp_path)
    assert again[SignalClass.WEIGHT].stat().st_mtime_ns == stamp
    louder = prepare_files(SoundSettings(volume=90), tmp_path)
    assert louder[SignalClass.WEIGHT] != first[SignalClass.WEIGHT]


def test_a_configured_file_replaces_its_class_at_the_volume(tmp_path: Path) -> None:
    own = write_tone(tmp_path / "own.wav", ((440, 200, 0, False),), 100)
    settings = SoundSettings(volume=50, files={SignalClass.WRONG_ITEM: own})
    files = prepare_files(settings, tmp_path / "cache")
    assert files[SignalClass.WRONG_ITEM].name == "custom-wrong_item-v50.wav"
    assert 0.45 < peak(files[SignalClass.WRONG_ITEM]) / peak(own) < 0.55
    # A file `wave` cannot read is played as it is; a missing one falls back.
    odd = tmp_path / "odd.ogg"
    odd.write_bytes(b"OggS not a wav")
    assert scaled_copy(odd, tmp_path / "x.wav", 50) == odd
    settings = SoundSettings(files={SignalClass.GOOD: tmp_path / "missing.wav"})
    assert prepare_files(settings, tmp_path / "c2")[SignalClass.GOOD].name.startswith("good-v")


def test_web_payload_is_the_same_notes() -> None:
    payload = web_payload(SignalClass.OVER_SCAN, 70)
    volume, *notes = payload.split(";")
    assert volume == "70" and len(notes) == len(TONES[SignalClass.OVER_SCAN])
    assert notes[0] == "660,80,60,0"
    assert payload.isascii() and "\x1b" not in payload and "\x07" not in payload
