"""A marketplace order at the label step: the marketplace's answers, fed back as commands.

The station's marketplace agent (a thread) sends the marking codes, ships and fetches
the label off the workflow, so the packer never waits on the marketplace; what it learns
comes back here as `MarketplaceLabel` and `MarksRejected` and becomes records like any
scan. A late answer about an order that already left the station changes nothing.
"""

from __future__ import annotations

from packstation.domain.text import printable
from packstation.domain.workflow.commands import MarketplaceLabel, MarksRejected
from packstation.domain.workflow.records import MarketplaceLabelReady, MarkRejected
from packstation.domain.workflow.results import QUIET, Env, Result, bad, good
from packstation.domain.workflow.state import PackState
from packstation.i18n import Msg

__all__ = ["label_ready", "marks_rejected", "waiting_for_label"]


def label_ready(state: PackState, command: MarketplaceLabel, env: Env) -> Result:
    order = state.order
    if order is None or order.id != command.order_id:
        return QUIET
    parcel = next((p for p in state.parcels if p.parcel_id == command.parcel_id), None)
    if parcel is None:  # the labels were voided meanwhile (a code refused, a re-weigh)
        return QUIET
    codes = tuple(c for c in dict.fromkeys(command.codes) if c and c != command.barcode)
    record = MarketplaceLabelReady(
        env.at, order.id, parcel.parcel_id, command.barcode, command.package_ref, codes
    )
    params: dict[str, object] = {"parcel": command.barcode, "n": parcel.seq, "m": parcel.count}
    waiting = [p for p in state.parcels if not p.barcode and p is not parcel]
    if waiting:
        result = good("label.marketplace_more", params, (record,))
    else:
        result = good("label.marketplace_printed", params, (record,))
    return Result(
        True,
        result.message,
        result.records,
        hint=Msg("label.scan_marketplace", {"parcel": command.barcode}),
        prints=False,
    )


def marks_rejected(state: PackState, command: MarksRejected, env: Env) -> Result:
    """Each refused unit stops counting; the packer is told which code and why, in red."""
    order = state.order
    if order is None or order.id != command.order_id:
        return QUIET
    records: list[MarkRejected] = []
    for identity, reason in command.rejected:
        scan = next((s for s in state.scans if s.identity == identity), None)
        if scan is not None:
            records.append(
                MarkRejected(env.at, order.id, scan.line_id, scan.code, identity, reason[:500])
            )
    if not records:
        return QUIET
    first = records[0]
    line = order.line(first.line_id)
    params: dict[str, object] = {
        "sku": line.sku if line else "",
        "code": printable(first.code, limit=40),
        "reason": printable(first.reason, limit=120),
        "count": len(records),
    }
    return bad(
        "mark.rejected",
        params,
        hint=Msg("mark.rejected_hint", {"sku": params["sku"]}),
        records=tuple(records),
    )


def waiting_for_label(state: PackState) -> Result | None:
    """A scan at the label step of a marketplace order whose label has not come yet."""
    if state.order is None or not state.order.channel:
        return None
    if any(not p.barcode and not p.confirmed for p in state.parcels):
        return bad("label.waiting_marketplace", {"order": state.order.id}, bell=False)
    return None
