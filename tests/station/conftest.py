"""A real database with the sample orders and badges, and a runner on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from packstation.cli.orders_cmd import validate
from packstation.config import LeaseTimings, PinLimits
from packstation.devices.printer import open_printer
from packstation.domain.codes import parse_code
from packstation.domain.intake import read_orders
from packstation.domain.pins import hash_pin
from packstation.domain.rules import PackRules
from packstation.domain.workflow import Command, Scan
from packstation.models.db import Database
from packstation.models.operators_repo import add_operator
from packstation.models.orders_repo import import_orders
from packstation.station.results import RunResult
from packstation.station.runner import StationRunner

PACKER = "BADGE-0001"
LEAD = "BADGE-LEAD-01"
LEAD_PIN = "1234"


def seed(db: Database, fixtures: Path) -> None:
    with db.unit_of_work() as session:
        for name in ("orders-sample.json", "orders-sample.csv"):
            import_orders(session, read_orders(fixtures / name), validate)
        add_operator(session, badge=PACKER, name="Анна К.", role="packer", pin_hash=None)
        add_operator(session, badge=LEAD, name="Мария Л.", role="lead", pin_hash=hash_pin(LEAD_PIN))


class SyncRunner:
    """Drives a StationRunner and waits for each result, as the UI's messages would."""

    def __init__(
        self,
        db: Database,
        rules: PackRules,
        spool: Path,
        station: str = "PS-01",
        pin_limits: PinLimits | None = None,
        documents: Path | None = None,
        leases: LeaseTimings | None = None,
    ):
        self.results: list[RunResult] = []
        self._cond = threading.Condition()
        self.runner = StationRunner(
            db,
            station,
            rules,
            self._on_result,
            printer=open_printer(f"dir://{spool}"),
            pin_limits=pin_limits,
            documents_printer=open_printer(f"dir://{documents}") if documents else None,
            leases=leases,
        )
        self.runner.start()
        self.wait(1)

    def _on_result(self, result: RunResult) -> None:
        if result.settled:  # a scan's commit went through: its gate says so too
            return
        with self._cond:
            self.results.append(result)
            self._cond.notify_all()

    def wait(self, count: int, timeout: float = 20.0) -> RunResult:
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self.results) >= count, timeout)
        assert ok, f"no result {count} within {timeout}s (have {len(self.results)})"
        return self.results[count - 1]

    def do(self, command: Command) -> RunResult:
        """The command's result once committed: a scan's result comes before its COMMIT
        returned (`commit_gate.py`); if that then fails, the "not recorded" after it."""
        n = len(self.results)
        self.runner.submit(command)
        result = self.wait(n + 1)
        if result.gate is not None and not result.gate.passes(timeout=20.0):
            assert result.gate.ok is False, "the commit did not end within 20 s"
            return self.wait(n + 2)
        return result

    def scan(self, text: str) -> RunResult:
        return self.do(Scan(parse_code(text)))

    def stop(self) -> None:
        self.runner.stop()


@pytest.fixture
def station(station_db: Database, rules: PackRules, tmp_path: Path) -> Iterator[SyncRunner]:
    sync = SyncRunner(station_db, rules, tmp_path / "spool")
    yield sync
    sync.stop()
