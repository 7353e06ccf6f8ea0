"""A stand-in sound player: a real process that notes each file it is given."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest


def fake_player(folder: Path, *, sleep_s: float = 0.0, exit_code: int = 0) -> tuple[Path, Path]:
    """A shell script that appends its arguments to a log (then sleeps, then exits);
    returns (script, log)."""
    log = folder / "played.log"
    script = folder / "fake-aplay"
    script.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$*" >> "{log}"\n'
        + (f"sleep {sleep_s}\n" if sleep_s else "")
        + f"exit {exit_code}\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, log


def played(log: Path) -> list[str]:
    """The class of each sound played (from the WAV file names the player was given)."""
    if not log.exists():
        return []
    return [Path(line.split()[-1]).name.split("-v")[0] for line in log.read_text().splitlines()]


@pytest.fixture
def player(tmp_path: Path) -> tuple[Path, Path]:
    return fake_player(tmp_path)
