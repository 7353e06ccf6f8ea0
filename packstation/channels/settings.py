"""`[[channels]]` in the station config: one table per marketplace account.

The key itself is never in the file and never in the database: the table names an
environment variable (`api_key_env`) or a file only its owner can read
(`api_key_file`), and the key is read when a client is made. `Secret` keeps it out
of reprs, logs and `--json` by accident.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packstation.config import ConfigError

KINDS = ("ozon", "wildberries")
DEFAULT_URLS = {
    "ozon": "https://api-seller.ozon.ru",
    "wildberries": "https://marketplace-api.wildberries.ru",
}


class Secret:
    """A credential: usable, never shown."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    kind: str
    name: str
    #: The marketplace warehouse ids this warehouse packs for (empty: every one).
    warehouses: tuple[str, ...] = ()
    base_url: str = ""
    #: Ozon's Client-Id (not a secret: it names the account).
    client_id: str = ""
    api_key_env: str = ""
    api_key_file: str = ""
    #: How many calls a second the account may make (Ozon publishes per Client-Id limits).
    rps: float = 0.0
    timeout_s: float = 10.0
    #: Days ahead of today the sync asks for (Ozon's cutoff window).
    days_ahead: int = 14
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.base_url or DEFAULT_URLS[self.kind]

    def api_key(self, environ: dict[str, str] | None = None) -> Secret:
        """The key, from the variable or the owner-only file; a clear error names which."""
        env = os.environ if environ is None else environ
        if self.api_key_env:
            value = env.get(self.api_key_env, "")
            if not value.strip():
                raise ConfigError(
                    f"channel {self.name}: environment variable {self.api_key_env} is not set"
                )
            return Secret(value.strip())
        path = Path(self.api_key_file).expanduser()
        try:
            info = path.stat()
        except OSError as exc:
            raise ConfigError(
                f"channel {self.name}: cannot read api_key_file {path}: {exc.strerror}"
            ) from None
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"channel {self.name}: {path} can be read by others "
                f"(mode {stat.filemode(info.st_mode)}); run: chmod 600 {path}"
            )
        value = path.read_text(encoding="utf-8").strip()
        if not value:
            raise ConfigError(f"channel {self.name}: {path} is empty")
        return Secret(value)


def channel_settings(raw: dict[str, Any]) -> list[ChannelSettings]:
    """Every `[[channels]]` table of a parsed config, checked; a mistake names the table."""
    tables = raw.get("channels", [])
    if not isinstance(tables, list):
        raise ConfigError("[[channels]] must be an array of tables")
    found: list[ChannelSettings] = []
    names: set[str] = set()
    for index, table in enumerate(tables, start=1):
        where = f"[[channels]] #{index}"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: not a table")
        kind = str(table.get("kind", "")).strip().lower()
        if kind not in KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
        name = str(table.get("name", "")).strip()
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise ConfigError(f"{where}: name must be letters, digits, '-' or '_'")
        if name in names:
            raise ConfigError(f"{where}: a second channel named {name}")
        names.add(name)
        if "api_key" in table:
            raise ConfigError(
                f"{where} ({name}): the key is never written in the config; "
                "use api_key_env or api_key_file"
            )
        env_name = str(table.get("api_key_env", "")).strip()
        key_file = str(table.get("api_key_file", "")).strip()
        if bool(env_name) == bool(key_file):
            raise ConfigError(f"{where} ({name}): give exactly one of api_key_env, api_key_file")
        client_id = str(table.get("client_id", "")).strip()
        if kind == "ozon" and not client_id:
            raise ConfigError(f"{where} ({name}): an Ozon channel needs client_id")
        warehouses = table.get("warehouses", [])
        if not isinstance(warehouses, list):
            raise ConfigError(f"{where} ({name}): warehouses must be a list of ids")
        known = {
            "kind",
            "name",
            "warehouses",
            "base_url",
            "client_id",
            "api_key_env",
            "api_key_file",
            "rps",
            "timeout_s",
            "days_ahead",
        }
        try:
            rps = float(table.get("rps", 0) or 0)
            timeout_s = float(table.get("timeout_s", 10))
            days_ahead = int(table.get("days_ahead", 14))
        except (TypeError, ValueError):
            raise ConfigError(f"{where} ({name}): rps, timeout_s, days_ahead are numbers") from None
        if timeout_s <= 0 or rps < 0 or days_ahead < 1:
            raise ConfigError(f"{where} ({name}): timeout_s and days_ahead must be positive")
        found.append(
            ChannelSettings(
                kind=kind,
                name=name,
                warehouses=tuple(str(w) for w in warehouses),
                base_url=str(table.get("base_url", "")).strip().rstrip("/"),
                client_id=client_id,
                api_key_env=env_name,
                api_key_file=key_file,
                rps=rps,
                timeout_s=timeout_s,
                days_ahead=days_ahead,
                extra={k: v for k, v in table.items() if k not in known},
            )
        )
    return found
