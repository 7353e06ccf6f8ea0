"""`packstation serve`: the team lead's queue screen, or one station, in a browser (textual-serve).

textual-serve starts one `packstation queue` process per browser tab (with `--station ID`:
one `packstation run --station ID`) and relays its screen over a websocket. The page is
our own template (`packstation/web/templates/app_index.html`): it loads only the static
files textual-serve ships (xterm.js bundle, CSS, the Roboto Mono font) from this server,
so it works on a floor with no internet access, and it starts the app at once instead of
showing the server's command line behind a Start button.

The database URL reaches the per-tab processes through `$PACKSTATION_DB`, not
their command line, so a password in it is not shown in `ps` or the banner.

A browser station (`--station ID`) is a thin client: its scanner is a keyboard-wedge
scanner on the browser's machine (keys reach the app like typed text + Enter), so the
config's serial `[scanner]` is never opened, and its `[scale]` only with `[web] scale =
true` (a network scale, `socket://HOST:PORT`, or one plugged into this server). Printers
come from the config (`--config`, passed on to each tab). One app per server: with
`--station` the queue is not served (run a second `serve` on another port for it);
textual-serve serves one command. One process per station id still holds: a second tab,
or a `packstation run` of the same id, says the station is already open and takes over
once the other closes (`station/instance_lock.py`).

Loopback is the default. Any other `--host` (e.g. `0.0.0.0` for the lead's
tablet on the LAN) is served, with a warning: the page is plain HTTP with no
login of its own, so whoever can reach the port sees the queue, and a lead's
PIN for release/priority/hold crosses the network unencrypted.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import time
from pathlib import Path

from packstation.cli.common import CliError, config_of
from packstation.cli.queue_cmd import add_view_options
from packstation.cli.station_cmd import NO_SCALE
from packstation.config import ConfigError, StationConfig, resolve_db_url

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from exc
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError("a port is 1 to 65535")
    return port


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve",
        help="queue screen (or, with --station, a station) in a browser (textual-serve)",
        description="Serve the team-lead queue screen to web browsers: each tab runs its own "
        "queue screen. With --station ID each tab is that station instead, a thin client "
        "whose scanner is a keyboard-wedge scanner at the browser (the config's serial "
        "scanner is not opened, its [scale] only with [web] scale = true; printers from the "
        "config); one tab at a time is the station, another one says it is already open. "
        "One app per server: for the queue as well, run a second serve on another port. "
        "Works offline (no fonts or scripts from the internet). Listens on "
        f"{DEFAULT_HOST} unless --host says otherwise; another host is served with a warning "
        "(plain HTTP, no login of its own).",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0 for the LAN)",
    )
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--station",
        metavar="ID",
        help="serve this station's screen instead of the queue (keyboard-wedge scanner; "
        "--refresh and --shift-start do not apply)",
    )
    add_view_options(serve)
    serve.set_defaults(func=run_serve)


def is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def queue_command(locale: str, refresh_s: float, shift_start: time) -> str:
    """The shell command textual-serve runs for each browser tab (it uses a shell)."""
    import shlex

    return shlex.join(
        [
            sys.executable,
            "-m",
            "packstation",
            "queue",
            "--locale",
            locale,
            "--refresh",
            repr(refresh_s),
            "--shift-start",
            shift_start.strftime("%H:%M"),
        ]
    )


def station_command(
    station_id: str, locale: str, config: Path | None = None, *, scale: bool = False
) -> str:
    """The shell command each browser tab runs with `serve --station ID`."""
    import shlex

    argv = [sys.executable, "-m", "packstation"]
    if config is not None:
        argv += ["--config", str(config.resolve())]
    argv += ["run", "--station", station_id, "--scanner", "keyboard", "--locale", locale]
    if not scale:
        argv += ["--scale", NO_SCALE]
    return shlex.join(argv)


def web_scale(cfg: StationConfig) -> bool:
    """`[web] scale`: does a browser station open the config's `[scale]`? (default false)"""
    web = cfg.raw.get("web", {})
    value = web.get("scale", False) if isinstance(web, dict) else None
    if not isinstance(value, bool):
        raise ConfigError(f"config {cfg.source}: web.scale must be true or false")
    return value


def run_serve(args: argparse.Namespace) -> int:
    from packstation.models.db import open_database

    cfg = config_of(args)
    url = resolve_db_url(args.db, cfg)
    # Checked (and a SQLite file created/upgraded) once here: a wrong URL is a one-line
    # error now, not a broken page in every browser tab later.
    open_database(url).dispose()

    from textual_serve.server import Server

    from packstation.web import TEMPLATES_DIR

    locale = args.locale or cfg.locale
    if args.station:
        config = Path(args.config) if args.config else None
        command = station_command(args.station, locale, config, scale=web_scale(cfg))
        title, what = f"packstation {args.station}", f"opens station {args.station}"
    else:
        command = queue_command(locale, args.refresh, args.shift_start)
        title, what = "packstation queue", "sees the queue"
    if not is_loopback(args.host):
        print(
            f"packstation: warning: serving on {args.host}: anyone who can reach port "
            f"{args.port} {what}; the page is plain HTTP with no login, and lead "
            "PINs cross the network unencrypted",
            file=sys.stderr,
        )
    os.environ["PACKSTATION_DB"] = url  # inherited by each tab's process
    server = Server(
        command,
        host=args.host,
        port=args.port,
        title=title,
        templates_path=TEMPLATES_DIR,
    )
    try:
        server.serve()
    except OSError as exc:
        raise CliError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    return 0
