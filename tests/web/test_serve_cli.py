"""`packstation serve` without a browser: arguments, the host and TLS policy, the command
each tab runs, and pages that name nothing outside this server."""

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

import packstation.web.server
from packstation.cli.main import main
from packstation.cli.serve_cmd import is_loopback, queue_command, station_command
from packstation.cli.station_cmd import build_devices
from packstation.config import load_config
from packstation.web import TEMPLATES_DIR

STATIC = Path(textual_serve.server.__file__).resolve().parent / "static"


class FakeServer:
    """Stands in for packstation.web.server.WebServer: records what it was given."""

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
    monkeypatch.setattr(packstation.web.server, "WebServer", FakeServer)
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
        "--public-name",
        "--cert",
        "--key",
        "--insecure",
    ):
        assert option in out


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "0"],
        ["--port", "http"],
        ["--refresh", "0"],
        ["--public-name", "http://pack-lead.lan"],
        ["--public-name", "pack-lead.lan:8000"],
    ],
)
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


def test_another_host_without_tls_is_refused_in_one_line(
    fake_server: type[FakeServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--db", sqlite_url, "--host", "192.168.1.20"]) == 2
    assert not fake_server.made
    err = capsys.readouterr().err.strip()
    assert err == (
        "packstation serve: error: refusing to serve on 192.168.1.20 without TLS: badges, "
        "PINs and the session would cross the network in plain text; give --cert and --key "
        "(or --insecure on purpose)"
    )


def test_insecure_serves_another_host_with_a_warning(
    fake_server: type[FakeServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["serve", "--db", sqlite_url, "--host", "0.0.0.0", "--insecure"]
    assert main([*args, "--public-name", "pack-lead.lan"]) == 0
    (server,) = fake_server.made
    assert server.kwargs["host"] == "0.0.0.0" and server.kwargs["ssl_context"] is None
    guard = server.kwargs["guard"]
    assert guard.host_ok("pack-lead.lan:8000") and not guard.host_ok("0.0.0.0:8000")
    err = capsys.readouterr().err
    assert err.startswith("packstation: warning: serving on 0.0.0.0 without TLS (--insecure)")


def test_a_wildcard_host_needs_the_name_browsers_use(
    fake_server: type[FakeServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--db", sqlite_url, "--host", "0.0.0.0", "--insecure"]) == 2
    assert not fake_server.made
    err = capsys.readouterr().err.strip()
    assert err.startswith("packstation serve: error: serving on 0.0.0.0:8000 needs --public-name")
    assert "\n" not in err


def test_loopback_is_served_with_its_names_and_the_idle_time_of_the_config(
    fake_server: type[FakeServer], sqlite_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "station.toml"
    config.write_text(
        "[station]\nidle_logout_s = 300\n[security]\npin_attempts = 3\n"
        '[web]\nnames = ["pack-lead.lan"]\n'
    )
    assert main(["--config", str(config), "serve", "--db", sqlite_url, "--port", "8123"]) == 0
    kwargs = fake_server.made[0].kwargs
    assert kwargs["guard"].names == {"127.0.0.1", "localhost", "::1", "pack-lead.lan"}
    assert kwargs["guard"].port == 8123 and not kwargs["guard"].tls
    assert kwargs["idle_s"] == 300 and kwargs["pin_limits"].attempts == 3
    assert kwargs["station"] is None and kwargs["locale"] == "ru"


def test_a_station_that_never_logs_out_still_ends_browser_sessions(
    fake_server: type[FakeServer], sqlite_url: str, tmp_path: Path
) -> None:
    config = tmp_path / "station.toml"
    config.write_text("[station]\nidle_logout_s = 0\n")
    assert main(["--config", str(config), "serve", "--db", sqlite_url]) == 0
    assert fake_server.made[0].kwargs["idle_s"] == 900


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    from tests.web.harness import self_signed

    return self_signed(tmp_path)


def test_tls_from_the_command_line(
    fake_server: type[FakeServer],
    sqlite_url: str,
    certificate: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    cert, key = certificate
    args = ["serve", "--db", sqlite_url, "--host", "192.168.1.20", "--port", "8443"]
    assert main([*args, "--cert", str(cert), "--key", str(key)]) == 0
    kwargs = fake_server.made[0].kwargs
    assert kwargs["ssl_context"] is not None and kwargs["guard"].tls
    assert kwargs["guard"].origin_ok("https://192.168.1.20:8443")
    assert capsys.readouterr().err == ""  # TLS: no warning


def test_tls_from_the_config(
    fake_server: type[FakeServer], sqlite_url: str, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    config = cert.parent / "station.toml"
    config.write_text(f'[web]\ncert = "{cert.name}"\nkey = "{key}"\n')
    args = ["--config", str(config), "serve", "--db", sqlite_url, "--host", "192.168.1.20"]
    assert main(args) == 0
    assert fake_server.made[0].kwargs["ssl_context"] is not None


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--cert", "web.crt"], 2, "packstation serve: error: --cert and --key go together"),
        (
            ["--cert", "missing.crt", "--key", "missing.key"],
            1,
            "packstation: cannot read TLS file missing.crt: no such file",
        ),
    ],
)
def test_tls_mistakes_are_one_line(
    fake_server: type[FakeServer],
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    args: list[str],
    code: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["serve", "--db", sqlite_url, *args]) == code
    assert not fake_server.made
    assert capsys.readouterr().err.strip() == message


def test_a_key_that_does_not_fit_is_one_line(
    fake_server: type[FakeServer],
    sqlite_url: str,
    certificate: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    cert, _ = certificate
    assert main(["serve", "--db", sqlite_url, "--cert", str(cert), "--key", str(cert)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"packstation: cannot load TLS certificate {cert} with key {cert}:")
    assert "\n" not in err


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


@pytest.mark.parametrize("template", ["app_index.html", "login.html"])
def test_the_pages_need_nothing_from_outside(template: str) -> None:
    page = (TEMPLATES_DIR / template).read_text(encoding="utf-8")
    assert not re.search(r"https?://|//fonts\.|googleapis|cdn", page, re.IGNORECASE)
    local = re.findall(r"(?:href|src|url\()=?\"?(static/[^\"')]+)", page)
    assert "static/fonts/RobotoMono-VariableFont_wght.ttf" in local
    if template == "app_index.html":
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


def test_a_station_on_another_host_is_bound_to_that_station(
    fake_server: type[FakeServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["serve", "--db", sqlite_url, "--station", "PS-9", "--host", "192.168.1.20"]
    assert main([*args, "--insecure"]) == 0
    assert fake_server.made[0].kwargs["station"] == "PS-9"
    err = capsys.readouterr().err
    assert err.startswith("packstation: warning: serving on 192.168.1.20 without TLS")


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
