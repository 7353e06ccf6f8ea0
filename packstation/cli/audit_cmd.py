"""`packstation audit`: who approved what, who logged in, which badges were locked.

Output: a plain-text listing (two lines per entry, so it fits 80 columns: the event, then
the people) or, with ``--json``, JSON lines: one object per entry, written as it is read,
so a long period streams instead of being built in memory (``jq -s`` makes it an array).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from packstation.cli.common import add_db_option, database_of, say
from packstation.clock import local_now
from packstation.domain.text import printable

if TYPE_CHECKING:
    from packstation.models.audit_repo import AuditEntry, Person

_RELATIVE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE_ONLY = 10  # len("2024-05-31")


def parse_when(text: str, *, now: datetime | None = None) -> datetime:
    """`8h`, `2d`, `30m`, `1w` ago; `today`; or an ISO date / date-time (local time when
    it has no timezone)."""
    now = now or local_now()
    value = text.strip()
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2).lower()
        return now - timedelta(**{_UNITS[unit]: amount})
    if value.lower() == "today":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 8h, 2d, 30m, 1w, today, a date (2024-05-31) or a date-time "
            f"(2024-05-31T08:00), got {text!r}"
        ) from None
    return when if when.tzinfo is not None else when.astimezone()


def _until(text: str) -> datetime:
    """A date alone means up to the end of that day."""
    value = parse_when(text)
    return value + timedelta(days=1) if len(text.strip()) == _DATE_ONLY else value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser(
        "audit",
        help="overrides, lead actions, logins, PIN failures and badge lockouts",
        description="Lists, oldest first: weight overrides, packaging checks skipped with a "
        "lead's approval and refused approvals, cancels of started orders approved by a lead "
        "(with the reason), queue actions (release, hold, priority) and "
        "refusals, logins and logouts, wrong PINs, badge locks and unlocks, kiosk exits; each "
        "with the time, station, order, the packer and the lead (badge and name) and the "
        "reason. --json writes JSON lines, one object per entry.",
    )
    audit.add_argument(
        "--since", type=parse_when, metavar="WHEN", help="from: 8h, 2d, today, 2024-05-31, "
        "2024-05-31T08:00 (default: everything)"
    )  # fmt: skip
    audit.add_argument(
        "--until", type=_until, metavar="WHEN", help="up to, exclusive; a date includes that day"
    )
    audit.add_argument("--json", action="store_true", help="JSON lines, one entry per line")
    add_db_option(audit)
    audit.set_defaults(func=run_audit)


def run_audit(args: argparse.Namespace) -> int:
    from packstation.models.audit_repo import audit_entries

    db = database_of(args)
    try:
        with db.sessions() as session:
            entries = audit_entries(session, since=args.since, until=args.until)
            if args.json:
                for entry in entries:
                    say(json.dumps(entry.as_dict(), ensure_ascii=False))
                return 0
            count = 0
            for entry in entries:
                if count == 0:
                    say(f"{'TIME':<16}  {'KIND':<15}  {'STATION':<7}  {'ORDER':<10}  REASON")
                    say(f"{'':<16}  WHO")
                for line in format_entry(entry):
                    say(line)
                count += 1
            say(f"{count} entr{'y' if count == 1 else 'ies'}" if count else "nothing to list")
    except BrokenPipeError:  # `packstation audit | head`: the reader has seen enough
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        db.dispose()
    return 0


def _person(role: str, person: Person | None) -> str:
    if person is None:
        return ""
    name = f" {printable(person.name)}" if person.name else ""
    badge = printable(person.badge) if person.badge else f"#{person.id}"
    return f"{role} {badge}{name}"


def format_entry(entry: AuditEntry) -> list[str]:
    """Two lines: time, kind, station, order and reason; then the packer and the lead."""
    when = f"{entry.at.astimezone():%Y-%m-%d %H:%M}"
    station = printable(entry.station_id or "-")
    order = printable(entry.order_id or "-")
    first = f"{when:<16}  {entry.kind:<15}  {station:<7}  {order:<10}  {printable(entry.reason)}"
    people = [_person("packer", entry.packer), _person("lead", entry.lead)]
    who = " / ".join(x for x in people if x)
    return [first.rstrip(), f"{'':<16}  {who}"] if who else [first.rstrip()]
