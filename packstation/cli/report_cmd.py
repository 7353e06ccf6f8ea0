"""`packstation report deliveries|shift`: terminal tables and CSV for team leads."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.cli.common import CliError, add_db_option, database_of, say
from packstation.clock import local_now
from packstation.domain import spreadsheet
from packstation.domain.text import printable

if TYPE_CHECKING:
    from packstation.models.reports_repo import DeliveryRow, ShiftReport, ShiftRow

_DATE_ONLY = 10  # len("2024-05-31")


def _when(text: str) -> datetime:
    """ISO date or date-time; without a timezone it is local time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date (2024-05-31) or date-time (2024-05-31T08:00), got {text!r}"
        ) from None
    return value if value.tzinfo is not None else value.astimezone()


def _until(text: str) -> datetime:
    """A date alone means up to the end of that day."""
    value = _when(text)
    return value + timedelta(days=1) if len(text.strip()) == _DATE_ONLY else value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser("report", help="lead reports: deliveries, shift, training")
    rsub = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    dlv = rsub.add_parser(
        "deliveries",
        help="delivery times against the promise, late, failed and damaged shares",
        description="Per carrier and tariff, over parcels handed to the carrier in the window "
        "(label confirmation time): delivered, median and 90th-percentile hours from handover "
        "to delivery, share delivered after the promise, share failed or returned, share "
        "damaged on arrival.",
    )
    dlv.add_argument("--since", type=_when, help="start (default: 30 days ago)")
    dlv.add_argument("--until", type=_until, help="end, exclusive; a date includes that day")
    dlv.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-' for stdout)")
    add_db_option(dlv)
    dlv.set_defaults(func=run_deliveries)
    shift = rsub.add_parser(
        "shift",
        help="orders and lines packed per packer and station, time per order, defects",
        description="Per station and packer: orders packed, lines and units, average minutes "
        "per order (claim to close), defects by kind (count and per 100 orders), overrides "
        "(weight, carrier and box overrides, checks skipped with a lead and lead actions); then "
        "the floor total. Then boxes used vs suggested: parcels the station suggested a box "
        "for, packed in it, in a larger or (with a lead) a smaller one; litres saved (the "
        "packer's first box was larger than the one used) and litres over the suggestion.",
    )
    shift.add_argument("--station", metavar="ID", help="one station only")
    shift.add_argument("--since", type=_when, help="start (default: today 00:00 local time)")
    shift.add_argument("--until", type=_until, help="end, exclusive (default: now)")
    shift.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-' for stdout)")
    add_db_option(shift)
    shift.set_defaults(func=run_shift)
    from packstation.cli.training_cmd import add_report

    add_report(rsub)  # `report training`


