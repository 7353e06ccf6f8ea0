"""Which signal a result gives: one class per kind of result, so a packer hears the difference.

A wrong item, an over-scan and a weight failure must not sound alike, nor like a
good scan (people walk away from unfinished scans when every beep is the same).
The class is decided here from the outcome alone (its colour and message key);
how a class sounds (a WAV on the sound card, a tone in the browser, a pattern of
terminal bells) is the station's business (`packstation/sounds/`).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from msgspec.structs import replace

if TYPE_CHECKING:  # (the workflow imports this module: no import cycle at run time)
    from packstation.domain.workflow.state import Outcome

__all__ = [
    "BELLS",
    "MIS_SHIP",
    "SignalClass",
    "keeps_alert",
    "on_top",
    "must_acknowledge",
    "pending_mis_ship",
    "signal_for",
]


class SignalClass(enum.StrEnum):
    """A kind of result with a sound of its own (the value names its WAV file)."""

    GOOD = "good"
    """A scan, key or reading accepted."""
    COMPLETE = "complete"
    """The order is packed: its last label scanned."""
    WRONG_ITEM = "wrong_item"
    """Something that does not belong here: not in this order, unknown, unreadable, another
    order's label or document, a unit that expires too soon."""
    OVER_SCAN = "over_scan"
    """One more than the order asks for, or a marking code or serial scanned twice or used
    elsewhere."""
    WEIGHT = "weight"
    """The parcel's weight is out of tolerance."""
    NEEDS_LEAD = "needs_lead"
    """Only a lead can go on (badge and PIN): cancel after scanning, weight or tariff
    override, no tariff fits."""
    FAILURE = "failure"
    """Database, printer or station failure: nothing was recorded or printed."""
    REFUSED = "refused"
    """Any other red: not at this step, finish something first, unknown command."""


#: Red results that would mis-ship the parcel if missed: they stay on screen until the
#: next good scan or CMD:OK, the result panel flashes, and they sound loudest.
MIS_SHIP = frozenset({SignalClass.WRONG_ITEM, SignalClass.OVER_SCAN, SignalClass.WEIGHT})

#: Where there is no sound card: terminal bells per class, and the gap between them in
#: seconds (a good scan rings nothing, as the bell would be heard as an error).
BELLS: dict[SignalClass, tuple[int, float]] = {
    SignalClass.GOOD: (0, 0.0),
    SignalClass.COMPLETE: (0, 0.0),
    SignalClass.REFUSED: (1, 0.0),
    SignalClass.WRONG_ITEM: (2, 0.15),
    SignalClass.OVER_SCAN: (3, 0.15),
    SignalClass.WEIGHT: (4, 0.15),
    SignalClass.NEEDS_LEAD: (2, 0.6),
    SignalClass.FAILURE: (5, 0.1),
}

_COMPLETE = frozenset({"order.packed", "order.packed_parcels"})
_WRONG_ITEM = frozenset(
    {
        "scan.not_in_order",
        "scan.unknown",
        "scan.invalid",
        "scan.bad_check_digit",
        "scan.bad_check_digit_detail",
        "label.wrong",
        "document.other_order",
        "scan.expires_too_soon",
    }
)
_OVER_SCAN = frozenset(
    {
        "scan.over_scan",
        "scan.marking_repeat",
        "scan.marking_used",
        "serial.repeat",
        "serial.shipped",
    }
)
_WEIGHT = frozenset({"weight.out_of_tolerance"})
_MIS_SHIP_KEYS = _WRONG_ITEM | _OVER_SCAN | _WEIGHT
#: Green results that open a lead's dialog, and red ones only a lead can resolve.
_NEEDS_LEAD = frozenset(
    {
        "cancel.needs_lead",
        "override.started",
        "checks.skip_started",
        "carrier.override_started",
        "carrier.none_can_take",
        "carrier.none_configured",
        "label.no_fit",
        "override.badge_locked",
    }
)
_FAILURE = frozenset(
    {
        "station.db_down",
        "station.not_recorded",
        "station.not_recorded_conflict",
        "station.print_failed",
        "station.documents_failed",
        "station.already_open",
        "station.internal_error",
    }
)
#: Green results that are no answer to anything the packer did: no sound.
_SILENT = frozenset({"station.ready", "station.resumed", "ignored"})
#: What the scale's accepted reading says: it resolves a weight alert, nothing else.
_WEIGHED = frozenset({"weight.accepted", "box.sealed"})


def signal_for(outcome: Outcome | None) -> SignalClass | None:
    """The signal a result gives, or None for none (nothing shown, a start-up notice, a red
    that asks for no attention such as an empty queue)."""
    if outcome is None or outcome.quiet:
        return None
    key = outcome.message.key
    if key in _NEEDS_LEAD:
        return SignalClass.NEEDS_LEAD
    if outcome.ok:
        if key in _SILENT:
            return None
        return SignalClass.COMPLETE if key in _COMPLETE else SignalClass.GOOD
    if outcome.ok is None or not outcome.bell:
        return None
    if key in _WRONG_ITEM:
        return SignalClass.WRONG_ITEM
    if key in _OVER_SCAN:
        return SignalClass.OVER_SCAN
    if key in _WEIGHT:
        return SignalClass.WEIGHT
    if key in _FAILURE:
        return SignalClass.FAILURE
    return SignalClass.REFUSED


def must_acknowledge(outcome: Outcome | None) -> bool:
    """A red that would mis-ship (or one shown on top of it): it stays until the next good
    scan or CMD:OK, and flashes."""
    return pending_mis_ship(outcome) is not None


def pending_mis_ship(outcome: Outcome | None) -> Outcome | None:
    """The red that would mis-ship in ``outcome``: itself, or the one a lesser red came on
    top of (an "items first" after a wrong item must not take the wrong item off the
    screen unseen)."""
    if outcome is None or outcome.ok is not False:
        return None
    if outcome.message.key in _MIS_SHIP_KEYS:
        return outcome
    return pending_mis_ship(outcome.earlier)


def keeps_alert(alert: Outcome | None, outcome: Outcome) -> bool:
    """Whether ``alert`` stays up through ``outcome``, a green result. A green the packer
    did not make (the scale accepting a parcel) must not take a wrong item or an over-scan
    off the screen unseen; it does resolve a weight alert, which it answers."""
    pending = pending_mis_ship(alert)
    if pending is None or not outcome.ok:
        return False
    return outcome.message.key in _WEIGHED and pending.message.key not in _WEIGHT


def on_top(alert: Outcome | None, outcome: Outcome) -> Outcome:
    """``outcome``, a red, as the alert after ``alert``: a lesser red keeps an earlier
    mis-ship red with it, until a good scan or CMD:OK acknowledges both."""
    pending = pending_mis_ship(alert)
    if pending is None or outcome.message.key in _MIS_SHIP_KEYS:
        return outcome
    return replace(outcome, earlier=pending)
