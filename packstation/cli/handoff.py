"""`packstation manifest --channel NAME`: a marketplace's day closed the marketplace's way.

The marketplace is asked first (Ozon: act, its PDF and container labels; WB: the
supply delivered, its QR); only when it agreed are our parcels and orders marked
shipped, in our own manifest beside its documents. A marketplace that says no closes
nothing here, so the command can simply be run again.
"""

from __future__ import annotations

import argparse

from packstation.cli.common import CliError, config_of, database_of, say
from packstation.domain.text import printable
from packstation.filenames import UnsafeFileName, inside


def run_channel_handoff(args: argparse.Namespace) -> int:
    from packstation.channels.base import ChannelError
    from packstation.channels.settings import channel_settings
    from packstation.channels.sync import make_marketplace
    from packstation.clock import today, utcnow
    from packstation.config import ConfigError
    from packstation.devices.base import PrintError
    from packstation.devices.printer import open_printer
    from packstation.labels.manifest_doc import manifest_csv, manifest_pdf
    from packstation.models.manifest_repo import (
        ManifestError,
        close_manifest,
        waiting_for_channel,
    )

    cfg = config_of(args)
    try:
        found = [s for s in channel_settings(cfg.raw) if s.name == args.channel]
        if not found:
            raise CliError(f"no [[channels]] named {printable(args.channel)} in the config")
        settings = found[0]
        marketplace = make_marketplace(settings, now=utcnow)
    except ConfigError as exc:
        raise CliError(str(exc)) from exc
    target = cfg.raw.get("documents", {}).get("printer") if isinstance(cfg.raw, dict) else None
    db = database_of(args)
    try:
        with db.unit_of_work() as session:
            refs = waiting_for_channel(session, settings.name)
        if not refs:
            raise CliError(f"no packed parcels of {settings.name} are waiting for the handoff")
        try:
            documents = marketplace.close_handoff(sorted(set(refs.values())))
        except ChannelError as exc:
            raise CliError(
                f"{settings.name}: the marketplace did not close the day: {exc}"
            ) from exc
        with db.unit_of_work() as session:
            manifest = close_manifest(
                session, settings.name, args.date or today(), utcnow(), channel=settings.name
            )
    except ManifestError as exc:
        raise CliError(str(exc)) from exc
    finally:
        marketplace.close()
        db.dispose()
    try:
        args.output.mkdir(parents=True, exist_ok=True)
        written = []
        for n, document in enumerate(documents, start=1):
            path = inside(args.output, f"{manifest.id}-{n}.{document.kind}")
            path.write_bytes(document.data)
            written.append(path)
        csv_path = inside(args.output, f"{manifest.id}.csv")
        csv_path.write_text(manifest_csv(manifest), encoding="utf-8", newline="")
        manifest_pdf(manifest, inside(args.output, f"{manifest.id}.pdf"))
    except (OSError, UnsafeFileName) as exc:
        raise CliError(
            f"{args.output}: cannot write: {exc} (the handoff {manifest.id} is closed; "
            "the marketplace's documents can be fetched again from its site)"
        ) from exc
    if target:
        try:
            printer = open_printer(str(target))
            for path in written:
                printer.send(path.read_bytes(), path.name)
        except PrintError as exc:
            say(f"not printed ({printable(str(exc))}): the files are in {args.output}")
    say(
        f"{printable(manifest.id)}: {len(manifest.lines)} parcels handed to {settings.name}; "
        f"{len(written)} marketplace documents in {printable(str(args.output))}"
    )
    return 0
