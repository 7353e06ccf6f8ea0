"""Once a claim is shown and the worker is quiet, it does what the order's first item scan
would otherwise pay for (`StationBackend.ready_for_scans`): the first scan costs what the
others do. Only a head start: a lost order or a database error there changes nothing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from packstation.domain.codes import parse_code
from packstation.domain.rules import PackRules
from packstation.domain.workflow import PackState, Scan, Step, apply
from packstation.domain.workflow import items as item_scans
from packstation.models import Order
from packstation.models.db import Database
from packstation.station.backend import StationBackend
from packstation.station.store import OrderLost
from tests.station.conftest import PACKER, SyncRunner

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_the_claimed_order_is_made_ready_once_the_worker_is_quiet(station: SyncRunner) -> None:
    backend = station.runner.backend
    assert backend is not None
    readied: list[PackState] = []
    done = threading.Event()
    real = backend.ready_for_scans

    def spy(state: PackState) -> None:
        real(state)
        readied.append(state)
        done.set()

    backend.ready_for_scans = spy  # type: ignore[method-assign]
    assert station.scan(PACKER).outcome.ok  # type: ignore[union-attr]
    assert not done.wait(0.3), "a sign-in is no claim: nothing to get ready for"
    claimed = station.scan("ORD-1001").state
    assert done.wait(10), "the worker never got ready for the order's scans"
    order = readied[0].order
    assert order is not None and order is claimed.order and order.id == "ORD-1001"
    held = item_scans._INDEXES.get(id(order))
    assert held is not None and held[0] is order  # the code index the first scan reads
    first = station.scan("4601234567893")
    assert first.outcome is not None and first.outcome.ok, first.outcome
    assert len(readied) == 1


def test_getting_ready_for_an_order_taken_away_is_quiet_and_the_scan_says_it(
    station_db: Database, rules: PackRules
) -> None:
    backend = StationBackend(station_db, "PS-07", rules, lambda: T0)
    try:
        backend.recover()
        state = PackState()
        for text in (PACKER, "ORD-1001"):
            state = apply(state, backend.decide_and_commit(state, Scan(parse_code(text))))
        assert state.step is Step.ITEMS and state.order is not None
        with station_db.unit_of_work() as session:  # released meanwhile, taken by another
            session.execute(update(Order).where(Order.id == "ORD-1001").values(station_id="PS-08"))
        checked: list[str] = []
        check_holds = backend.store.check_holds

        def spy(session: Session, order_id: str) -> None:
            checked.append(order_id)
            check_holds(session, order_id)

        backend.store.check_holds = spy  # type: ignore[method-assign]
        backend.ready_for_scans(state)  # no error: the scan is where the packer hears it
        assert checked == ["ORD-1001"]  # the hold check ran (its SQL compiled) before the scan
        with pytest.raises(OrderLost):
            backend.decide_and_commit(state, Scan(parse_code("4601234567893")))
    finally:
        backend.release()
