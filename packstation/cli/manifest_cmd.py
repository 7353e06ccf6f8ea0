"""`packstation manifest`: close a carrier's batch of packed parcels; check it at handoff."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from packstation.cli.common import CliError, add_db_option, database_of, say
from packstation.domain.text import printable
from packstation.filenames import UnsafeFileName, inside


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    man = sub.add_parser(
        "manifest",
        help="carrier handoff manifests",
        description="Close every packed, label-confirmed parcel of a carrier into a manifest "
        "(CSV and PDF); its parcels and orders become shipped and customers are told.",
    )
    man.add_argument("--carrier", help="carrier code, e.g. OZON-COURIER")
    man.add_argument(
        "--channel", metavar="NAME",
        help="instead: close a [[channels]] marketplace's day the marketplace's way "
        "(Ozon act, WB supply) and print its documents",
    )  # fmt: skip
    man.add_argument("--date", type=date.fromisoformat, help="ship date (default today)")
    man.add_argument("-o", "--output", type=Path, default=Path("."), help="folder for CSV/PDF")
    man.add_argument(
        "--check", metavar="MANIFEST_ID",
        help="instead: read scanned parcel ids (stdin or --scans) and compare with the manifest",
    )  # fmt: skip
    man.add_argument("--scans", type=Path, help="with --check: a file of scanned parcel ids")
    man.add_argument(
        "--json", action="store_true",
        help="with --channel: the handoff's report as JSON (parcels, documents, left out)",
    )  # fmt: skip
    add_db_option(man)
    man.set_defaults(func=run_manifest)


def run_manifest(args: argparse.Namespace) -> int:
    if args.check:
        return run_check(args)
    if args.channel:
        from packstation.cli.handoff import run_channel_handoff

        return run_channel_handoff(args)
    if not args.carrier:
        raise CliError("--carrier (or --channel) is required to close a manifest")
    from packstation.clock import today, utcnow
    from packstation.labels.manifest_doc import manifest_csv, manifest_pdf
    from packstation.models.manifest_repo import ManifestError, close_manifest

    try:  # before anything is closed: the id, and so the file names, hold the carrier code
        inside(args.output, f"MF-{args.carrier}-00000000-0000.csv")
    except UnsafeFileName as exc:
        raise CliError(f"--carrier {printable(args.carrier)}: {exc}") from None
    db = database_of(args)
    try:
        with db.unit_of_work() as session:
            manifest = close_manifest(session, args.carrier, args.date or today(), utcnow())
    except ManifestError as exc:
        raise CliError(str(exc)) from exc
    finally:
        db.dispose()
    # The manifest id holds the carrier code: its files are named inside -o, never a path.
    try:
        csv_path = inside(args.output, f"{manifest.id}.csv")
        pdf_path = inside(args.output, f"{manifest.id}.pdf")
    except UnsafeFileName as exc:
        why = f"{exc} (manifest {printable(manifest.id)} was closed without its files)"
        raise CliError(f"{args.output}: {why}") from None
    try:
        args.output.mkdir(parents=True, exist_ok=True)
        csv_path.write_text(manifest_csv(manifest), encoding="utf-8", newline="")
        manifest_pdf(manifest, pdf_path)
    except OSError as exc:
        raise CliError(
            f"{args.output}: cannot write: {exc.strerror or exc} "
            f"(manifest {printable(manifest.id)} was closed without its files)"
        ) from exc
    say(
        f"{printable(manifest.id)}: {len(manifest.lines)} parcels, "
        f"{manifest.weight_g / 1000:.3f} kg -> {printable(str(csv_path))}, "
        f"{printable(str(pdf_path))}"
    )
    return 0


def run_check(args: argparse.Namespace) -> int:
    from packstation.domain.manifest import check_handoff
    from packstation.models.manifest_repo import ManifestError, load_manifest

    db = database_of(args)
    try:
        with db.sessions() as session:
            manifest = load_manifest(session, args.check)
    except ManifestError as exc:
        raise CliError(str(exc)) from exc
    finally:
        db.dispose()
    try:
        text = args.scans.read_text(encoding="utf-8-sig") if args.scans else sys.stdin.read()
    except OSError as exc:
        raise CliError(f"{args.scans}: cannot read: {exc.strerror or exc}") from exc
    result = check_handoff(manifest, text.splitlines())
    for code in result.not_in_manifest:
        say(f"NOT IN MANIFEST: {printable(code)}")
    for code in result.missing:
        say(f"MISSING (not scanned): {code}")
    say(
        f"{manifest.id}: {len(result.scanned_ok)} of {len(manifest.lines)} parcels scanned, "
        f"{len(result.not_in_manifest)} not in the manifest, {len(result.missing)} missing"
        + (" - complete" if result.complete else "")
    )
    return 0
