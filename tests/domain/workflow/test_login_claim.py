"""Login, claiming by id / tote / CMD:NEXT, refusals, logout and idle logout."""

from __future__ import annotations

from packstation.domain.workflow import Action, Step, Tick
from packstation.domain.workflow.records import OrderClaimed, ScanRejected, SessionLogout
from packstation.i18n import t

from .conftest import MUG, PACKER, Station


def test_unknown_badge_is_red_and_stays_on_login(station: Station) -> None:
    out = station.scan("B-9999")
    assert not out.ok and out.bell
    assert out.message.key == "login.unknown_badge"
    assert station.state.step is Step.LOGGED_OUT
    assert station.kinds() == ["scan.rejected"]
    assert station.state.alert == out


def test_login_names_the_operator(station: Station) -> None:
    out = station.scan(PACKER.badge)
    assert out.ok and t(out.message, "ru") == "Здравствуйте, Анна К."
    assert station.state.operator == PACKER
    assert out.next_hint.key == "hint.scan_order"


def test_items_and_commands_before_login_ask_for_the_badge(station: Station) -> None:
    assert station.scan("BOX:M").message.key == "login.badge_first"
    assert station.scan("CMD:NEXT").message.key == "login.badge_first"
    assert station.state.step is Step.LOGGED_OUT


def test_claim_by_tote(logged_in: Station) -> None:
    out = logged_in.scan("TOTE-017")
    assert out.ok
    claimed = logged_in.new_records[0]
    assert isinstance(claimed, OrderClaimed)
    assert claimed.order.id == "ORD-1001" and claimed.via == "tote"
    assert logged_in.ctx.held_by["ORD-1001"] == "PS-01"


def test_next_claims_by_priority_then_ship_by(logged_in: Station) -> None:
    logged_in.key(Action.NEXT)
    assert logged_in.state.order is not None and logged_in.state.order.id == "ORD-1005"
    logged_in.key(Action.CANCEL)  # nothing scanned: released without a lead
    assert logged_in.kinds() == ["order.released"]
    logged_in.ctx.held_by["ORD-1005"] = "PS-02"
    logged_in.key(Action.NEXT)
    assert logged_in.state.order is not None and logged_in.state.order.id == "ORD-1002"


def test_next_with_empty_queue(logged_in: Station) -> None:
    for order_id in logged_in.ctx.status:
        logged_in.ctx.status[order_id] = "packed"
    out = logged_in.key(Action.NEXT)
    assert not out.ok and not out.bell
    assert out.message.key == "claim.queue_empty"
    assert logged_in.state.step is Step.IDLE


def test_order_held_by_another_station_is_refused_with_its_name(logged_in: Station) -> None:
    logged_in.ctx.held_by["ORD-1002"] = "PS-03"
    out = logged_in.scan("ORD-1002")
    assert not out.ok
    assert t(out.message) == "ORD-1002 is being packed at station PS-03"
    assert logged_in.state.order is None


def test_order_not_ready_is_refused_with_its_status(logged_in: Station) -> None:
    out = logged_in.scan("ORD-1004")
    assert out.message.key == "claim.not_packable"
    assert out.message.params["status"] == "needs_correction"


def test_unknown_ref_and_item_without_order(logged_in: Station) -> None:
    assert logged_in.scan("ORD-9999").message.key == "claim.not_found"
    assert logged_in.scan(MUG).message.key == "claim.item_without_order"
    bad = logged_in.scan("4601234567890")
    assert bad.message.key == "scan.bad_check_digit_detail"
    assert logged_in.state.order is None


def test_next_while_packing_is_refused(ord1001: Station) -> None:
    out = ord1001.key(Action.NEXT)
    assert out.message.key == "order.finish_first"
    assert ord1001.state.order is not None and ord1001.state.order.id == "ORD-1001"


def test_logout_only_without_an_order(ord1001: Station) -> None:
    out = ord1001.scan("CMD:LOGOUT")
    assert not out.ok and out.message.key == "logout.order_open"
    assert ord1001.state.operator == PACKER
    ord1001.scan("CMD:CANCEL")
    out = ord1001.scan("CMD:LOGOUT")
    assert out.ok and ord1001.kinds() == ["session.logout"]
    assert ord1001.state.step is Step.LOGGED_OUT and ord1001.state.operator is None


def test_idle_logout_after_the_configured_time(logged_in: Station) -> None:
    start = logged_in.ctx.clock
    limit = logged_in.ctx.rules.idle_logout_s
    assert limit == 900
    out = logged_in.do(Tick(start.replace(minute=14)))
    assert out.quiet and logged_in.state.operator is not None
    logged_in.tick(limit)
    out = logged_in.do(Tick(logged_in.ctx.clock))
    assert out.ok
    logout = logged_in.new_records[0]
    assert isinstance(logout, SessionLogout) and logout.reason == "idle"
    assert logged_in.state.step is Step.LOGGED_OUT


def test_keys_without_records_keep_the_session(logged_in: Station) -> None:
    """The returns desk or the queue view makes no station record: their keys still count."""
    limit = logged_in.ctx.rules.idle_logout_s
    logged_in.tick(limit - 60)
    busy_at = logged_in.ctx.clock
    logged_in.tick(120)  # past the limit since the last record, 60 s since the last key
    assert logged_in.do(Tick(logged_in.ctx.clock, active_at=busy_at)).quiet
    assert logged_in.state.operator is not None
    logged_in.tick(limit)
    assert logged_in.do(Tick(logged_in.ctx.clock, active_at=busy_at)).ok
    assert logged_in.state.step is Step.LOGGED_OUT


def test_no_idle_logout_while_an_order_is_held(ord1001: Station) -> None:
    ord1001.tick(10_000)
    assert ord1001.do(Tick(ord1001.ctx.clock)).quiet
    assert ord1001.state.order is not None


def test_scanning_the_own_order_again_says_so(ord1001: Station) -> None:
    out = ord1001.scan("TOTE-017")
    assert out.message.key == "claim.already_this"
    rejected = ord1001.new_records[0]
    assert isinstance(rejected, ScanRejected) and rejected.reason == "claim.already_this"


def test_another_order_while_packing_says_finish_first(ord1001: Station) -> None:
    out = ord1001.scan("ORD-1003")
    assert out.message.key == "order.finish_first"
    assert ord1001.state.order is not None and ord1001.state.order.id == "ORD-1001"
