"""`packstation run` and `packstation demo`: the station UI with real or simulated devices."""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packstation.cli.common import CliError, add_db_option, config_of, say
from packstation.config import StationConfig, load_config, resolve_db_url, ship_from
from packstation.devices.base import PrintError
from packstation.devices.printer import open_printer
from packstation.devices.serial_scale import SerialScale
from packstation.devices.serial_scanner import SerialScanner, is_keyboard
from packstation.domain.rules import PackRules
from packstation.station.demo import DEMO_LEAD, DEMO_LEAD_PIN, DEMO_PACKER

if TYPE_CHECKING:
    from packstation.channels.base import CallRecord, Marketplace
    from packstation.evidence.station import StationEvidence


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run the packing station")
    add_db_option(run)
    run.add_argument("--station", metavar="ID", help="station id (default: config, PS-01)")
    run.add_argument("--scanner", metavar="PORT", help='scanner port, URL or "keyboard"')
    run.add_argument(
        "--scale",
        metavar="PORT",
        help='scale port or URL ("none": no scale, whatever the config says)',
    )
    run.add_argument("--scale-protocol", metavar="NAME", help="mt-sics, toledo-8217, nci, ...")
    run.add_argument("--printer", metavar="TARGET", help="tcp://host:9100, lp://QUEUE, dir://PATH")
    run.add_argument("--label-format", choices=["zpl", "png"])
    run.add_argument("--locale", choices=["ru", "en"])
    run.add_argument("--kiosk", action="store_true", help="lock the station down")
    run.add_argument(
        "--ascii", action="store_true", help="ASCII borders and marks (Linux console fonts)"
    )
    run.add_argument(
        "--training",
        action="store_true",
        help="practice orders in a sandbox of their own (only lesson scores reach the database)",
    )
    run.add_argument("--lesson", metavar="NAME", help="training: this lesson (id or number)")
    run.set_defaults(func=run_station)

    demo = sub.add_parser("demo", help="the station on a throw-away database with simulators")
    demo.add_argument("--dir", type=Path, help="where to create the demo database")
    demo.add_argument("--locale", choices=["ru", "en"], default="en")
    demo.add_argument(
        "--setup-only", action="store_true", help="create the demo database, print it, exit"
    )
    demo.set_defaults(func=run_demo)


def _section(cfg: StationConfig, name: str) -> dict[str, Any]:
    value = cfg.raw.get(name, {})
    return value if isinstance(value, dict) else {}


#: `--scale none`: no scale even if the config names one (a browser station, `serve --station`).
NO_SCALE = "none"


def build_devices(cfg: StationConfig, args: argparse.Namespace) -> dict[str, Any]:
    devices: dict[str, Any] = {}
    scanner = _section(cfg, "scanner")
    port = args.scanner or scanner.get("port")
    if port and not is_keyboard(str(port)):
        devices["scanner"] = SerialScanner(
            str(port),
            baudrate=int(scanner.get("baudrate", 9600)),
            bytesize=int(scanner.get("bytesize", 8)),
            parity=str(scanner.get("parity", "N")),
            stopbits=float(scanner.get("stopbits", 1)),
            suffix=str(scanner.get("suffix", "CR")),
            prefix=str(scanner.get("prefix", "")),
        )
    scale = _section(cfg, "scale")
    port = args.scale or scale.get("port")
    if port and str(port).lower() != NO_SCALE:
        protocol = args.scale_protocol or scale.get("protocol") or "mt-sics"
        devices["scale"] = SerialScale(
            str(port),
            str(protocol),
            baudrate=scale.get("baudrate"),
            bytesize=scale.get("bytesize"),
            parity=scale.get("parity"),
            stopbits=scale.get("stopbits"),
            poll_hz=float(scale.get("poll_hz", 5.0)),
        )
    return devices


def station_evidence(cfg: StationConfig, station_id: str) -> StationEvidence | None:
    """The camera's watch and the defect photos, when `[camera] url` is set."""
    if not _section(cfg, "camera").get("url"):
        return None
    from packstation.evidence.settings import EvidenceConfigError, EvidenceSettings
    from packstation.evidence.station import StationEvidence

    try:
        settings = EvidenceSettings.from_config(
            cfg.raw, station_id, cfg.source.parent if cfg.source else None
        )
    except EvidenceConfigError as exc:
        raise CliError(f"config: {exc}") from exc
    return StationEvidence(settings)


