"""A lesson's score: time per unit, errors by kind, faults handled right; and a trainee's record.

Pure values: the coach fills them in from what the station showed, the scores store keeps
`LessonScore.to_payload()` as one `training.scored` event at the lesson's end
(`training/store.py`, `models/training_repo.py`), and reports read them back with
`from_payload`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["MAX_ERRORS_TO_PASS", "FaultResult", "LessonScore", "TraineeRecord", "record_of"]

#: A lesson is passed with every fault handled right and at most this many errors.
MAX_ERRORS_TO_PASS = 2


@dataclass(frozen=True, slots=True)
class FaultResult:
    """An injected fault of one practice order and whether the trainee handled it right."""

    kind: str
    order_id: str
    right: bool
    #: What the trainee did instead, when not right ("defect:missing", "reason:other", ...).
    note: str = ""


@dataclass(frozen=True, slots=True)
class LessonScore:
    lesson: str
    started_at: datetime
    finished_at: datetime
    #: Units of the lesson's orders (what the trainee had to handle).
    units: int
    #: Red results the trainee caused, by signal class (`domain/signals.SignalClass`).
    errors: Mapping[str, int] = field(default_factory=dict)
    faults: tuple[FaultResult, ...] = ()

    @property
    def seconds(self) -> float:
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)

    @property
    def seconds_per_unit(self) -> float | None:
        return self.seconds / self.units if self.units else None

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def faults_right(self) -> int:
        return sum(1 for f in self.faults if f.right)

    @property
    def passed(self) -> bool:
        return self.faults_right == len(self.faults) and self.error_count <= MAX_ERRORS_TO_PASS

    def to_payload(self) -> dict[str, Any]:
        spu = self.seconds_per_unit
        return {
            "lesson": self.lesson,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "units": self.units,
            "seconds": round(self.seconds, 1),
            "seconds_per_unit": None if spu is None else round(spu, 1),
            "errors": dict(sorted(self.errors.items())),
            "faults": [
                {"kind": f.kind, "order": f.order_id, "right": f.right, "note": f.note}
                for f in self.faults
            ],
            "passed": self.passed,
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> LessonScore:
        errors = payload.get("errors") or {}
        faults = payload.get("faults") or []
        return cls(
            lesson=str(payload.get("lesson", "")),
            started_at=datetime.fromisoformat(str(payload["started_at"])),
            finished_at=datetime.fromisoformat(str(payload["finished_at"])),
            units=int(payload.get("units", 0)),
            errors={str(k): int(v) for k, v in errors.items()},
            faults=tuple(
                FaultResult(
                    str(f["kind"]),
                    str(f.get("order", "")),
                    bool(f["right"]),
                    str(f.get("note", "")),
                )
                for f in faults
            ),  # fmt: skip
        )


def count_errors(kinds: Iterable[str]) -> dict[str, int]:
    """Error kinds as counted (most frequent first, then by name: a stable payload)."""
    counted = Counter(kinds)
    return dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True, slots=True)
class TraineeRecord:
    """A trainee's lessons summed up for the lead: the queue's trainees view, the report."""

    lessons: int
    #: Distinct lessons passed at least once.
    passed: frozenset[str]
    units: int
    seconds: float
    errors: Mapping[str, int]
    faults: int
    faults_right: int
    last: LessonScore | None

    @property
    def seconds_per_unit(self) -> float | None:
        return self.seconds / self.units if self.units else None

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def record_of(scores: Iterable[LessonScore]) -> TraineeRecord:
    """Every lesson of one trainee, oldest first, summed up."""
    done = sorted(scores, key=lambda s: s.finished_at)
    errors: Counter[str] = Counter()
    for score in done:
        errors.update(score.errors)
    return TraineeRecord(
        lessons=len(done),
        passed=frozenset(s.lesson for s in done if s.passed),
        units=sum(s.units for s in done),
        seconds=sum(s.seconds for s in done),
        errors=count_errors(errors.elements()),
        faults=sum(len(s.faults) for s in done),
        faults_right=sum(s.faults_right for s in done),
        last=done[-1] if done else None,
    )
