"""Item scans: which line a code counts on, and every reason it may not (the unit's own
lot, expiry and serial: `units.py`)."""

from __future__ import annotations

import re

from msgspec.structs import replace

from packstation.domain.codes import CodeKind, ScannedCode
from packstation.domain.workflow.model import LineView, OrderView
from packstation.domain.workflow.results import Env, Result, bad
from packstation.domain.workflow.state import PackState
from packstation.domain.workflow.units import accept_unit
from packstation.i18n import Msg

__all__ = ["bad_check_digit", "check_digit_error", "index_order", "matching_lines", "scan_item"]

CHECK_DIGIT = re.compile(r"expected (\d+), got (\d+)")


def check_digit_error(code: ScannedCode) -> bool:
    return code.kind is CodeKind.INVALID and any("check digit" in e for e in code.errors)


def bad_check_digit(code: ScannedCode) -> Result:
    found = next(filter(None, (CHECK_DIGIT.search(e) for e in code.errors)), None)
    if found is None:
        return bad("scan.bad_check_digit", {"code": code.text})
    params: dict[str, object] = {"code": code.text, "expected": found[1], "got": found[2]}
    return bad("scan.bad_check_digit_detail", params)


#: Per order: each barcode and GTIN -> the positions of its lines. Built once per order
#: (a scan of a 2,000-line order looked at every line), keyed by identity and holding the
#: order itself, so a recycled id can never return another order's index.
_INDEXES: dict[int, tuple[OrderView, dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]] = {}
_INDEX_LIMIT = 8


def _index(
    order: OrderView,
) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    hit = _INDEXES.get(id(order))
    if hit is not None and hit[0] is order:
        return hit[1], hit[2]
    codes: dict[str, list[int]] = {}
    gtins: dict[str, list[int]] = {}
    for i, line in enumerate(order.lines):
        for code in dict.fromkeys(line.barcodes):
            codes.setdefault(code, []).append(i)
        for gtin in dict.fromkeys(line.gtins):
            gtins.setdefault(gtin, []).append(i)
    by_code = {k: tuple(v) for k, v in codes.items()}
    by_gtin = {k: tuple(v) for k, v in gtins.items()}
    if len(_INDEXES) >= _INDEX_LIMIT:
        _INDEXES.clear()
    _INDEXES[id(order)] = (order, by_code, by_gtin)
    return by_code, by_gtin


def index_order(order: OrderView) -> None:
    """Build the order's code index now (the worker does it once the claim is shown), not
    on its first item scan: 1.3 ms on a 2,000-line order, the slowest scan of each order."""
    _index(order)


def matching_lines(order: OrderView, code: ScannedCode) -> list[LineView]:
    """The order's lines with this code (as printed, or by its GTIN), in line order."""
    if code.kind is CodeKind.INVALID:
        return []
    by_code, by_gtin = _index(order)
    found = by_code.get(code.text, ())
    if code.gtin is not None and code.gtin in by_gtin:
        found = tuple(sorted({*found, *by_gtin[code.gtin]}))
    return [order.lines[i] for i in found]


def scan_item(state: PackState, order: OrderView, code: ScannedCode, env: Env) -> Result:
    put_aside = Msg("hint.put_aside", {"order": order.id})
    if check_digit_error(code):
        return replace(bad_check_digit(code), hint=put_aside)
    if code.kind is CodeKind.INVALID:
        detail = code.errors[0] if code.errors else ""
        return bad("scan.invalid", {"code": code.text, "detail": detail}, hint=put_aside)
    lines = matching_lines(order, code)
    if not lines:
        if code.text in (order.id, order.tote):
            return bad("claim.already_this", {"order": order.id})
        if code.kind is CodeKind.TEXT and env.ctx.find_order(code.text) is not None:
            return bad("order.finish_first", {"order": order.id})
        other = env.ctx.order_of_code(code)
        if other and other != order.id:
            params: dict[str, object] = {"order": order.id, "other": other}
            return bad("scan.not_in_order", params, hint=put_aside, other_order=other)
        return bad("scan.unknown", {"code": code.text}, hint=put_aside)
    open_lines = [line for line in lines if state.remaining(line) > 0]
    if not open_lines:
        line = lines[0]
        params = {"sku": line.sku, "name": line.name, "qty": state.required(line)}
        return bad("scan.over_scan", params, hint=put_aside)
    line = open_lines[0]
    if code.identity is None and line.marked:
        return bad("scan.marking_required", {"sku": line.sku, "name": line.name})
    if code.identity is not None:
        if code.identity in state.markings:
            return bad("scan.marking_repeat", {"order": order.id}, hint=put_aside)
        used = env.ctx.marking_used_in(code.identity)
        if used is not None and used != order.id:
            return bad("scan.marking_used", {"other": used}, hint=put_aside, other_order=used)
    if state.splitting:  # CMD:NEWBOX fixed this box's content: it is boxed and weighed first
        return bad("box.closing", {"n": len(state.sealed) + 1, "sku": line.sku})
    return accept_unit(state, order, line, code, env)  # its lot, expiry and serial
