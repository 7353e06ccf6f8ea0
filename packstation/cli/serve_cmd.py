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

Who gets in (`packstation/web/server.py`, docs/security.md "Browser view"): a request must
name a served address in `Host` and, from a browser, this server in `Origin` (else 403 and
no app process); the screen needs a badge + PIN sign-in (the queue: leads and admins; a
station: anyone with a PIN), a session that ends after `[station] idle_logout_s` idle or at
"Sign out", which also ends the tab's app. Loopback is the default. Any other `--host`
needs TLS (`--cert`/`--key` or `[web] cert`/`key`) or, on purpose, `--insecure`, and a
wildcard (`0.0.0.0`) needs the name browsers use (`--public-name`, `[web] names`).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.cli.common import CliError, config_of
from packstation.cli.queue_cmd import WEB_URL_ENV, add_view_options
from packstation.cli.station_cmd import NO_SCALE
from packstation.config import resolve_db_url

if TYPE_CHECKING:  # packstation.web is imported by `serve` only: other commands start faster
    import ssl

    from packstation.config import StationConfig
    from packstation.web.settings import WebSection

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
        "Works offline (no fonts or scripts from the internet). Every screen needs a badge + "
        "PIN sign-in (the queue: leads and admins); requests that name another host or come "
        f"from another site's page are refused. Listens on {DEFAULT_HOST} unless --host says "
        "otherwise; another host needs TLS (--cert/--key) or --insecure.",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}; 0.0.0.0 for the LAN, with "
        "--public-name)",
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
    serve.add_argument(
        "--public-name",
        metavar="NAME",
        action="append",
        type=_name,
        default=[],
        help="a name or address browsers use to reach this server besides --host (e.g. "
        "pack-lead.lan or 192.168.1.20); repeatable; adds to [web] names",
    )
    serve.add_argument("--cert", metavar="FILE", type=Path, help="TLS certificate chain (PEM)")
    serve.add_argument("--key", metavar="FILE", type=Path, help="TLS private key (PEM)")
    serve.add_argument(
        "--insecure",
        action="store_true",
        help="serve a non-loopback --host without TLS, on purpose: badges, PINs and the "
        "session cookie then cross the network in plain text",
    )
    add_view_options(serve)
    serve.set_defaults(func=run_serve)


def _name(value: str) -> str:
    from packstation.web.guard import valid_name

    if not valid_name(value):
        raise argparse.ArgumentTypeError(f"not a host name or address: {value!r}")
    return value.strip()


def is_loopback(host: str) -> bool:
    from packstation.web.guard import is_loopback

    return is_loopback(host)