#: Frames a second at most (Textual's default is 60). A frame drawn for anything else just
#: before a scan (the scale's new weight as items go into a box on it) holds the scan's
#: frame until the frame timer's next slot, and Textual's timer can skip one: up to two
#: periods. At 120 fps, with a box on the scale, scans' p99 was 12-13 ms against 4.5-5.6
#: with a steady weight; at 500 fps, 5.7 ms (`docs/architecture.md`).
STATION_FPS = "500"


def fast_screen_updates(fps: str = STATION_FPS) -> None:
    """Read by Textual at import, so set first; a TEXTUAL_FPS already set is kept."""
    os.environ.setdefault("TEXTUAL_FPS", fps)


#: Textual driver that writes every frame in ASCII (`packstation.screens.console`).
ASCII_DRIVER = "packstation.screens.console:AsciiDriver"


def plain_console(wanted: bool) -> None:
    """Select the ASCII driver when configured; like TEXTUAL_FPS, read by Textual at import."""
    if wanted:
        os.environ.setdefault("TEXTUAL_DRIVER", ASCII_DRIVER)


def marketplace_factory(
    raw: dict[str, Any],
) -> Callable[[Callable[[CallRecord], None]], dict[str, Marketplace]] | None:
    """`[[channels]]` checked now (a wrong table stops the start with one line); the clients
    are made later by the station's worker thread, so HTTP never delays the first screen."""
    if not raw.get("channels"):
        return None
    from packstation.channels.settings import channel_settings
    from packstation.config import ConfigError

    try:
        found = channel_settings(raw)
        for settings in found:
            settings.api_key()  # a missing key is told at start, not at the first label
    except ConfigError as exc:
        raise CliError(str(exc)) from exc

    def make(recorder: Callable[[CallRecord], None]) -> dict[str, Marketplace]:
        from packstation.channels.sync import make_marketplace
        from packstation.clock import utcnow

        return {s.name: make_marketplace(s, now=utcnow, recorder=recorder) for s in found}

    return make


def _dpi(printer_cfg: dict[str, Any]) -> int:
    try:
        dpi = int(printer_cfg.get("dpi", 203))
    except (TypeError, ValueError):
        raise CliError("[printer] dpi must be a whole number (203, 300, 600)") from None
    if not 100 <= dpi <= 1200:
        raise CliError(f"[printer] dpi {dpi} is not a printer's resolution")
    return dpi


def run_station(args: argparse.Namespace) -> int:
    cfg = config_of(args)
    fast_screen_updates()
    plain_console(args.ascii or cfg.ascii)
    if args.training or args.lesson:
        from packstation.cli.training_cmd import run_training

        return run_training(args, cfg)
    from packstation.screens.station_app import StationApp, StationSetup
    from packstation.sounds.settings import sound_settings

    rules = PackRules.from_config(cfg.raw)
    printer_cfg = _section(cfg, "printer")
    target = args.printer or printer_cfg.get("target")
    try:
        printer = open_printer(str(target)) if target else None
    except PrintError as exc:
        raise CliError(f"printer {target}: {exc}") from exc
    docs_target = _section(cfg, "documents").get("printer")
    try:
        documents_printer = open_printer(str(docs_target)) if docs_target else None
    except PrintError as exc:
        raise CliError(f"[documents] printer {docs_target}: {exc}") from exc
    station_id = args.station or cfg.station_id
    devices = build_devices(cfg, args)
    evidence = station_evidence(cfg, station_id)
    if evidence is not None:
        devices["camera"] = evidence.watch
    setup = StationSetup(
        # Opened by the station's worker thread: the screen is up before SQLAlchemy loads.
        db=resolve_db_url(args.db, cfg),
        station_id=station_id,
        station_name=cfg.station_name,
        rules=rules,
        locale=args.locale or cfg.locale,
        devices=devices,
        evidence=evidence,
        printer=printer,
        documents_printer=documents_printer,
        label_format=args.label_format or str(printer_cfg.get("format", "zpl")),
        kiosk=args.kiosk or cfg.kiosk,
        ship_from=ship_from(cfg.raw),
        leases=cfg.leases,
        pin_limits=cfg.pin_limits,
        sounds=sound_settings(cfg.raw, cfg.source),
        big=cfg.big,
        marketplaces=marketplace_factory(cfg.raw),
        printer_dpi=_dpi(printer_cfg),
        training_scores=partial(_training_scores, cfg),
    )
    app = StationApp(setup)
    app.run()
    if app.crashed:  # a kiosk: a red screen waits for a lead, then the service restarts us
        from packstation.screens.kiosk_crash import CrashApp

        crash = CrashApp(setup)
        crash.run()
        return crash.return_code or 0
    return app.return_code or 0


