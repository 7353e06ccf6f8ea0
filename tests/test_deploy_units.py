"""The systemd units in docs/deploy: their command lines parse with packstation's own parser,
and every path they write exists for their User, writable under their sandbox.

systemd makes a `LogsDirectory=`/`StateDirectory=` folder owned by the unit's User (and
writable under `ProtectSystem=strict`); `ReadWritePaths=` opens an existing one. A log
file anywhere else fails at start-up (`logging.basicConfig` cannot open it), so a unit
copied as documented must not depend on someone making its folders by hand.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest

from packstation.cli.main import build_parser, command_word

DEPLOY = Path(__file__).resolve().parents[1] / "docs" / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
#: Where systemd puts each kind of managed directory.
MANAGED = {
    "LogsDirectory": "/var/log",
    "StateDirectory": "/var/lib",
    "CacheDirectory": "/var/cache",
    "RuntimeDirectory": "/run",
}


@dataclass
class Unit:
    name: str
    service: dict[str, list[str]] = field(default_factory=dict)

    def one(self, key: str) -> str:
        [value] = self.service[key]
        return value

    @property
    def environment(self) -> dict[str, str]:
        pairs = [item.split("=", 1) for line in self.service.get("Environment", [])
                 for item in shlex.split(line)]  # fmt: skip
        return {key: value for key, value in pairs}

    @property
    def writable(self) -> list[PurePosixPath]:
        """The folders the unit may write: its managed directories and ReadWritePaths."""
        found = [
            PurePosixPath(base) / name
            for key, base in MANAGED.items()
            for line in self.service.get(key, [])
            for name in line.split()
        ]
        for line in self.service.get("ReadWritePaths", []):
            found += [PurePosixPath(p.lstrip("-+")) for p in line.split()]
        return found


def read_unit(path: Path) -> Unit:
    """The [Service] section; a key given twice (Environment=) keeps every value; the
    instance specifiers (%i, %I) become a sample instance name."""
    unit, section = Unit(path.name), ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        if section == "Service":
            value = value.strip().replace("%i", "station").replace("%I", "tty1")
            unit.service.setdefault(key.strip(), []).append(value)
    return unit


def parsed(unit: Unit) -> argparse.Namespace:
    """ExecStart's arguments after the program, parsed as `packstation` would."""
    program, *args = shlex.split(unit.one("ExecStart").lstrip("-@+!:"))
    assert PurePosixPath(program).name == "packstation"
    try:
        return build_parser(command_word(args)).parse_args(args)
    except SystemExit:
        pytest.fail(f"{unit.name}: packstation refuses ExecStart's arguments {args}")


def written(unit: Unit, args: argparse.Namespace) -> list[PurePosixPath]:
    """The folders the unit writes into: its log file's, a SQLite database's, and any
    other absolute path it is given (an output or data folder; not the config, read)."""
    found: list[PurePosixPath] = []
    env = unit.environment
    if "PACKSTATION_LOG" in env:
        found.append(PurePosixPath(env["PACKSTATION_LOG"]).parent)
    values = {k: v for k, v in vars(args).items() if k not in ("config", "func")}
    if "PACKSTATION_DB" in env:
        values["db"] = env["PACKSTATION_DB"]
    for key, value in values.items():
        text = str(value) if isinstance(value, str | Path) else ""
        if text.startswith("sqlite:///"):
            found.append(PurePosixPath(text.removeprefix("sqlite:///")).parent)
        elif text.startswith("/"):
            found.append(PurePosixPath(text) if key in ("dir", "output") else
                         PurePosixPath(text).parent)  # fmt: skip
    return found


def test_there_are_units() -> None:
    assert {u.name for u in UNITS} >= {
        "packstation@.service",
        "packstation-evidence@.service",
        "packstation-channels.service",
    }


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_each_unit_parses_and_writes_only_where_it_may(path: Path) -> None:
    unit = read_unit(path)
    args = parsed(unit)
    assert callable(args.func)
    if unit.service.get("Restart") == ["always"]:
        assert not getattr(args, "once", False), "a restarted worker must loop, not run once"
    targets = written(unit, args)
    assert targets, f"{unit.name} writes no log: set PACKSTATION_LOG"
    allowed = unit.writable
    for target in targets:
        assert any(target == ok or ok in target.parents for ok in allowed), (
            f"{unit.name} writes to {target}, which no LogsDirectory=, StateDirectory= or "
            f"ReadWritePaths= covers ({', '.join(map(str, allowed)) or 'none'})"
        )


def test_units_share_a_managed_directory_only_with_the_same_user() -> None:
    """systemd hands a managed directory to its unit's User, recursively: two Users on one
    folder would take each other's log files away at every start."""
    owners: dict[PurePosixPath, set[str]] = {}
    for path in UNITS:
        unit = read_unit(path)
        managed = [w for w in unit.writable if str(w.parent) in MANAGED.values()]
        for folder in managed:
            owners.setdefault(folder, set()).add(unit.one("User"))
    shared = {str(folder): users for folder, users in owners.items() if len(users) > 1}
    assert shared == {}
