"""What the queue screen shows for each row and line: pure functions of data + clock.

Kept apart from the app so the texts are tested without a terminal and so the
same cells can serve another front end (the browser view) later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from rich.text import Text

from packstation.domain.text import printable
from packstation.i18n import Msg, t
from packstation.models.marketplace_hold import LABEL_PRINTED, LABEL_WAIT, hold_state
from packstation.models.queue_page import QueueFilters, QueuePage, QueueRow
from packstation.models.queue_repo import FloorStats, StationRow
from packstation.widgets.queue_table import Cell

if TYPE_CHECKING:
    from packstation.evidence.disk import DiskUse
    from packstation.training.store import Standing

ORDER_COLUMNS = (
    "order",
    "status",
    "ship_by",
    "priority",
    "station",
    "packer",
    "in_status",
    "lines",
    "carrier",
    "evidence",
)
#: Below this many columns the orders table leaves out "in status" and "lines" (80x24).
WIDE_SCREEN = 100
#: There the video marks follow the order id instead of a column of their own.
NARROW_ORDER_COLUMNS = tuple(
    c for c in ORDER_COLUMNS if c not in ("in_status", "lines", "evidence")
)
STATION_COLUMNS = (
    "station",
    "packer",
    "training",
    "order",
    "step",
    "idle",
    "heartbeat",
    "devices",
)
#: At 80 columns the stations table is full without it (devices, Russian "no link"):
#: the training column needs a wider screen, as "in status" does; `t` shows it at any width.
NARROW_STATION_COLUMNS = tuple(c for c in STATION_COLUMNS if c != "training")
#: Columns whose label is not `queue.col.<name>` (the training area's own sentence).
_LABELS = {"training": "training.col.standing"}

LATE_STYLE = "bold red"
RISK_STYLE = "yellow"
_DEVICE_DOT = {"connected": ("●", "green"), "busy": ("◍", "yellow")}


def tr(key: str, locale: str, **params: object) -> str:
    return t(Msg(key, params), locale)


def column_labels(columns: tuple[str, ...], locale: str) -> list[str]:
    return [tr(_LABELS.get(c, f"queue.col.{c}"), locale) for c in columns]


def hm(span: timedelta) -> str:
    """h:mm, as the sketch's "In status" column."""
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def short_span(span: timedelta) -> str:
    """12s, 6m, 2h05m, 3d04h: the coarsest unit that still says something."""
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h{minutes % 60:02d}m"
    return f"{hours // 24}d{hours % 24:02d}h"


def status_name(status: str, locale: str) -> str:
    return tr(f"queue.status.{status}", locale) if status else ""


def clock_time(at: datetime, now: datetime, tz: tzinfo | None) -> str:
    local, today = at.astimezone(tz), now.astimezone(tz)
    if local.date() == today.date():
        return f"{local:%H:%M}"
    return f"{local:%d.%m %H:%M}"


def ship_by_text(row: QueueRow, now: datetime, locale: str, tz: tzinfo | None) -> str:
    if row.ship_by is None:
        return "-"
    shown = clock_time(row.ship_by, now, tz)
    if row.late:
        if len(shown) > len("HH:MM"):  # late since an earlier day: the day says enough
            shown = f"{row.ship_by.astimezone(tz):%d.%m}"
        return f"{shown} " + tr("queue.late", locale)
    if row.at_risk:
        return f"{shown} ⚠ {short_span(row.ship_by - now)}"
    return shown


def order_columns(width: int) -> tuple[str, ...]:
    return ORDER_COLUMNS if width >= WIDE_SCREEN else NARROW_ORDER_COLUMNS


def order_cells(
    row: QueueRow,
    now: datetime,
    locale: str,
    tz: tzinfo | None,
    columns: tuple[str, ...] = ORDER_COLUMNS,
) -> tuple[Cell, ...]:
    style = LATE_STYLE if row.late else RISK_STYLE if row.at_risk else ""
    status = status_name(row.status, locale)
    shelf = hold_state(row.status, row.hold_reason)  # a marketplace parcel on the hold shelf
    if shelf in (LABEL_WAIT, LABEL_PRINTED):
        status = status_name(shelf, locale)
    if row.hold_reason and row.status == "needs_correction":
        status += " ⏸"
    wide = columns == ORDER_COLUMNS
    mark = "" if "evidence" in columns else evidence_mark(row.evidence)
    values = {
        "order": printable(row.id, limit=(24 if wide else 14) - len(mark)) + mark,
        "status": status,
        "ship_by": ship_by_text(row, now, locale, tz),
        "priority": str(row.priority),
        # "→PS-02": kept for that station by a lead, not yet claimed there.
        "station": printable(
            row.station_id or (f"→{row.reserved_for}" if row.reserved_for else ""), limit=12
        ),
        "packer": printable(row.packer or "", limit=16 if wide else 10),
        "in_status": hm(row.in_status(now)),
        "lines": str(row.lines),
        "carrier": printable(row.carrier or "-", limit=16 if wide else 12),
    }
    cells = tuple((values[c], style) for c in columns if c != "evidence")
    if "evidence" in columns:
        cells += (evidence_cell(row.evidence),)
    return cells