def sample_files() -> list[Path]:
    data = resources.files("packstation.data")
    return [Path(str(data / "orders-sample.json")), Path(str(data / "orders-sample.csv"))]


def create_demo_database(where: Path, now: datetime | None = None) -> str:
    """The sample orders (ship-by moved to the days after `now`) and the demo badges."""
    from packstation.cli.orders_cmd import validate
    from packstation.clock import utcnow
    from packstation.domain.intake import read_orders
    from packstation.domain.orders import moved_to_future
    from packstation.domain.pins import hash_pin
    from packstation.models.db import open_database
    from packstation.models.operators_repo import add_operator
    from packstation.models.orders_repo import import_orders, list_orders

    url = f"sqlite:///{where / 'packstation.db'}"
    db = open_database(url)
    try:
        now = now or utcnow()
        files = [(path, read_orders(path)) for path in sample_files()]
        moved = iter(moved_to_future([o for _, orders in files for o in orders], now))
        with db.unit_of_work() as session:
            for path, orders in files:
                batch = [next(moved) for _ in orders]
                import_orders(session, batch, validate, source=path.name, now=now)
            add_operator(
                session, badge=DEMO_PACKER, name="Анна К.", role="packer", pin_hash=None, now=now
            )
            add_operator(
                session, badge=DEMO_LEAD, name="Мария Л.", role="lead",
                pin_hash=hash_pin(DEMO_LEAD_PIN), now=now,
            )  # fmt: skip
        with db.sessions() as session:
            rows = list_orders(session)
    finally:
        db.dispose()
    say(f"demo database {where / 'packstation.db'}: {len(rows)} orders")
    for r in rows:
        say(f"  {r.id:<10} {r.status:<17} prio {r.priority}  {r.city:<16} {r.lines} lines")
    say(f"packer badge {DEMO_PACKER}; lead badge {DEMO_LEAD} PIN {DEMO_LEAD_PIN}")
    return url


def run_demo(args: argparse.Namespace) -> int:
    where = args.dir or Path(tempfile.mkdtemp(prefix="packstation-demo-"))
    where.mkdir(parents=True, exist_ok=True)
    url = create_demo_database(where)
    if args.setup_only:
        return 0
    fast_screen_updates()
    from packstation.devices.simulators import ScaleSimulator, ScannerSimulator
    from packstation.models.db import open_database
    from packstation.screens.station_app import StationApp, StationSetup
    from packstation.sounds.settings import sound_settings

    config = load_config(Path(str(resources.files("packstation.data") / "station-sample.toml")))
    rules = PackRules.from_config(config.raw)
    scanner_sim = ScannerSimulator()
    scale_sim = ScaleSimulator("mt-sics", grams=0)
    db = open_database(url)
    setup = StationSetup(
        db=db,
        station_id="PS-DEMO",
        station_name="Demo station",
        rules=rules,
        locale=args.locale,
        devices={
            "scanner": SerialScanner(scanner_sim.port, suffix="CR"),
            "scale": SerialScale(scale_sim.port, "mt-sics"),
        },
        printer=open_printer(f"dir://{where / 'labels'}"),
        documents_printer=open_printer(f"dir://{where / 'documents'}"),
        ship_from=ship_from(config.raw),
        simulators={"scanner": scanner_sim, "scale": scale_sim},
        sounds=sound_settings(config.raw),
    )
    try:
        StationApp(setup).run()
    finally:
        db.dispose()
        scanner_sim.shutdown()
        scale_sim.shutdown()
    say(f"labels printed to {where / 'labels'}, documents to {where / 'documents'}")
    return 0


def _training_scores(cfg: StationConfig) -> str:
    """The training scores store of this config (the lead's F1 queue shows standings)."""
    from packstation.training.store import scores_url

    return scores_url(None, cfg.raw, cfg.source)
