"""What the UI and the worker thread hand each other: apart from runner.py, for its mixins too."""

from __future__ import annotations

from dataclasses import dataclass, field

from packstation.domain.workflow import Command, Outcome, PackState
from packstation.station.commit_gate import CommitGate

__all__ = ["DeviceNote", "RunResult"]


@dataclass(frozen=True, slots=True)
class DeviceNote:
    """A device changed state: written to the station row for the queue screen."""

    device: str
    state: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What the UI renders after one command (or after recovery at start-up)."""

    state: PackState
    outcome: Outcome | None
    #: True when the command's records are committed (or it needed none).
    recorded: bool = True
    #: Parcel id of a label that reached the printer.
    printed: str | None = None
    recovered: bool = False
    command: Command | None = field(default=None, repr=False)
    #: Set when the state is handed over before its COMMIT returned: frames showing it
    #: wait for this (`commit_gate.py`).
    gate: CommitGate | None = field(default=None, repr=False)
    #: Nothing new to draw: the commit of the last result (given with its `gate`) went
    #: through. Every gated result is followed by this or by a "not recorded" result.
    settled: bool = False
