"""`packstation serve` without a browser: arguments, the host policy, the command each tab
runs, and a page that names nothing outside this server."""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import textual_serve.server

from packstation.cli.main import main
from packstation.cli.serve_cmd import is_loopback, queue_command, station_command
from packstation.cli.station_cmd import build_devices
from packstation.config import load_config
from packstation.web import TEMPLATES_DIR

STATIC = Path(textual_serve.server.__file__).resolve().parent / "static"


class FakeServer:
    """Stands in for textual_serve.server.Server: records what it was given."""

    made: list[FakeServer] = []
    error: OSError | None = None

    def __init__(self, command: str, **kwargs: Any) -> None:
        self.command = command
        self.kwargs = kwargs
        self.db_env = ""
        FakeServer.made.append(self)

    def serve(self) -> None:
        self.db_env = os.environ.get("PACKSTATION_DB", "")
        if FakeServer.error is not None:
            raise FakeServer.error


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> type[FakeServer]:
    monkeypatch.setattr(textual_serve.server, "Server", FakeServer)
    monkeypatch.setattr(FakeServer, "made", [])
    monkeypatch.setattr(FakeServer, "error", None)
    monkeypatch.setenv("PACKSTATION_DB", "restored-after-the-test")
    return FakeServer


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--host",
        "--port",
        "--db",
        "--locale",
        "--refresh",
        "--shift-start",
        "--station",
    ):
        assert option in out


@pytest.mark.parametrize("args", [["--port", "0"], ["--port", "http"], ["--refresh", "0"]])
def test_bad_values_are_usage_errors(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", *args])
    assert exit_.value.code == 2
    assert "error" in capsys.readouterr().err


def test_unreachable_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["serve", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("packstation:") and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.1.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("lead-tablet.lan", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_each_tab_runs_the_queue_with_the_db_in_the_environment(
    fake_server: type[FakeServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--db", sqlite_url, "--locale", "en", "--port", "8123"]) == 0
    (server,) = fake_server.made
    assert server.kwargs["host"] == "127.0.0.1" and server.kwargs["port"] == 8123
    assert Path(server.kwargs["templates_path"]) == TEMPLATES_DIR
    argv = shlex.split(server.command)
    assert argv[:4] == [sys.executable, "-m", "packstation", "queue"]
    assert argv[argv.index("--locale") + 1] == "en"
    assert sqlite_url not in server.command  # the URL (maybe with a password) is not shown
    assert server.db_env == sqlite_url
    assert "warning" not in capsys.readouterr().err


def test_another_host_is_served_with_a_warning(
    fake_server: type[FakeServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--db", sqlite_url, "--host", "0.0.0.0"]) == 0
    assert fake_server.made[0].kwargs["host"] == "0.0.0.0"
    err = capsys.readouterr().err
    assert err.startswith("packstation: warning: serving on 0.0.0.0")


def test_a_busy_port_is_one_line(
    fake_server: type[FakeServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_server.error = OSError(98, "Address already in use")
    assert main(["serve", "--db", sqlite_url, "--port", "8000"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "packstation: cannot serve on 127.0.0.1:8000: Address already in use"


def test_queue_command_quotes_its_arguments() -> None:
    command = queue_command("ru", 0.5, time(7, 30))
    assert shlex.split(command)[4:] == [
        "--locale",
        "ru",
        "--refresh",
        "0.5",
        "--shift-start",
        "07:30",
    ]


def test_the_page_needs_nothing_from_outside() -> None:
    page = (TEMPLATES_DIR / "app_index.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://|//fonts\.|googleapis|cdn", page, re.IGNORECASE)
    local = re.findall(r"(?:href|src|url\()=?\"?(static/[^\"')]+)", page)
    assert {"static/js/textual.js", "static/css/xterm.css"} <= set(local)
    for path in local:  # every file the page asks for is one textual-serve ships
        assert (STATIC / path.removeprefix("static/")).is_file(), path


def test_with_station_each_tab_runs_that_station_with_a_keyboard_scanner(
    fake_server: type[FakeServer], sqlite_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[scanner]\nport = "/dev/ttyACM0"\n[scale]\nport = "/dev/ttyUSB0"\n')
    args = ["--config", str(config), "serve", "--db", sqlite_url, "--station", "PS-WEB"]
    assert main([*args, "--locale", "en"]) == 0
    (server,) = fake_server.made
    assert server.kwargs["title"] == "packstation PS-WEB"
    assert shlex.split(server.command) == [
        sys.executable,
        "-m",
        "packstation",
        "--config",
        str(config.resolve()),
        "run",
        "--station",
        "PS-WEB",
        "--scanner",
        "keyboard",
        "--locale",
        "en",
        "--scale",
        "none",
    ]
    assert server.db_env == sqlite_url and sqlite_url not in server.command


def test_the_config_may_give_a_browser_station_its_scale(
    fake_server: type[FakeServer], sqlite_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[scale]\nport = "socket://10.0.0.5:4001"\n[web]\nscale = true\n')
    args = ["--config", str(config), "serve", "--db", sqlite_url, "--station", "PS-WEB"]
    assert main(args) == 0
    argv = shlex.split(fake_server.made[0].command)
    assert "--scale" not in argv and argv[argv.index("--scanner") + 1] == "keyboard"
    assert argv[argv.index("--locale") + 1] == "ru"  # the config's (default) locale


def test_a_wrong_web_scale_is_one_line(
    fake_server: type[FakeServer],
    sqlite_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[web]\nscale = "yes"\n')
    args = ["--config", str(config), "serve", "--db", sqlite_url, "--station", "PS-WEB"]
    assert main(args) == 1
    assert not fake_server.made
    err = capsys.readouterr().err.strip()
    assert err == f"packstation: config {config}: web.scale must be true or false"


def test_a_station_on_another_host_is_served_with_a_warning(
    fake_server: type[FakeServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--db", sqlite_url, "--station", "PS-9", "--host", "0.0.0.0"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("packstation: warning: serving on 0.0.0.0") and "station PS-9" in err


def test_station_command_without_a_config() -> None:
    argv = shlex.split(station_command("PS 1; rm -rf /", "ru"))
    assert argv[3:] == ["run", "--station", "PS 1; rm -rf /", "--scanner", "keyboard"] + [
        "--locale",
        "ru",
        "--scale",
        "none",
    ]


def test_scale_none_opens_no_scale_whatever_the_config_says(tmp_path: Path) -> None:
    config = tmp_path / "station.toml"
    config.write_text('[scanner]\nport = "/dev/ttyACM0"\n[scale]\nport = "/dev/ttyUSB0"\n')
    cfg = load_config(config)
    args = argparse.Namespace(scanner="keyboard", scale="none", scale_protocol=None)
    assert build_devices(cfg, args) == {}
    args.scale = None
    assert set(build_devices(cfg, args)) == {"scale"}
