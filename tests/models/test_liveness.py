"""A pooled PostgreSQL connection is pinged only when it may be dead (`models/liveness.py`):
not on every checkout, but when the server ended it or it lay idle too long."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from packstation.models import liveness
from packstation.models.db import make_engine


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=1)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    return count_pings(engine, monkeypatch)


def count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each ping of `engine` answered."""
    seen: list[bool] = []
    real = engine.dialect.do_ping

    def counting(dbapi_connection: Any) -> bool:
        try:
            alive = real(dbapi_connection)
        except Exception:
            seen.append(False)
            raise
        seen.append(alive)
        return alive

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return seen


def _pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pg_url: str, pid: int) -> None:
    """End the backend and wait until it is gone (pg_terminate_backend only signals it)."""
    admin = create_engine(pg_url)
    try:
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with admin.connect() as conn:
                query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
                if not conn.execute(query, {"pid": pid}).scalar():
                    return
            time.sleep(0.02)
        raise AssertionError(f"backend {pid} still there 10 s after pg_terminate_backend")
    finally:
        admin.dispose()


def test_a_connection_in_use_is_not_pinged(engine: Engine, pings: list[bool]) -> None:
    first = _pid(engine)
    assert [_pid(engine) for _ in range(5)] == [first] * 5  # the same pooled connection
    assert pings == []


def test_a_connection_the_server_ended_is_replaced_before_use(
    engine: Engine, pings: list[bool], pg_url: str
) -> None:
    first = _pid(engine)
    _terminate(pg_url, first)
    second = _pid(engine)  # no error: the checkout noticed, and the pool connected anew
    assert second != first
    assert pings == [False]


def test_a_connection_idle_too_long_is_pinged(
    engine: Engine, pings: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _pid(engine)
    monkeypatch.setattr(liveness, "PING_IDLE_S", 0.0)
    assert _pid(engine) == first
    assert pings == [True]
