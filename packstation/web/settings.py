"""The `[web]` section of the config: how `packstation serve` is reached and protected.

```toml
[web]
scale = false                  # a browser station opens the config's [scale]
names = ["pack-lead.lan"]      # names (or addresses) browsers use besides --host
cert = "/etc/packstation/web.crt"   # TLS certificate chain (PEM); relative to this file
key = "/etc/packstation/web.key"    # its private key (PEM)
```

Command-line options win: `--public-name` adds to `names`, `--cert`/`--key` replace them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packstation.config import ConfigError, StationConfig
from packstation.web.guard import valid_name


@dataclass(frozen=True, slots=True)
class WebSection:
    scale: bool = False
    names: tuple[str, ...] = ()
    cert: Path | None = None
    key: Path | None = None


def web_section(cfg: StationConfig) -> WebSection:
    where = f"config {cfg.source}" if cfg.source else "config"
    web = cfg.raw.get("web", {})
    if not isinstance(web, dict):
        raise ConfigError(f"{where}: [web] must be a table")
    scale = web.get("scale", False)
    if not isinstance(scale, bool):
        raise ConfigError(f"{where}: web.scale must be true or false")
    names = web.get("names", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and valid_name(n) for n in names):
        raise ConfigError(f"{where}: web.names must be a list of host names or addresses")
    base = cfg.source.parent if cfg.source else Path.cwd()
    paths: dict[str, Path | None] = {}
    for key in ("cert", "key"):
        value = web.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigError(f"{where}: web.{key} must be a file path")
        paths[key] = base / value if value else None
    return WebSection(scale, tuple(names), paths["cert"], paths["key"])