# --------------------------------------------------------------------------- output helpers


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _csv_num(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: Sequence[int]) -> list[str]:
    """Aligned plain text: the `left` columns left-aligned (text), the rest right (numbers)."""
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    out = []
    for r in (header, *rows):
        cells = [
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


def _write_csv(target: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Through `spreadsheet.writer`: station ids, packer names, carrier and tariff codes are
    text a spreadsheet must not run; numbers stay numbers."""
    buf = io.StringIO()
    out = spreadsheet.writer(buf)
    out.writerow(header)
    out.writerows(rows)
    if target == "-":
        sys.stdout.write(buf.getvalue())
        return
    try:
        Path(target).write_text(buf.getvalue(), encoding="utf-8", newline="")
    except OSError as exc:
        raise CliError(f"{target}: cannot write: {exc.strerror or exc}") from exc


def _window(since: datetime, until: datetime | None) -> str:
    end = until.strftime("%Y-%m-%d %H:%M") if until else "now"
    return f"{since.strftime('%Y-%m-%d %H:%M')} .. {end}"


# --------------------------------------------------------------------------- deliveries

DELIVERY_CSV = (
    "carrier", "tariff", "parcels", "in_transit", "delivered", "failed", "returned",
    "median_h", "p90_h", "with_promise", "late", "late_share", "failed_share", "damaged",
    "damaged_share",
)  # fmt: skip


def _delivery_csv_row(r: DeliveryRow) -> list[str]:
    d = r.as_dict()
    out = []
    for name in DELIVERY_CSV:
        value = d[name]
        if name.endswith("_share"):
            out.append(_csv_num(value, 4))
        elif name.endswith("_h"):
            out.append(_csv_num(value, 2))
        else:
            out.append(str(value))
    return out


def run_deliveries(args: argparse.Namespace) -> int:
    from packstation.models.reports_repo import delivery_report

    since: datetime = args.since or local_now() - timedelta(days=30)
    db = database_of(args)
    try:
        with db.sessions() as session:
            rows = delivery_report(session, since, args.until)
    finally:
        db.dispose()
    if args.csv:
        _write_csv(args.csv, DELIVERY_CSV, [_delivery_csv_row(r) for r in rows])
        if args.csv == "-":
            return 0
    say(f"Deliveries, parcels handed over {_window(since, args.until)}")
    if len(rows) == 1:  # the total alone
        say("no parcels handed to a carrier in this window")
        return 0
    header = ("CARRIER", "TARIFF", "PARCELS", "DELIVERED", "MEDIAN H", "P90 H", "LATE",
              "FAILED", "DAMAGED", "IN TRANSIT")  # fmt: skip
    table = [
        (
            printable(r.carrier, limit=20),
            printable(r.tariff, limit=16),
            str(r.parcels),
            str(r.delivered),
            _num(r.median_h),
            _num(r.p90_h),
            _pct(r.late_share),
            _pct(r.failed_share),
            _pct(r.damaged_share),
            str(r.in_transit),
        )
        for r in rows
    ]
    for line in _table(header, table, left=(0, 1)):
        say(line)
    return 0


# --------------------------------------------------------------------------- shift


def _shift_csv(report: ShiftReport) -> tuple[list[str], list[list[str]]]:
    header = ["station", "packer", "operator_id", "orders", "lines", "units", "avg_minutes"]
    for kind in report.kinds:
        header += [f"defects_{kind}", f"defects_{kind}_per_100"]
    header += ["defects_total", "defects_per_100", "overrides"]
    header += ["box_suggested", "box_as_suggested", "box_larger", "box_smaller"]
    header += ["volume_saved_l", "volume_over_l"]
    rows = []
    for r in [*report.rows, report.total]:
        cells = [
            r.station_id or "",
            r.packer,
            "" if r.operator_id is None else str(r.operator_id),
            str(r.orders),
            str(r.lines),
            str(r.units),
            _csv_num(r.avg_minutes, 2),
        ]
        for kind in report.kinds:
            cells += [str(r.defects.get(kind, 0)), _csv_num(r.defect_rate(kind), 2)]
        cells += [str(r.defects_total), _csv_num(r.defect_rate(), 2), str(r.overrides)]
        b = r.boxes
        cells += [str(b.suggested), str(b.as_suggested), str(b.larger), str(b.smaller)]
        cells += [_csv_num(r.volume_saved_l, 3), _csv_num(r.volume_over_l, 3)]
        rows.append(cells)
    return header, rows


def _by_kind(r: ShiftRow, kinds: Sequence[str]) -> str:
    parts = [
        f"{kind} {r.defects[kind]}" + (f" ({_num(r.defect_rate(kind))})" if r.orders else "")
        for kind in kinds
        if r.defects.get(kind)
    ]
    return ", ".join(parts) or "-"


def run_shift(args: argparse.Namespace) -> int:
    from packstation.models.reports_repo import shift_report

    today = local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    since: datetime = args.since or today
    db = database_of(args)
    try:
        with db.sessions() as session:
            report = shift_report(session, since, args.until, station=args.station)
    finally:
        db.dispose()
    if args.csv:
        _write_csv(args.csv, *_shift_csv(report))
        if args.csv == "-":
            return 0
    where = f" at {printable(args.station)}" if args.station else ""
    say(f"Shift{where}, {_window(since, args.until)}")
    if not report.rows:
        say("nothing packed, no defects and no overrides in this window")
        return 0
    header = ("STATION", "PACKER", "ORDERS", "LINES", "UNITS", "MIN/ORDER", "DEFECTS",
              "PER 100", "OVERRIDES", "BY KIND (PER 100 ORDERS)")  # fmt: skip
    table = [
        (
            printable(r.station_id or "-", limit=16),
            printable(r.packer, limit=24),
            str(r.orders),
            str(r.lines),
            str(r.units),
            _num(r.avg_minutes),
            str(r.defects_total),
            _num(r.defect_rate()),
            str(r.overrides),
            _by_kind(r, report.kinds),
        )
        for r in [*report.rows, report.total]
    ]
    for line in _table(header, table, left=(0, 1, 9)):
        say(line)
    _box_table(report)
    return 0


def _box_table(report: ShiftReport) -> None:
    """Boxes used vs suggested, per packer and for the shift (when any box was suggested:
    items and boxes with sizes)."""
    if not report.total.boxes.suggested:
        return
    say("")
    header = ("STATION", "PACKER", "SUGGESTED", "AS SUGGESTED", "LARGER", "SMALLER",
              "SAVED L", "OVER L")  # fmt: skip
    table = [
        (
            printable(r.station_id or "-", limit=16),
            printable(r.packer, limit=24),
            str(r.boxes.suggested),
            f"{r.boxes.as_suggested} ({_pct(_share(r.boxes.as_suggested, r.boxes.suggested))})",
            str(r.boxes.larger),
            str(r.boxes.smaller),
            _num(r.volume_saved_l),
            _num(r.volume_over_l),
        )
        for r in [*report.rows, report.total]
        if r.boxes.suggested
    ]
    say("Boxes used vs suggested")
    for line in _table(header, table, left=(0, 1)):
        say(line)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
