"""Station configuration: a TOML file, overridden by PACKSTATION_* variables and flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import platformdirs


class ConfigError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class PinLimits:
    """`[security]`: wrong PINs in a row before a badge locks, and for how long it stays
    locked. Applied wherever a lead's PIN is checked (overrides, queue actions, kiosk exit);
    the count itself is kept per badge in the database (`operators.failed_pins`)."""

    attempts: int = 5
    lock_s: int = 900

    @property
    def lock_for(self) -> timedelta:
        return timedelta(seconds=self.lock_s)


#: `[floor]` defaults: a heartbeat keeps a station alive this long (`lease_s`) ...
LEASE_S = 30.0
#: ... and its order is released automatically this long after that (`auto_release_s`).
AUTO_RELEASE_S = 600.0
#: How often a station beats at most (more often when the lease is short).
HEARTBEAT_S = 5.0
#: A shorter lease would have the station beating several times a second.
MIN_LEASE_S = 3.0
#: Upper bound of both `[floor]` times (a week): beyond it a typo, not a setting.
MAX_FLOOR_S = 7 * 24 * 3600.0


def lease_end(now: datetime, lease_s: float = LEASE_S) -> datetime:
    """Until when a station that beats at `now` is alive (`station/leases.py`)."""
    return now + timedelta(seconds=lease_s)


@dataclass(frozen=True, slots=True)
class LeaseTimings:
    """`[floor]`: how long a heartbeat keeps a station (and the order it holds) alive, and
    how long after its lease ran out that order goes back to the queue by itself
    (`station/leases.py`, run from any station's heartbeat). Each station applies its own
    `auto_release_s` when it releases others' orders: give the floor one value."""

    lease_s: float = LEASE_S
    auto_release_s: float = AUTO_RELEASE_S

    @property
    def heartbeat_s(self) -> float:
        """At least three beats per lease, so one slow beat never lets the lease lapse."""
        return min(HEARTBEAT_S, self.lease_s / 3)


@dataclass(slots=True)
class StationConfig:
    station_id: str = "PS-01"
    station_name: str = ""
    locale: str = "ru"
    kiosk: bool = False
    #: ASCII borders and marks, for the Linux console's fonts (`screens/console.py`).
    ascii: bool = False
    #: The result's headline in block letters, readable from two metres (`[station] big`).
    big: bool = False
    idle_logout_s: int = 900
    database_url: str | None = None
    pin_limits: PinLimits = field(default_factory=PinLimits)
    leases: LeaseTimings = field(default_factory=LeaseTimings)
    #: The whole parsed file, for sections later layers read (boxes, checklists, ...).
    raw: dict[str, Any] = field(default_factory=dict)
    source: Path | None = None


def load_config(path: Path | None) -> StationConfig:
    if path is None:
        return StationConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config {path}: {exc}") from exc
    station = raw.get("station", {})
    database = raw.get("database", {})
    if not isinstance(station, dict) or not isinstance(database, dict):
        raise ConfigError(f"config {path}: [station] and [database] must be tables")
    url = database.get("url")
    if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        # A relative SQLite path in a config file is relative to that file, not to the cwd.
        url = "sqlite:///" + str((path.parent / url.removeprefix("sqlite:///")).resolve())
    return StationConfig(
        station_id=str(station.get("id", "PS-01")),
        station_name=str(station.get("name", "")),
        locale=str(station.get("locale", "ru")),
        kiosk=_switch(station, "kiosk", path),
        ascii=_switch(station, "ascii", path),
        big=_switch(station, "big", path),
        idle_logout_s=int(station.get("idle_logout_s", 900)),
        database_url=url if isinstance(url, str) else None,
        pin_limits=pin_limits(raw, path),
        leases=lease_timings(raw, path),
        raw=raw,
        source=path,
    )


def _switch(station: dict[str, Any], key: str, path: Path | None) -> bool:
    """A [station] on/off setting: a TOML true or false only (the string "false" would
    otherwise turn it on)."""
    value = station.get(key, False)
    if not isinstance(value, bool):
        where = f"config {path}" if path else "config"
        raise ConfigError(f"{where}: station.{key} must be true or false, not {value!r}")
    return value


def pin_limits(raw: dict[str, Any], path: Path | None = None) -> PinLimits:
    """`[security] pin_attempts` and `pin_lock_s`; each absent key keeps its default."""
    where = f"config {path}" if path else "config"
    security = raw.get("security", {})
    if not isinstance(security, dict):
        raise ConfigError(f"{where}: [security] must be a table")
    defaults = PinLimits()
    values: dict[str, int] = {}
    for key, default, low in (
        ("pin_attempts", defaults.attempts, 1),
        ("pin_lock_s", defaults.lock_s, 1),
    ):
        value = security.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{where}: security.{key} must be a whole number >= {low}")
        values[key] = value
    return PinLimits(attempts=values["pin_attempts"], lock_s=values["pin_lock_s"])


def lease_timings(raw: dict[str, Any], path: Path | None = None) -> LeaseTimings:
    """`[floor] lease_s` and `auto_release_s` (seconds); each absent key keeps its default."""
    where = f"config {path}" if path else "config"
    floor = raw.get("floor", {})
    if not isinstance(floor, dict):
        raise ConfigError(f"{where}: [floor] must be a table")
    values: dict[str, float] = {}
    for key, default, low in (
        ("lease_s", LEASE_S, MIN_LEASE_S),
        ("auto_release_s", AUTO_RELEASE_S, 0.0),
    ):
        value = floor.get(key, default)
        number = not isinstance(value, bool) and isinstance(value, int | float)
        if not number or not low <= value <= MAX_FLOOR_S:  # NaN fails both comparisons
            raise ConfigError(
                f"{where}: floor.{key} must be a number of seconds from {low:g} to {MAX_FLOOR_S:g}"
            )
        values[key] = float(value)
    return LeaseTimings(lease_s=values["lease_s"], auto_release_s=values["auto_release_s"])


#: `[intake] max_file_mb` may not exceed this: past it a typo, and more memory than a PC has.
MAX_INTAKE_MB = 1024


def intake_max_bytes(raw: dict[str, Any], path: Path | None = None) -> int | None:
    """`[intake] max_file_mb`: the largest order file read, in bytes (None: the default,
    `intake.IntakeLimits.max_file_bytes`, 64 MiB)."""
    where = f"config {path}" if path else "config"
    intake = raw.get("intake", {})
    if not isinstance(intake, dict):
        raise ConfigError(f"{where}: [intake] must be a table")
    value = intake.get("max_file_mb")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INTAKE_MB:
        raise ConfigError(f"{where}: intake.max_file_mb must be a whole number from 1 to 1024")
    return value * 2**20


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("packstation")) / "packstation.db"


def resolve_db_url(cli_value: str | None, config: StationConfig | None = None) -> str:
    """--db, then $PACKSTATION_DB, then the config file, then a SQLite file in the user data dir.

    A bare path (no "://") means a SQLite file, which is what people type.
    """
    value = (
        cli_value
        or os.environ.get("PACKSTATION_DB")
        or (config.database_url if config else None)
        or str(default_db_path())
    )
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().resolve())
    return value


def ship_from(raw: dict[str, Any]) -> tuple[str, ...]:
    """The sender block for labels and documents: `[shipper] name` and `address` lines."""
    shipper = raw.get("shipper", {})
    if not isinstance(shipper, dict):
        return ()
    address = shipper.get("address", [])
    lines = [str(shipper.get("name", ""))] + [str(x) for x in address if isinstance(address, list)]
    return tuple(x for x in lines if x)
