"""Station configuration: a TOML file, overridden by PACKSTATION_* variables and flags."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs


class ConfigError(Exception):
    pass


@dataclass(slots=True)
class StationConfig:
    station_id: str = "PS-01"
    station_name: str = ""
    locale: str = "ru"
    kiosk: bool = False
    idle_logout_s: int = 900
    database_url: str | None = None
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
        kiosk=bool(station.get("kiosk", False)),
        idle_logout_s=int(station.get("idle_logout_s", 900)),
        database_url=url if isinstance(url, str) else None,
        raw=raw,
        source=path,
    )


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
