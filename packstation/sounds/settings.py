"""`[sounds]` in the station config: on or off, how loud, which files, which player."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from packstation.config import ConfigError
from packstation.domain.signals import SignalClass

__all__ = ["SoundSettings", "sound_settings"]


class SoundSettings(Struct, frozen=True):
    """How the station sounds. The defaults play the built-in tones through `aplay` (or
    `paplay`) when the PC has a sound card, and ring terminal bell patterns when not."""

    #: False: nothing on the sound card and nothing in the browser (bells still, see `bells`).
    enabled: bool = True
    #: 0-100: the built-in tones are made at this loudness, WAV files given are scaled to it.
    volume: int = 80
    #: Per class (`SignalClass` value): a WAV file played instead of the built-in tone.
    files: dict[SignalClass, Path] = field(default_factory=dict)
    #: The player command, the file's path appended; empty: `aplay -q`, else `paplay`,
    #: whichever is installed, and only when `/proc/asound/cards` lists a card.
    player: tuple[str, ...] = ()
    #: Where there is no sound (no card, no player, `enabled = false`): terminal bell
    #: patterns for the red results (`domain/signals.BELLS`). False: not even those.
    bells: bool = True
    #: Where the built-in tones are written (default: the user cache dir).
    cache_dir: Path | None = None


def sound_settings(raw: dict[str, Any], path: Path | None = None) -> SoundSettings:
    """`[sounds]` of a parsed config; each absent key keeps its default. Relative file
    paths are relative to the config file."""
    where = f"config {path}" if path else "config"
    section = raw.get("sounds", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: [sounds] must be a table")
    defaults = SoundSettings()
    enabled = section.get("enabled", defaults.enabled)
    bells = section.get("bells", defaults.bells)
    for name, value in (("enabled", enabled), ("bells", bells)):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: sounds.{name} must be true or false")
    volume = section.get("volume", defaults.volume)
    if isinstance(volume, bool) or not isinstance(volume, int) or not 0 <= volume <= 100:
        raise ConfigError(f"{where}: sounds.volume must be a whole number from 0 to 100")
    player = section.get("player", "")
    if isinstance(player, str):
        command = tuple(shlex.split(player))
    elif isinstance(player, list) and all(isinstance(x, str) for x in player):
        command = tuple(player)
    else:
        raise ConfigError(f"{where}: sounds.player must be a command line or a list of words")
    files_raw = section.get("files", {})
    if not isinstance(files_raw, dict):
        raise ConfigError(f"{where}: [sounds.files] must be a table")
    known = ", ".join(c.value for c in SignalClass)
    files: dict[SignalClass, Path] = {}
    base = path.parent if path is not None else Path.cwd()
    for name, value in files_raw.items():
        try:
            kind = SignalClass(name)
        except ValueError:
            raise ConfigError(f"{where}: sounds.files.{name}: not one of {known}") from None
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: sounds.files.{name} must be a file path")
        files[kind] = (base / Path(value).expanduser()).resolve()
    cache = section.get("cache_dir")
    if cache is not None and not isinstance(cache, str):
        raise ConfigError(f"{where}: sounds.cache_dir must be a folder path")
    return SoundSettings(
        enabled=enabled,
        volume=volume,
        files=files,
        player=command,
        bells=bells,
        cache_dir=(base / cache).resolve() if cache else None,
    )
