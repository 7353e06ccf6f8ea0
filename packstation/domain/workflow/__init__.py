"""The pack workflow as a pure state machine (functional core, event-sourced).

``decide(state, command, ctx) -> Decision`` says what happened (records to
commit, outcome to show); ``evolve(state, record)`` folds one committed
record into the state; ``replay(records)`` rebuilds a station after a crash.
No database, UI or device code lives here: ``Context`` is the app's read-only
window onto its database.
"""

from packstation.domain.workflow.commands import (
    Action,
    Command,
    ConfirmCheck,
    Context,
    Decision,
    Key,
    MarketplaceLabel,
    MarksRejected,
    PickKind,
    PickLine,
    PickReason,
    PinEntry,
    ScaleReading,
    Scan,
    Tick,
)
from packstation.domain.workflow.evolve import evolve, replay
from packstation.domain.workflow.hints import hint_for
from packstation.domain.workflow.machine import apply, decide, plan_for, step
from packstation.domain.workflow.model import (
    CheckItem,
    ClaimRefusal,
    DefectKind,
    LineView,
    Operator,
    OrderView,
    OverrideReason,
    RefusalReason,
    line_view,
)
from packstation.domain.workflow.record_types import order_id_of, record_from
from packstation.domain.workflow.records import Record
from packstation.domain.workflow.state import Outcome, PackState, Step

__all__ = [
    "Action",
    "CheckItem",
    "ClaimRefusal",
    "Command",
    "ConfirmCheck",
    "Context",
    "Decision",
    "DefectKind",
    "Key",
    "LineView",
    "Operator",
    "OrderView",
    "Outcome",
    "OverrideReason",
    "PackState",
    "PickKind",
    "PickLine",
    "PickReason",
    "PinEntry",
    "Record",
    "RefusalReason",
    "ScaleReading",
    "Scan",
    "Step",
    "MarketplaceLabel",
    "MarksRejected",
    "Tick",
    "apply",
    "decide",
    "evolve",
    "hint_for",
    "line_view",
    "order_id_of",
    "plan_for",
    "record_from",
    "replay",
    "step",
]
