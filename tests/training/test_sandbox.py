"""The sandbox: made from the real database by reading only, badges copied (trainees as
packers, leads with their PIN), the sample items when the floor has too few, and never
replaced under a running training station."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.models.db import open_database
from packstation.models.operators_repo import add_operator
from packstation.models.people import Operator
from packstation.screens.training_app import TrainingApp
from packstation.training.sandbox import (
    MIN_ITEMS,
    SandboxError,
    create_sandbox,
    read_real,
    sandbox_path,
)
from tests.station.conftest import LEAD, PACKER
from tests.training.conftest import START, TRAINEE, wait_until


def test_badges_and_items_come_from_the_real_database(real_url: str, tmp_path: Path) -> None:
    snapshot = read_real(real_url)
    assert {b.badge: b.role for b in snapshot.badges} == {
        PACKER: "packer", LEAD: "lead", TRAINEE: "trainee"
    }  # fmt: skip
    assert [b.badge for b in snapshot.badges if b.pin_hash] == [LEAD]  # only leads' PINs
    skus = {i.sku for i in snapshot.items}
    assert {"MUG-CER-350", "SNK-RUN-42"} <= skus and len(skus) == len(snapshot.items)
    sandbox = create_sandbox(sandbox_path("PS/../T 1", tmp_path), snapshot, START)
    try:
        with sandbox.sessions() as session:
            roles = {b: r for b, r in session.execute(select(Operator.badge, Operator.role))}
    finally:
        sandbox.dispose()
    assert roles == {PACKER: "packer", LEAD: "lead", TRAINEE: "packer"}
    assert sorted(p.name for p in (tmp_path / "training").iterdir())[0] == "PS_.._T 1.sqlite"


def test_a_new_floor_practises_with_the_sample_items(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    db = open_database(url)
    with db.unit_of_work() as session:
        add_operator(session, badge=TRAINEE, name="T", role="trainee", pin_hash=None)
    db.dispose()
    snapshot = read_real(url)
    assert len(snapshot.items) >= MIN_ITEMS


async def test_a_running_training_stations_sandbox_is_not_replaced(
    make_training: Callable[..., TrainingApp], real_url: str, tmp_path: Path
) -> None:
    app = make_training()
    path = sandbox_path("PS-T1", tmp_path / "data")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.results_seen >= 1 and app.runner.recovered)
        with pytest.raises(SandboxError, match="already open"):
            create_sandbox(path, read_real(real_url), START, "PS-T1")
        assert path.exists()
    create_sandbox(path, read_real(real_url), START, "PS-T1").dispose()  # closed: a new one
