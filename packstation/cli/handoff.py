"""`packstation manifest --channel NAME`: a marketplace's day closed the marketplace's way.

The marketplace is asked first (Ozon: act, its PDF and container labels; WB: the
supply delivered, its QR); only when it agreed are our parcels and orders marked
shipped, in our own manifest beside its documents. A marketplace that says no closes
nothing here, so the command can simply be run again.

Ozon may leave postings out of the act it makes (`removed_from_act`: not ready, not
its status any more...). Those did not go: their orders' parcels stay waiting for the
next handoff, and the command names them (and exits 1 when nothing went at all).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Collection, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packstation.cli.common import CliError, config_of, database_of, say
from packstation.domain.text import printable
from packstation.filenames import UnsafeFileName, inside

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from packstation.channels.base import Document
    from packstation.domain.manifest import ManifestView

#: A waiting parcel's status while the manifest is closed without it (never committed).
_LEFT_OUT = "left_out"


def run_channel_handoff(args: argparse.Namespace) -> int:
    from packstation.channels.base import ChannelError
    from packstation.channels.settings import channel_settings
    from packstation.channels.sync import make_marketplace
    from packstation.clock import today, utcnow
    from packstation.config import ConfigError
    from packstation.models.manifest_repo import ManifestError, waiting_for_channel

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
    ship_date = args.date or today()
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
        # Ozon's own word (`OzonMarketplace.removed_from_act`); WB delivers a supply whole.
        removed = {str(r) for r in getattr(marketplace, "removed_from_act", ())}
        with db.unit_of_work() as session:
            left_out = _left_out(session, refs, removed)
            handed = set(refs) - set(left_out)
            manifest = _close(session, settings.name, ship_date, utcnow(), handed)
    except ManifestError as exc:
        raise CliError(str(exc)) from exc
    finally:
        marketplace.close()
        db.dispose()
    stem = manifest.id if manifest is not None else f"{settings.name}-{ship_date:%Y%m%d}-act"
    written = _write(args.output, stem, documents, manifest)
    printed = _print(str(target), written, args.output) if target else 0
    lines = len(manifest.lines) if manifest is not None else 0
    named = sorted({(ref, order) for ref, order in left_out.values() if ref in removed})
    if getattr(args, "json", False):
        report: dict[str, Any] = {
            "channel": settings.name,
            "manifest": manifest.id if manifest is not None else None,
            "parcels": lines,
            "documents": [str(p) for p in written],
            "printed": printed,
            "left_out": [{"posting": ref, "order": order} for ref, order in named],
            "still_waiting": sorted(left_out),
        }
        say(json.dumps(report, ensure_ascii=False))
    else:
        say(
            f"{printable(stem)}: {lines} parcels handed to {settings.name}; "
            f"{len(written)} marketplace documents in {printable(str(args.output))}"
            + (f", {printed} printed on {printable(str(target))}" if printed else "")
        )
        if named:
            shown = ", ".join(f"{ref} (order {order})" for ref, order in named)
            say(
                f"left out of the act by {settings.name}: {printable(shown, limit=2000)}; "
                f"their orders' {len(left_out)} parcels wait for the next handoff"
            )
    return 0 if manifest is not None else 1


def _left_out(
    session: Session, refs: dict[str, str], removed: Collection[str]
) -> dict[str, tuple[str, str]]:
    """Waiting parcels that stay waiting: those whose posting the marketplace left out,
    and every other waiting parcel of their orders (an order is shipped whole here:
    the manifest marks its order shipped, and a shipped order's parcel is never picked
    up again). Parcel id -> (the posting, the order)."""
    from sqlalchemy import select

    from packstation.models import Parcel

    hit = [parcel for parcel, ref in refs.items() if ref in removed]
    if not hit:
        return {}
    orders = select(Parcel.order_id).where(Parcel.id.in_(hit)).scalar_subquery()
    rows = session.execute(
        select(Parcel.id, Parcel.order_id).where(
            Parcel.order_id.in_(orders), Parcel.id.in_(list(refs))
        )
    ).all()
    return {parcel: (refs[parcel], order) for parcel, order in rows}


def _close(
    session: Session, channel: str, ship_date: date, now: datetime, handed: Collection[str]
) -> ManifestView | None:
    """Our manifest of the parcels `handed` over (asked for at the marketplace and not
    left out); None when none of them is still waiting.

    `close_manifest` takes every waiting parcel of the channel, so the others (left out,
    or packed since the marketplace was asked) are set aside for it under another status
    and set back in the same transaction: no other session ever sees the change, and a
    failure undoes both."""
    from sqlalchemy import update

    from packstation.models import Parcel
    from packstation.models.manifest_repo import close_manifest, waiting_for_channel

    waiting = waiting_for_channel(session, channel)
    held = sorted(p for p in waiting if p not in handed)
    if len(held) == len(waiting):
        return None
    if held:
        session.execute(update(Parcel).where(Parcel.id.in_(held)).values(status=_LEFT_OUT))
    manifest = close_manifest(session, channel, ship_date, now, channel=channel)
    if held:
        session.execute(update(Parcel).where(Parcel.id.in_(held)).values(status="confirmed"))
    return manifest


def _write(
    output: Path, stem: str, documents: Sequence[Document], manifest: ManifestView | None
) -> list[Path]:
    """The marketplace's documents, then our manifest (CSV and PDF) when one was closed."""
    from packstation.labels.manifest_doc import manifest_csv, manifest_pdf

    try:
        output.mkdir(parents=True, exist_ok=True)
        written = []
        for n, document in enumerate(documents, start=1):
            path = inside(output, f"{stem}-{n}.{document.kind}")
            path.write_bytes(document.data)
            written.append(path)
        if manifest is not None:
            csv_path = inside(output, f"{manifest.id}.csv")
            csv_path.write_text(manifest_csv(manifest), encoding="utf-8", newline="")
            manifest_pdf(manifest, inside(output, f"{manifest.id}.pdf"))
    except (OSError, UnsafeFileName) as exc:
        closed = f"the handoff {manifest.id} is closed; " if manifest is not None else ""
        raise CliError(
            f"{output}: cannot write: {exc} ({closed}"
            "the marketplace's documents can be fetched again from its site)"
        ) from exc
    return written


def _print(target: str, written: Sequence[Path], output: Path) -> int:
    """The marketplace's documents on the `[documents]` printer; how many went. A printer
    that fails is said, not an error: the files are in `output` to print by hand."""
    from packstation.devices.base import PrintError
    from packstation.devices.printer import open_printer

    try:
        printer = open_printer(target)
        for path in written:
            printer.send(path.read_bytes(), path.name)
    except PrintError as exc:
        say(f"not printed ({printable(str(exc))}): the files are in {output}")
        return 0
    return len(written)
