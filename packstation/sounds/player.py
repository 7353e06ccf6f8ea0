"""Giving a signal: a WAV on the sound card, a tone in the browser, or terminal bells.

`Signaller.give` is called on the UI loop and never waits: the sound card is
fed by `SoundPlayer`, a thread of its own that starts the player command
(`aplay -q FILE`, `paplay FILE` or `[sounds] player`) without the UI waiting
for it. While a sound plays, newer requests replace each other: a burst of
results sounds once more, with the last one. The browser station (`packstation
serve --station`) gets a private escape sequence (`OSC 777;packstation-signal`)
that its page turns into the same notes with Web Audio; the terminal there
ignores it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import platformdirs

from packstation.domain.signals import BELLS, SignalClass
from packstation.sounds.settings import SoundSettings
from packstation.sounds.tones import TONES, scaled_copy, web_payload, write_tone

__all__ = [
    "CARDS",
    "Signaller",
    "SoundPlayer",
    "find_player",
    "prepare_files",
    "sound_card",
    "web_signal",
]

log = logging.getLogger(__name__)

#: ALSA's list of sound cards ("--- no soundcards ---" when there are none).
CARDS = Path("/proc/asound/cards")
#: The longest a player may take over one sound before it is stopped.
MAX_PLAY_S = 5.0
#: Player runs in a row that failed before the station falls back to bells.
MAX_FAILURES = 3
#: The players tried, in order, when `[sounds] player` is not set.
PLAYERS: tuple[tuple[str, ...], ...] = (("aplay", "-q"), ("paplay",))
#: Changes when the built-in tones do: their cached files are made again.
_TONES_VERSION = hashlib.sha256(repr(sorted(TONES.items())).encode()).hexdigest()[:8]


def sound_card(cards: Path = CARDS) -> bool:
    """Whether ALSA lists a sound card on this PC."""
    try:
        text = cards.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return bool(text.strip()) and "no soundcards" not in text


def find_player(
    settings: SoundSettings,
    *,
    which: Callable[[str], str | None] = shutil.which,
    cards: Path = CARDS,
) -> tuple[str, ...] | None:
    """The command that plays a WAV here (the file's path goes last), or None: no sound.
    A configured player is trusted as it is; the built-in choice needs a sound card."""
    if not settings.enabled:
        return None
    if settings.player:
        found = which(settings.player[0])
        return (found, *settings.player[1:]) if found else None
    if not sound_card(cards):
        return None
    for command in PLAYERS:
        found = which(command[0])
        if found:
            return (found, *command[1:])
    return None


def prepare_files(settings: SoundSettings, folder: Path) -> dict[SignalClass, Path]:
    """The WAV file of each class at the configured volume: the built-in tones written to
    `folder` once (named by volume and tone version), configured files scaled there."""
    files: dict[SignalClass, Path] = {}
    volume = settings.volume
    for kind in SignalClass:
        given = settings.files.get(kind)
        if given is not None and given.is_file():
            files[kind] = scaled_copy(given, folder / f"custom-{kind.value}-v{volume}.wav", volume)
            continue
        if given is not None:
            log.warning("sound file for %s not found: %s (built-in tone used)", kind, given)
        path = folder / f"{kind.value}-v{volume}-{_TONES_VERSION}.wav"
        files[kind] = path if path.is_file() else write_tone(path, TONES[kind], volume)
    return files


def web_signal(kind: SignalClass, volume: int) -> str:
    """What the browser station's page turns into a sound (`web/templates/app_index.html`)."""
    return f"\x1b]777;packstation-signal;{kind.value};{web_payload(kind, volume)}\x07"


class SoundPlayer:
    """Plays the class's WAV with the player command, from a thread of its own."""

    def __init__(self, settings: SoundSettings, command: tuple[str, ...]) -> None:
        self.settings = settings
        self.command = command
        self.folder = settings.cache_dir or Path(platformdirs.user_cache_dir("packstation")) / (
            "sounds"
        )
        #: False once the player cannot be run (or failed `MAX_FAILURES` times in a row).
        self.available = True
        #: Sounds started (tests and the log).
        self.started = 0
        self.files: dict[SignalClass, Path] = {}
        self._pending: SignalClass | None = None
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sounds", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ends the thread soon (never waited for: a sound still playing plays out)."""
        self._stopping = True
        self._wake.set()

    def play(self, kind: SignalClass) -> None:
        """Asks for `kind`; returns at once. A request not yet started is replaced."""
        with self._lock:
            self._pending = kind
        self._wake.set()

    def _run(self) -> None:
        try:
            self.files = prepare_files(self.settings, self.folder)
        except OSError as exc:
            log.warning(
                "sounds: cannot write the tones to %s: %s (bells instead)", self.folder, exc
            )
            self.available = False
            return
        failures = 0
        playing: subprocess.Popen[bytes] | None = None
        while True:
            self._wake.wait()
            if self._stopping:
                return
            if playing is not None:  # the last sound plays to its end first
                code = self._finish(playing)
                if self._stopping:
                    return
                failures = failures + 1 if code else 0
                playing = None
                if failures >= MAX_FAILURES:
                    log.warning("sounds: %s keeps failing (bells instead)", self.command[0])
                    self.available = False
                    return
            with self._lock:
                kind, self._pending = self._pending, None
                self._wake.clear()
            if kind is None:
                continue
            try:
                playing = subprocess.Popen(
                    [*self.command, str(self.files[kind])],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,  # a Ctrl+C at the station is not the player's
                )
            except OSError as exc:
                log.warning("sounds: cannot run %s: %s (bells instead)", self.command[0], exc)
                self.available = False
                return
            self.started += 1

    def _finish(self, playing: subprocess.Popen[bytes]) -> int:
        """Waits for the sound playing (at most `MAX_PLAY_S`), its exit code."""
        deadline = time.monotonic() + MAX_PLAY_S
        while not self._stopping:
            code = playing.poll()
            if code is not None:
                return code
            if time.monotonic() > deadline:
                playing.kill()
                playing.wait()
                return 1
            time.sleep(0.02)
        return 0


class Signaller:
    """The station's one way to give a signal (called on the UI loop; never waits).

    `settings` None: no `[sounds]` wiring at all (an app built by a test): the terminal
    bell once for a red result that asks for it, as the station always did.
    """

    def __init__(
        self,
        settings: SoundSettings | None,
        ring: Callable[[], None],
        later: Callable[[float, Callable[[], None]], object],
    ) -> None:
        self.settings = settings
        self._ring = ring
        self._later = later
        self.player: SoundPlayer | None = None

    def start(self, *, web: bool) -> None:
        """Looks for the player (a few file lookups) and starts its thread; not for a
        browser station, whose sounds the page plays (the server's speaker is no one's)."""
        settings = self.settings
        if settings is None or web:
            return
        command = find_player(settings)
        if command is None:
            if settings.enabled:
                log.info("sounds: no sound card or player here: terminal bell patterns")
            return
        self.player = SoundPlayer(settings, command)
        self.player.start()

    def stop(self) -> None:
        if self.player is not None:
            self.player.stop()

    @property
    def mode(self) -> str:
        """ "sound", "bells", "off" or "legacy" (for the log and the docs' promise)."""
        settings = self.settings
        if settings is None:
            return "legacy"
        if self.player is not None and self.player.available:
            return "sound"
        return "bells" if settings.bells else "off"

    def give(
        self, kind: SignalClass, *, bell: bool, web_write: Callable[[str], None] | None = None
    ) -> None:
        """Signal `kind`: to the page (`web_write`, browser station), the sound card, or
        as a bell pattern. `bell`: whether the result asked for the bell (legacy only)."""
        settings = self.settings
        if settings is None:
            if bell:
                self._ring()
            return
        if web_write is not None and settings.enabled:
            web_write(web_signal(kind, settings.volume))
            return
        if self.player is not None and self.player.available:
            self.player.play(kind)
            return
        if settings.bells:
            self.ring_pattern(kind)

    def ring_pattern(self, kind: SignalClass) -> None:
        count, gap = BELLS[kind]
        for i in range(count):
            if i == 0:
                self._ring()
            else:
                self._later(gap * i, self._ring)
