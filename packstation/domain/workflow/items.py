"""Item scans: which line a code counts on, and every reason it may not."""

from __future__ import annotations

import re
from dataclasses import replace

from packstation.domain.codes import CodeKind, ScannedCode
from packstation.domain.workflow.model import LineView, OrderView
from packstation.domain.workflow.records import ScanAccepted
from packstation.domain.workflow.results import Env, Result, bad, good
from packstation.domain.workflow.state import PackState
from packstation.i18n import Msg

__all__ = ["bad_check_digit", "check_digit_error", "matching_lines", "scan_item"]

CHECK_DIGIT = re.compile(r"expected (\d+), got (\d+)")


def check_digit_error(code: ScannedCode) -> bool:
    return code.kind is CodeKind.INVALID and any("check digit" in e for e in code.errors)


def bad_check_digit(code: ScannedCode) -> Result:
    found = next(filter(None, (CHECK_DIGIT.search(e) for e in code.errors)), None)
    if found is None:
        return bad("scan.bad_check_digit", {"code": code.text})
    params: dict[str, object] = {"code": code.text, "expected": found[1], "got": found[2]}
    return bad("scan.bad_check_digit_detail", params)


def matching_lines(order: OrderView, code: ScannedCode) -> list[LineView]:
    if code.kind is CodeKind.INVALID:
        return []
    return [
        line
        for line in order.lines
        if code.text in line.barcodes or (code.gtin is not None and code.gtin in line.gtins)
    ]


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
    record = ScanAccepted(
        env.at, order.id, line.line_id, code.text, code.gtin, code.identity, code.crypto_tail
    )
    params = {
        "sku": line.sku,
        "name": line.name,
        "packed": state.packed(line.line_id) + 1,
        "required": state.required(line),
    }
    return good("scan.accepted", params, (record,))
