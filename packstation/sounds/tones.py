"""The built-in tones: one short WAV per signal class, made by code with the stdlib `wave`.

Each class differs in pitch, length and pattern, so the classes are told apart
without looking (and by people who hear some pitches badly):

| class        | sound                                         |
|--------------|-----------------------------------------------|
| good         | one short high beep                           |
| complete     | three rising notes                            |
| wrong_item   | two low, harsh buzzes                         |
| over_scan    | three quick mid beeps                         |
| weight       | a falling two-tone, twice                     |
| needs_lead   | a slow "ding-dong"                            |
| failure      | one long, very low, harsh buzz                |
| refused      | one short low beep                            |

The same notes are what the browser station plays (`web_payload`).
"""

from __future__ import annotations

import array
import math
import sys
import wave
from pathlib import Path

from packstation.domain.signals import SignalClass

__all__ = ["RATE", "TONES", "Note", "render", "scaled_copy", "web_payload", "write_tone"]

RATE = 22050
#: One note: frequency in Hz, length in ms, silence after it in ms, harsh (odd harmonics).
Note = tuple[int, int, int, bool]

TONES: dict[SignalClass, tuple[Note, ...]] = {
    SignalClass.GOOD: ((1760, 70, 0, False),),
    SignalClass.COMPLETE: ((1047, 110, 10, False), (1319, 110, 10, False), (1568, 260, 0, False)),
    SignalClass.WRONG_ITEM: ((196, 260, 90, True), (196, 260, 0, True)),
    SignalClass.OVER_SCAN: ((660, 80, 60, False), (660, 80, 60, False), (660, 80, 0, False)),
    SignalClass.WEIGHT: (
        (988, 180, 0, False),
        (494, 180, 60, False),
        (988, 180, 0, False),
        (494, 180, 0, False),
    ),
    SignalClass.NEEDS_LEAD: ((784, 300, 40, False), (523, 450, 0, False)),
    SignalClass.FAILURE: ((110, 700, 0, True),),
    SignalClass.REFUSED: ((330, 150, 0, False),),
}

#: Fade in and out of each note (ms): no clicks.
_FADE_MS = 6
_FULL = 32767


def render(notes: tuple[Note, ...], volume: int) -> bytes:
    """16-bit mono PCM samples of the notes at `volume` (0-100)."""
    samples = array.array("h")
    peak = _FULL * 0.9 * max(0, min(volume, 100)) / 100
    fade = RATE * _FADE_MS // 1000
    for hz, ms, gap_ms, harsh in notes:
        count = RATE * ms // 1000
        step = 2 * math.pi * hz / RATE
        for i in range(count):
            x = step * i
            value = math.sin(x)
            if harsh:  # a square-ish wave: odd harmonics
                value = 0.75 * (value + math.sin(3 * x) / 3 + math.sin(5 * x) / 5)
            envelope = min(1.0, i / fade, (count - 1 - i) / fade) if fade else 1.0
            samples.append(int(peak * value * envelope))
        samples.extend([0] * (RATE * gap_ms // 1000))
    if sys.byteorder != "little":  # WAV is little-endian
        samples.byteswap()
    return samples.tobytes()


def write_tone(path: Path, notes: tuple[Note, ...], volume: int) -> Path:
    """A WAV file of the notes (written next to `path`, then renamed: never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with wave.open(str(partial), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(render(notes, volume))
    partial.replace(path)
    return path


def scaled_copy(source: Path, target: Path, volume: int) -> Path:
    """A configured WAV at `volume`: 16-bit PCM samples are scaled into `target`; any
    other file (8-bit, compressed, unreadable by `wave`) is played as it is."""
    if volume >= 100:
        return source
    try:
        with wave.open(str(source), "rb") as wav:
            params = wav.getparams()
            frames = wav.readframes(params.nframes)
    except (OSError, EOFError, wave.Error):
        return source
    if params.sampwidth != 2 or params.comptype != "NONE":
        return source
    samples = array.array("h")
    samples.frombytes(frames[: len(frames) // 2 * 2])
    if sys.byteorder != "little":
        samples.byteswap()
    factor = volume / 100
    scaled = array.array("h", (int(s * factor) for s in samples))
    if sys.byteorder != "little":
        scaled.byteswap()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    with wave.open(str(partial), "wb") as out:
        out.setparams(params)
        out.writeframes(scaled.tobytes())
    partial.replace(target)
    return target


def web_payload(kind: SignalClass, volume: int) -> str:
    """The notes as the browser page reads them: `volume;hz,ms,gap,harsh;...` (ASCII only,
    nothing the terminal would act on)."""
    notes = ";".join(f"{hz},{ms},{gap},{int(harsh)}" for hz, ms, gap, harsh in TONES[kind])
    return f"{max(0, min(volume, 100))};{notes}"
