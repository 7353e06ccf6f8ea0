"""`packstation serve`: the team lead's queue screen in a browser, through textual-serve.

textual-serve starts one `packstation queue` process per browser tab and relays
its screen over a websocket. The page is our own template
(`packstation/web/templates/app_index.html`): it loads only the static files
textual-serve ships (xterm.js bundle, CSS, the Roboto Mono font) from this
server, so it works on a floor with no internet access, and it starts the app
at once instead of showing the server's command line behind a Start button.

The database URL reaches the per-tab processes through `$PACKSTATION_DB`, not
their command line, so a password in it is not shown in `ps` or the banner.

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

from packstation.cli.common import CliError, config_of
from packstation.cli.queue_cmd import add_view_options
from packstation.config import resolve_db_url

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
        help="queue screen in a browser (textual-serve)",
        description="Serve the team-lead queue screen to web browsers: each tab runs its own "
        "queue screen. Works offline (no fonts or scripts from the internet). Listens on "
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


def run_serve(args: argparse.Namespace) -> int:
    from packstation.models.db import open_database

    cfg = config_of(args)
    url = resolve_db_url(args.db, cfg)
    # Checked (and a SQLite file created/upgraded) once here: a wrong URL is a one-line
    # error now, not a broken page in every browser tab later.
    open_database(url).dispose()

    from textual_serve.server import Server

    from packstation.web import TEMPLATES_DIR

    if not is_loopback(args.host):
        print(
            f"packstation: warning: serving on {args.host}: anyone who can reach port "
            f"{args.port} sees the queue; the page is plain HTTP with no login, and lead "
            "PINs cross the network unencrypted",
            file=sys.stderr,
        )
    os.environ["PACKSTATION_DB"] = url  # inherited by each tab's `packstation queue`
    command = queue_command(args.locale or cfg.locale, args.refresh, args.shift_start)
    server = Server(
        command,
        host=args.host,
        port=args.port,
        title="packstation queue",
        templates_path=TEMPLATES_DIR,
    )
    try:
        server.serve()
    except OSError as exc:
        raise CliError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    return 0
