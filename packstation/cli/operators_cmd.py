"""`packstation operators add|list|unlock|set-pin`."""

from __future__ import annotations

import argparse
import getpass
import sys

from packstation.cli.common import CliError, add_db_option, database_of, say
from packstation.domain.pins import PinError, hash_pin
from packstation.domain.workflow.model import LEAD_ROLES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ops = sub.add_parser("operators", help="badges of packers, leads and admins")
    osub = ops.add_subparsers(dest="operators_command", required=True, metavar="COMMAND")
    add = osub.add_parser("add", help="register a badge")
    add.add_argument("--badge", required=True)
    add.add_argument("--name", required=True)
    add.add_argument(
        "--role", required=True, choices=["packer", "trainee", "returns", *sorted(LEAD_ROLES)]
    )
    pin = add.add_mutually_exclusive_group()
    pin.add_argument("--pin", action="store_true", help="ask for a PIN (not echoed)")
    pin.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    add_db_option(add)
    add.set_defaults(func=run_add)
    lst = osub.add_parser("list", help="list operators")
    add_db_option(lst)
    lst.set_defaults(func=run_list)
    unlock = osub.add_parser(
        "unlock",
        help="lift a badge lockout (too many wrong PINs) before it runs out",
        description="Clears the wrong-PIN count and the lock of BADGE; audited as "
        "badge.unlocked with the OS user who ran it.",
    )
    unlock.add_argument("badge", metavar="BADGE")
    add_db_option(unlock)
    unlock.set_defaults(func=run_unlock)
    setpin = osub.add_parser(
        "set-pin",
        help="give a badge a new PIN (e.g. a packer who signs in to a browser station)",
        description="Replaces BADGE's PIN and clears its wrong-PIN count and lock; audited as "
        "pin.set with the OS user who ran it.",
    )
    setpin.add_argument("badge", metavar="BADGE")
    setpin.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    add_db_option(setpin)
    setpin.set_defaults(func=run_set_pin, pin=True)


def read_pin(args: argparse.Namespace) -> str | None:
    if args.pin_stdin:
        return sys.stdin.readline().strip()
    if args.pin:
        first = getpass.getpass("PIN: ")
        if getpass.getpass("PIN again: ") != first:
            raise CliError("the two PINs differ; nothing saved")
        return first
    return None


def run_add(args: argparse.Namespace) -> int:
    from packstation.models.operators_repo import OperatorError, add_operator

    pin = read_pin(args)
    try:
        pin_hash = hash_pin(pin) if pin is not None else None
    except PinError as exc:
        raise CliError(str(exc)) from exc
    db = database_of(args)
    try:
        with db.unit_of_work() as session:
            op = add_operator(
                session, badge=args.badge, name=args.name, role=args.role, pin_hash=pin_hash
            )
            say(f"added {op.role} {op.name} (badge {op.badge}{', PIN set' if pin_hash else ''})")
    except OperatorError as exc:
        raise CliError(str(exc)) from exc
    finally:
        db.dispose()
    return 0


def run_list(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from packstation.clock import utcnow
    from packstation.models.operators_repo import is_locked
    from packstation.models.people import Operator

    db = database_of(args)
    now = utcnow()
    try:
        with db.sessions() as session:
            for op in session.scalars(select(Operator).order_by(Operator.badge)):
                pin = "PIN" if op.pin_hash else "-"
                line = f"{op.badge:<16} {op.role:<7} {pin:<4} {op.name}"
                if op.locked_until is not None and is_locked(op.locked_until, now):
                    line += f"  [locked until {op.locked_until.astimezone():%Y-%m-%d %H:%M}]"
                say(line)
    finally:
        db.dispose()
    return 0


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        return ""


def run_unlock(args: argparse.Namespace) -> int:
    from packstation.clock import utcnow
    from packstation.models.operators_repo import OperatorError, PinStatus, unlock_badge

    db = database_of(args)
    try:
        with db.unit_of_work() as session:
            before = unlock_badge(session, args.badge, now=utcnow(), by=_os_user())
            op = before.operator
            who = f"{op.name} (badge {op.badge})" if op else args.badge
            if before.status is PinStatus.LOCKED:
                say(f"unlocked {who}: was locked until {before.until_local()}")
            elif before.status is PinStatus.WRONG:
                say(f"{who} was not locked; wrong-PIN count cleared")
            else:
                say(f"{who} is not locked; nothing to do")
    except OperatorError as exc:
        raise CliError(str(exc)) from exc
    finally:
        db.dispose()
    return 0


def run_set_pin(args: argparse.Namespace) -> int:
    from packstation.clock import utcnow
    from packstation.models.operators_repo import OperatorError, set_pin

    pin = read_pin(args)
    assert pin is not None  # set-pin always asks (prompt or stdin)
    try:
        pin_hash = hash_pin(pin)
    except PinError as exc:
        raise CliError(str(exc)) from exc
    db = database_of(args)
    try:
        with db.unit_of_work() as session:
            op = set_pin(session, args.badge, pin_hash, now=utcnow(), by=_os_user())
            say(f"PIN set for {op.name} (badge {op.badge})")
    except OperatorError as exc:
        raise CliError(str(exc)) from exc
    finally:
        db.dispose()
    return 0
