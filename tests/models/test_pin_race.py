"""Two real processes guessing one badge's PIN at once (SQLite file, PostgreSQL).

The badge lockout is only worth something if it holds when the guesses come from several
stations at the same moment: every guess whose PIN was actually hashed and compared counts,
so all processes together never get more than `LIMIT` PINs checked before the badge is
locked, and exactly `LIMIT` wrong PINs are recorded.
"""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from packstation.domain import pins
from packstation.domain.pins import ScryptParams, hash_pin
from packstation.models import Event
from packstation.models.db import Database, open_database
from packstation.models.operators_repo import (
    PinStatus,
    add_operator,
    find_by_badge,
    unlock_badge,
)

T0 = datetime(2024, 5, 31, 9, 0, tzinfo=UTC)
BADGE = "BADGE-RACE"
LIMIT = 5
LOCK = timedelta(minutes=15)
#: Cheap, but not free: each check hashes for a few milliseconds, the window a race needs.
PARAMS = ScryptParams(n=2**12, r=8, p=1)
PROCESSES = 2
ROUNDS = 4
TRIES = 10


def _hammer(url: str, worker: int, barrier: Any, out: Any) -> None:
    """In a child process: each round, `TRIES` wrong PINs as fast as the database answers;
    between rounds worker 0 unlocks the badge."""
    from packstation.models import operators_repo

    pins.set_hash_params(PARAMS)
    hashed = 0
    real_verify = operators_repo.verify_pin

    def counting_verify(pin: str, stored: str | None) -> bool:
        nonlocal hashed
        hashed += 1
        return real_verify(pin, stored)

    operators_repo.verify_pin = counting_verify  # type: ignore[assignment]
    db = open_database(url, auto_upgrade=False)
    rounds: list[tuple[int, list[str]]] = []
    try:
        with db.sessions() as s:  # connected and warm before the start
            assert find_by_badge(s, BADGE) is not None
        for _ in range(ROUNDS):
            barrier.wait(60)
            hashed, statuses = 0, []
            for i in range(TRIES):
                with db.unit_of_work() as s:
                    check = operators_repo.check_pin(
                        s, BADGE, f"{9000 + worker * 100 + i}", now=T0, limit=LIMIT, lock_for=LOCK
                    )
                statuses.append(check.status.value)
            rounds.append((hashed, statuses))
            if barrier.wait(60) == 0:
                with db.unit_of_work() as s:
                    unlock_badge(s, BADGE, now=T0, by="test")
    finally:
        db.dispose()
    out.put((worker, rounds))


@pytest.fixture
def badge_db(db_url: str) -> Database:
    db = open_database(db_url, auto_upgrade=True)
    with db.unit_of_work() as s:
        add_operator(
            s, badge=BADGE, name="Lead", role="lead", pin_hash=hash_pin("1234", params=PARAMS)
        )
    return db


def test_two_processes_never_get_more_than_the_limit(badge_db: Database, db_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    procs = [ctx.Process(target=_hammer, args=(db_url, w, barrier, out)) for w in range(PROCESSES)]
    for p in procs:
        p.start()
    try:
        results = dict(out.get(timeout=120) for _ in procs)
    finally:
        for p in procs:
            p.join(30)
    assert all(p.exitcode == 0 for p in procs)
    for n in range(ROUNDS):
        hashed = sum(results[w][n][0] for w in results)
        statuses = [s for w in results for s in results[w][n][1]]
        # Every PIN that was hashed and compared was one of the LIMIT allowed guesses.
        assert hashed <= LIMIT, f"round {n}: {hashed} PINs checked, limit {LIMIT}: {results}"
        assert statuses.count(PinStatus.WRONG.value) == LIMIT - 1
        assert statuses.count(PinStatus.LOCKED.value) == PROCESSES * TRIES - (LIMIT - 1)
    with badge_db.sessions() as s:
        op = find_by_badge(s, BADGE)
        assert op is not None and op.locked_until is None and op.failed_pins == 0
        kinds = dict(
            s.execute(
                select(Event.kind, func.count())
                .where(Event.kind.in_(("pin.failed", "badge.locked")))
                .group_by(Event.kind)
            ).all()
        )
    assert kinds == {"pin.failed": LIMIT * ROUNDS, "badge.locked": ROUNDS}
    badge_db.dispose()