def queue_command(
    locale: str, refresh_s: float, shift_start: time, config: Path | None = None
) -> str:
    """The shell command textual-serve runs for each browser tab (it uses a shell); the
    config (`[evidence]`: the queue's `v` finds the files) is passed on."""
    import shlex

    options = ["--config", str(config.resolve())] if config is not None else []
    return shlex.join(
        [
            sys.executable,
            "-m",
            "packstation",
            *options,
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


def served_url(host: str, port: int, tls: bool, names: list[str]) -> str:
    """The address a browser reaches this server at (a `--public-name` first)."""
    name = names[0] if names else host
    if ":" in name:  # an IPv6 address
        name = f"[{name}]"
    return f"{'https' if tls else 'http'}://{name}:{port}"


class UsageError(Exception):
    """Options that do not fit together: one line, exit 2 (the CLI's usage code)."""


def tls_files(args: argparse.Namespace, web: WebSection) -> tuple[Path, Path] | None:
    """The certificate and key: both from the command line, else both from `[web]`."""
    if (args.cert is None) != (args.key is None):
        raise UsageError("--cert and --key go together")
    if args.cert is not None:
        return args.cert, args.key
    if (web.cert is None) != (web.key is None):
        raise UsageError("[web] cert and key go together")
    return (web.cert, web.key) if web.cert is not None and web.key is not None else None


def check_exposure(host: str, port: int, tls: bool, insecure: bool, names: list[str]) -> None:
    """Beyond loopback: TLS unless --insecure; a wildcard bind needs a name to be reached by."""
    from packstation.web.guard import is_wildcard

    if not is_loopback(host) and not tls and not insecure:
        raise UsageError(
            f"refusing to serve on {host} without TLS: badges, PINs and the session would "
            "cross the network in plain text; give --cert and --key (or --insecure on purpose)"
        )
    if is_wildcard(host) and not names:
        raise UsageError(
            f"serving on {host or 'all addresses'}:{port} needs --public-name NAME (or [web] "
            "names): the name or address browsers use; other Host names are refused"
        )


def tls_context(files: tuple[Path, Path]) -> ssl.SSLContext:
    import ssl

    cert, key = files
    for path in files:
        if not path.is_file():
            raise CliError(f"cannot read TLS file {path}: no such file")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise CliError(f"cannot load TLS certificate {cert} with key {key}: {exc}") from exc
    return context


def run_serve(args: argparse.Namespace) -> int:
    try:
        return _serve(args)
    except UsageError as exc:
        print(f"packstation serve: error: {exc}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace) -> int:
    from packstation.web.guard import Guard
    from packstation.web.settings import web_section

    cfg = config_of(args)
    web = web_section(cfg)
    files = tls_files(args, web)
    names = [*web.names, *args.public_name]
    check_exposure(args.host, args.port, files is not None, args.insecure, names)
    context = tls_context(files) if files is not None else None

    from packstation.models.db import open_database

    url = resolve_db_url(args.db, cfg)
    # Checked (and a SQLite file created/upgraded) once here: a wrong URL is a one-line
    # error now, not a broken page in every browser tab later. The sign-in uses it too.
    db = open_database(url)
    try:
        from packstation.web import TEMPLATES_DIR
        from packstation.web import server as web_server
        from packstation.web.sessions import idle_limit

        locale = args.locale or cfg.locale
        if args.station:
            config = Path(args.config) if args.config else None
            command = station_command(args.station, locale, config, scale=web.scale)
            title = f"packstation {args.station}"
        else:
            config = Path(args.config) if args.config else None
            command = queue_command(locale, args.refresh, args.shift_start, config)
            title = "packstation queue"
        if not is_loopback(args.host) and context is None:
            print(
                f"packstation: warning: serving on {args.host} without TLS (--insecure): badges, "
                "PINs and the session cross the network in plain text",
                file=sys.stderr,
            )
        os.environ["PACKSTATION_DB"] = url  # inherited by each tab's process
        os.environ[WEB_URL_ENV] = served_url(args.host, args.port, context is not None, names)
        server = web_server.WebServer(
            command,
            host=args.host,
            port=args.port,
            title=title,
            templates_path=TEMPLATES_DIR,
            db=db,
            guard=Guard.for_bind(args.host, args.port, context is not None, names),
            idle_s=idle_limit(cfg.idle_logout_s),
            pin_limits=cfg.pin_limits,
            locale=locale,
            station=args.station,
            ssl_context=context,
            evidence_dir=_evidence_dir(cfg),
        )
        try:
            server.serve()
        except OSError as exc:
            where = f"{args.host}:{args.port}"
            raise CliError(f"cannot serve on {where}: {exc.strerror or exc}") from exc
    finally:
        db.dispose()
    return 0


def _evidence_dir(cfg: StationConfig) -> Path | None:
    """`[evidence] dir` when the config has `[evidence]` or `[camera]`: leads open clips."""
    if "evidence" not in cfg.raw and "camera" not in cfg.raw:
        return None
    from packstation.evidence.settings import EvidenceConfigError, EvidenceSettings

    try:
        settings = EvidenceSettings.from_config(
            cfg.raw, cfg.station_id, cfg.source.parent if cfg.source else None
        )
    except EvidenceConfigError as exc:
        raise CliError(f"config: {exc}") from exc
    return settings.dir
