"""Database fixtures: every storage test runs on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import os
import tomllib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from packstation.domain.pins import ScryptParams, set_hash_params
from packstation.domain.rules import PackRules
from packstation.models.db import Database, open_database

FIXTURES = Path(__file__).resolve().parent.parent / "packstation" / "data"
PG_ENV = "PACKSTATION_TEST_PG"
SHIFT_OPTION = "--clock-shift-days"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        SHIFT_OPTION,
        type=float,
        default=0.0,
        help="run with the wall clock moved this many days ahead (time-machine, ticking); "
        "tests marked `other_process` are skipped: another process keeps the real clock",
    )


#: PIN hashes in tests that are not about their cost: the real ones (`pins.DEFAULT_PARAMS`,
#: N=2**17) take 128 MiB and half a second each. Tests about the cost pass `params=`.
TEST_PIN_PARAMS = ScryptParams(n=2**10, r=8, p=1)


def pytest_configure(config: pytest.Config) -> None:
    set_hash_params(TEST_PIN_PARAMS)
    config.addinivalue_line(
        "markers", "other_process: compares with a process that reads the real clock"
    )
    days = config.getoption(SHIFT_OPTION)
    if days:
        import time_machine

        # Relative travel, ticking: every wall-clock read in this process is `days` later.
        traveller = time_machine.travel(timedelta(days=days), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    days = config.getoption(SHIFT_OPTION)
    if not days:
        return
    skip = pytest.mark.skip(reason=f"{SHIFT_OPTION}: another process keeps the real clock")
    for item in items:
        if item.get_closest_marker("other_process"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _own_training_scores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test reads and writes a training scores store of its own, never the one in
    the user data dir (a machine where someone trained would change what screens show).
    Tests about choosing the store set or clear the variable themselves."""
    from packstation.training.store import ENV

    before = os.environ.get(ENV)
    store = tmp_path_factory.mktemp("scores") / "scores.db"
    os.environ[ENV] = f"sqlite:///{store}"
    yield
    if before is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = before


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'packstation.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A private schema on the test server, dropped afterwards.

    Without PACKSTATION_TEST_PG the test is skipped with the reason; CI sets
    it, and then an unreachable server is a failure, not a skip.
    """
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}=postgresql+psycopg://user@host/db")
    schema = f"pstest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def rules(fixtures_dir: Path) -> PackRules:
    raw = tomllib.loads((fixtures_dir / "station-sample.toml").read_text(encoding="utf-8"))
    return PackRules.from_config(raw)


@pytest.fixture
def station_db(db_url: str, fixtures_dir: Path) -> Iterator[Database]:
    """A migrated database (SQLite and PostgreSQL) with the sample orders and badges."""
    from tests.station.conftest import seed

    db = open_database(db_url, auto_upgrade=True)
    seed(db, fixtures_dir)
    yield db
    db.dispose()
