"""Why this carrier and tariff, or why none fits: the rules' answer as messages.

`domain/carriers.py` decides and keeps the reasons as codes; this module turns
them into ``Msg`` lines for the packer (the red no-fit message, and the two
lines the label step shows). Times are local, like the ship-by in the header.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from packstation.domain.carriers import Choice, NoFit, Option, Why
from packstation.domain.workflow.facts import Parcel
from packstation.domain.workflow.hints import grams
from packstation.domain.workflow.model import OverrideReason
from packstation.domain.workflow.state import PackState
from packstation.i18n import Msg

__all__ = ["carrier_lines", "money", "no_fit_message", "option_message"]

#: Candidates named when nothing fits (the closest first).
_SHOWN = 2


def money(amount: Decimal) -> str:
    return f"{amount:f}"


def no_fit_message(no_fit: NoFit) -> Msg:
    """The red message, one line: what the closest candidate failed (the label step's
    panel shows the weight, the country and the next candidate)."""
    best = no_fit.options[0] if no_fit.options else None
    why = option_message(best, no_fit) if best else Msg("carrier.none_configured")
    return Msg("label.no_fit", {"why": why})


def option_message(option: Option, context: Choice | NoFit) -> Msg:
    """One candidate and its first reason: ``OZON-COURIER/STANDARD late: arrives …``."""
    why = option.failed[0] if option.failed else (option.why[-1] if option.why else None)
    if why is None:
        return Msg("carrier.option", {"tariff": option.code, "why": ""})
    table: dict[Why, dict[str, object]] = {
        Why.CARRIER: {},
        Why.COUNTRY: {"country": context.country or "-"},
        Why.WEIGHT: {"max": f"{option.max_kg:f}"},
        Why.RELIABILITY: {
            "reliability": f"{option.reliability:f}",
            "floor": f"{context.min_reliability:f}",
        },
        Why.LATE: {"arrives": _when(option.arrives)},
        Why.DEARER: {"cost": money(option.cost)},
        Why.SLOWER: {"days": option.days},
        Why.TIE: {},
    }
    why_msg = Msg(f"carrier.why.{why}", table[why])
    return Msg("carrier.option", {"tariff": option.code, "why": why_msg})


def carrier_lines(state: PackState) -> tuple[Msg, ...]:
    """Two lines for the label step: the choice and why (with the next best), or why
    nothing fits (with the closest candidates)."""
    if state.no_fit is not None and not state.parcels:
        no_fit = state.no_fit
        first: dict[str, object] = {
            "weight": grams(no_fit.weight_g),
            "country": no_fit.country or "-",
            "promise": _when(no_fit.promise),
        }
        shown = [option_message(o, no_fit) for o in no_fit.options[:_SHOWN]]
        lines = [Msg("carrier.no_fit_line", first)]
        if shown:
            lines.append(Msg("carrier.candidates", {"list": _chain(shown)}))
        return tuple(lines)
    parcel = state.parcel or (state.parcels[-1] if state.parcels else None)
    if parcel is None:
        return ()
    return _parcel_lines(parcel)


def _parcel_lines(parcel: Parcel) -> tuple[Msg, ...]:
    code = f"{parcel.carrier}/{parcel.tariff}"
    if parcel.override_by:
        reason: object = parcel.override_note  # the lead's own words, when given
        if not reason:
            try:
                reason = Msg(f"override.reason.{OverrideReason(parcel.override_reason)}")
            except ValueError:
                reason = parcel.override_reason
        params: dict[str, object] = {
            "tariff": code,
            "cost": money(parcel.cost),
            "lead": parcel.override_by,
            "reason": reason,
        }
        return (Msg("carrier.overridden", params),)
    choice = parcel.choice
    if choice is None:  # a label stored before choices were explained
        return ()
    if choice.promise is not None:
        times = {"arrives": _when(choice.arrives), "promise": _when(choice.promise)}
        when = Msg("carrier.when.promise", times)
    else:
        when = Msg("carrier.when.days", {"days": choice.days})
    fits = [o for o in choice.others if not o.failed]
    if not choice.on_time:
        why = Msg("carrier.reason.fastest_late")
    elif fits:
        why = Msg("carrier.reason.cheapest")
    else:
        why = Msg("carrier.reason.only")
    chosen = Msg("carrier.chosen", {"tariff": code, "cost": money(choice.cost), "when": when})
    if not choice.others:
        return chosen, why
    return chosen, Msg(
        "carrier.verdict", {"why": why, "option": option_message(choice.others[0], choice)}
    )


def _chain(messages: list[Msg]) -> Msg:
    if len(messages) == 1:
        return messages[0]
    return Msg("carrier.more", {"first": messages[0], "rest": _chain(messages[1:])})


def _when(at: datetime | None) -> str:
    if at is None:
        return "-"
    return f"{at.astimezone() if at.tzinfo else at:%d.%m %H:%M}"