#: The video column: a clip's hash is stored ▶, claimed without video ✗, a defect photo •.
EVIDENCE_MARKS = (("evidence.clip", "▶"), ("evidence.missing", "✗"), ("evidence.photo", "•"))


def evidence_mark(kinds: frozenset[str]) -> str:
    """One mark, for 80 columns (after the order id): the clip, else no video, else a photo."""
    return next((mark for kind, mark in EVIDENCE_MARKS if kind in kinds), "")


def evidence_cell(kinds: frozenset[str]) -> Cell:
    marks = "".join(mark for kind, mark in EVIDENCE_MARKS if kind in kinds)
    if "evidence.missing" in kinds and "evidence.clip" not in kinds:
        return marks, "red"
    return marks, "green" if "evidence.clip" in kinds else ""


def devices_text(station: StationRow) -> tuple[str, str]:
    """Compact device states; the style is red when any device is not connected."""
    parts = []
    bad = False
    for device in station.devices:
        dot, _ = _DEVICE_DOT.get(device.state, ("✗", "red"))
        bad = bad or device.state != "connected"
        parts.append(f"{dot}{device.name}")
    return " ".join(parts) or "-", "red" if bad else ""


def station_columns(width: int) -> tuple[str, ...]:
    return STATION_COLUMNS if width >= WIDE_SCREEN else NARROW_STATION_COLUMNS


def training_cell(standing: Standing | None, known: bool, locale: str) -> Cell:
    """Lessons passed/all and "trainee" or "ready"; "-" for someone never in training, "?"
    when the training scores store could not be read."""
    if not known:
        return "?", "dim"
    if standing is None:
        return "-", "dim"
    passed = f"{standing.passed}/{standing.total}"
    if standing.status == "trainee":
        return f"{passed} {tr('training.view.trainee', locale)}", "yellow"
    if standing.status == "ready":
        return f"{passed} {tr('training.standing.ready', locale)}", "green"
    return passed, ""


def station_cells(
    station: StationRow,
    now: datetime,
    locale: str,
    columns: tuple[str, ...] = STATION_COLUMNS,
    training: Mapping[str, Standing] | None = None,
) -> tuple[Cell, ...]:
    """The station's row; `training` is the feed's standings by badge (None: not read)."""
    age = station.heartbeat_age(now)
    if station.stale:
        heartbeat = (
            tr("queue.offline", locale, age=short_span(age))
            if age is not None
            else tr("queue.never_seen", locale)
        )
        heartbeat_style = "bold red"
    else:
        heartbeat = tr("queue.ago", locale, age=short_span(age or timedelta(0)))
        heartbeat_style = ""
    idle = station.idle(now)
    step = station.step or ""
    devices, devices_style = devices_text(station)
    dim = "dim" if station.stale else ""
    cells: dict[str, Cell] = {
        "station": (printable(station.id, limit=12), "bold" if not station.stale else "dim"),
        "packer": (printable(station.operator or "-", limit=16), dim),
        "order": (printable(station.current_order or "-", limit=20), dim),
        "step": (tr(f"step.{step}", locale) if step else "-", dim),
        "idle": (short_span(idle) if idle is not None else "-", dim),
        "heartbeat": (heartbeat, heartbeat_style),
        "devices": (devices, devices_style or dim),
    }
    if "training" in columns:
        badge = station.operator_badge
        if badge is None:
            cells["training"] = ("", "")
        else:
            known = training is not None
            cells["training"] = training_cell((training or {}).get(badge), known, locale)
    return tuple(cells[c] for c in columns)


def header_text(stats: FloorStats, locale: str, tz: tzinfo | None) -> Text:
    text = Text(" ")
    text.append(tr("queue.floor", locale, time=f"{stats.now.astimezone(tz):%H:%M}"), style="bold")
    text.append("   ")
    text.append(
        tr(
            "queue.last_hour",
            locale,
            orders=stats.orders_last_hour,
            lines=stats.lines_last_hour,
        )
    )
    text.append("   ")
    text.append(
        tr("queue.late_count", locale, count=stats.late),
        style=LATE_STYLE if stats.late else "",
    )
    text.append("   ")
    text.append(
        tr("queue.at_risk_count", locale, count=stats.at_risk),
        style=RISK_STYLE if stats.at_risk else "",
    )
    text.append("   ")
    text.append(
        tr("queue.defects", locale, count=stats.defects_total),
        style="magenta" if stats.defects_total else "",
    )
    for channel, failing, last in stats.marketplaces:
        text.append("   ")
        text.append(
            tr("queue.marketplace_failing", locale, channel=channel, count=failing, last=last),
            style=LATE_STYLE,
        )
    return text


