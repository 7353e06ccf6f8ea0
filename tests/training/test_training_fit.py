"""Every training screen says TRAINING and fits 80x24 in English and Russian; a marked-goods
lesson (the largest codes on screen: marking codes) walked by scans off the screen."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from packstation.domain.workflow import Step
from packstation.screens.training_app import TrainingApp
from tests.screens.test_fit_80x24 import Walk
from tests.station.conftest import LEAD
from tests.training.conftest import TRAINEE, card, scan, wait_until
from tests.training.helpers import banner_text, screen_code

BANNER = {"en": "TRAINING", "ru": "ОБУЧЕНИЕ"}


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_training_screens_fit_and_say_training(
    make_training: Callable[..., TrainingApp], locale: str
) -> None:
    app = make_training(locale=locale)
    async with app.run_test(size=(80, 24)) as pilot:
        walk = Walk(app, locale)
        banners: list[str] = []

        def check(step: str) -> None:
            walk.check(step)
            banners.append(banner_text(app))

        await wait_until(pilot, lambda: app.results_seen >= 1)
        check("login")
        await scan(pilot, TRAINEE)
        check("pick: lead")
        await card(pilot, "NOT-A-LEAD")
        check("pick: not a lead")
        await card(pilot, LEAD)
        check("pick: lesson")
        await card(pilot, "2")
        await wait_until(pilot, lambda: app.coach is not None)
        await pilot.pause()
        check("lesson ready")
        marked = 0
        while app.last_score is None:
            code = screen_code(app)
            assert code is not None, app.state.step
            marked += "\x1d" in code
            await scan(pilot, code)
            check(f"after {code!r} at {app.state.step}")
        assert marked == 2  # two units of the marked line, each its code, off the screen
        await wait_until(pilot, lambda: app.scores_saved == 1)
        check("score")
        await scan(pilot, "CMD:LOGOUT")
        check("logged out")
        assert app.state.step is Step.LOGGED_OUT
    assert walk.problems == [], "\n".join(walk.problems)
    assert len(banners) == walk.steps and all(b.strip().startswith(BANNER[locale]) for b in banners)


async def test_big_mode_shows_the_code_as_text_where_it_does_not_fit(
    make_training: Callable[..., TrainingApp],
) -> None:
    app = make_training(big=True)
    async with app.run_test(size=(80, 24)) as pilot:
        walk = Walk(app, "en")
        await wait_until(pilot, lambda: app.results_seen >= 1)
        await scan(pilot, TRAINEE)
        await card(pilot, LEAD)
        await card(pilot, "1")
        await wait_until(pilot, lambda: app.coach is not None)
        await pilot.pause()
        walk.check("big: lesson ready")
        await scan(pilot, "CMD:NEXT")
        walk.check("big: items")
    assert walk.problems == []