def summary_text(stats: FloorStats, locale: str, width: int = 1000) -> Text:
    """Second line: the shift's throughput, open orders by status, defects by kind.

    The fullest form that fits `width` cells: statuses with no orders go first,
    then the defects by kind (the header line keeps their total), then separators
    tighten. A line is never cut in the middle of a word.
    """
    shift = tr(
        "queue.shift",
        locale,
        orders=stats.orders_shift,
        lines=stats.lines_shift,
        rate=_rate(stats.per_hour(stats.orders_shift)),
    )
    every = [(s, n) for s, n in stats.by_status]
    some = [(s, n) for s, n in every if n]
    if stats.defects:
        kinds = ", ".join(f"{tr(f'defect.kind.{k}', locale)} {n}" for k, n in stats.defects)
        defects: tuple[str, str] | None = (kinds, "magenta")
    else:
        defects = (tr("queue.no_defects", locale), "dim")
    candidates = [
        (every, defects, "  "),
        (some, defects, "  "),
        (some, None, "  "),
        (some, None, " "),
    ]
    for statuses, tail, gap in candidates:
        text = _summary(shift, statuses, tail, gap, locale)
        if text.cell_len <= width:
            return text
    return Text(" " + shift)


def _summary(
    shift: str,
    statuses: list[tuple[str, int]],
    tail: tuple[str, str] | None,
    gap: str,
    locale: str,
) -> Text:
    text = Text(" " + shift)
    text.append(f"{gap}│ ", style="dim")
    text.append(gap.join(f"{status_name(s, locale)} {n}" for s, n in statuses))
    if tail is not None:
        text.append(f"{gap}│ ", style="dim")
        text.append(tail[0], style=tail[1])
    return text


def _rate(per_hour: float) -> str:
    return f"{per_hour:.1f}" if per_hour < 10 else f"{per_hour:.0f}"


def filter_text(filters: QueueFilters, page: QueuePage | None, locale: str) -> Text:
    parts: list[str] = []
    if filters.statuses:
        parts.append(", ".join(status_name(s, locale) for s in filters.statuses))
    elif filters.search:
        parts.append(tr("queue.filter.any", locale))
    else:
        parts.append(tr("queue.filter.open", locale))
    if filters.late_only:
        parts.append(tr("queue.filter.late", locale))
    if filters.station:
        parts.append(tr("queue.filter.station", locale, station=printable(filters.station)))
    if filters.carrier:
        parts.append(tr("queue.filter.carrier", locale, carrier=printable(filters.carrier)))
    if filters.search:
        parts.append(tr("queue.filter.search", locale, prefix=printable(filters.search)))
    text = Text(" " + " · ".join(parts), style="bold")
    if page is not None:
        text.append("   ")
        if page.rows:
            first, last = page.offset + 1, page.offset + len(page.rows)
            if page.total is None:
                shown = tr("queue.page_more" if page.has_more else "queue.page_end", locale,
                           first=first, last=last)  # fmt: skip
            else:
                shown = tr("queue.page", locale, first=first, last=last, total=f"{page.total:,}")
            text.append(shown)
        else:
            text.append(tr("queue.page_empty", locale), style="dim")
    return text


def parse_search(text: str, base: QueueFilters) -> QueueFilters:
    """`ORD-10 late station:PS-01 carrier:CDEK status:ready` → filters. Tokens replace the
    matching parts of `base`; an empty text clears the search but keeps the status filter."""
    statuses = base.statuses
    late = False
    station: str | None = None
    carrier: str | None = None
    search = ""
    for token in text.split():
        name, sep, value = token.partition(":")
        name = name.lower()
        if sep and name == "station":
            station = value or None
        elif sep and name == "carrier":
            carrier = value or None
        elif sep and name == "status":
            statuses = tuple(s for s in value.split(",") if s)
        elif token.lower() == "late":
            late = True
        else:
            search = token
    return QueueFilters(
        statuses=statuses, late_only=late, station=station, carrier=carrier, search=search
    )


def search_text(filters: QueueFilters) -> str:
    """The filters as they would be typed (the search box starts from it)."""
    parts = [filters.search] if filters.search else []
    if filters.late_only:
        parts.append("late")
    if filters.station:
        parts.append(f"station:{filters.station}")
    if filters.carrier:
        parts.append(f"carrier:{filters.carrier}")
    return " ".join(parts)


def evidence_text(use: DiskUse, now: datetime, locale: str) -> Text:
    """The evidence status line: disk used (of max_gb), stations, the oldest video kept."""
    if use.error:
        return Text(" " + tr("queue.evidence_error", locale, error=use.error), style="bold red")
    if not use.segments:
        return Text(" " + tr("queue.evidence_none", locale), style="dim")
    gb = 1024**3
    limit = ""
    if use.max_bytes is not None:
        limit = tr("queue.evidence_limit", locale, limit=f"{use.max_bytes / gb:.0f}")
    text = Text(" ")
    text.append(
        tr(
            "queue.evidence",
            locale,
            used=f"{use.used_bytes / gb:.1f}",
            limit=limit,
            stations=use.stations,
            oldest=short_span(now - use.oldest) if use.oldest else "-",
        ),
        style="bold red" if use.over_budget else "",
    )
    if use.over_budget:
        text.append("  " + tr("queue.evidence_over", locale), style="bold red")
    return text
