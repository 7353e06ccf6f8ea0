"""Whole training lessons by scans, each code scanned off the screen (the coach's drawn
barcode decoded as a scanner would), with the faults injected on purpose; the score in the
training scores store afterwards."""

from __future__ import annotations

from collections.abc import Callable

from textual.pilot import Pilot

from packstation.domain.workflow import OverrideReason, Step
from packstation.screens.training_app import TrainingApp
from packstation.training.coach import WEIGH_CARD
from packstation.training.preview import PreviewPrinter
from tests.screens.conftest import panel_text
from tests.station.conftest import LEAD, LEAD_PIN
from tests.training.conftest import START, TRAINEE, card, scan, stored_scores, wait_until
from tests.training.helpers import banner_text, pane_text, screen_code

SCALE_REASON = str(list(OverrideReason).index(OverrideReason.SCALE) + 1)
WRONG_ITEM_KIND = "3"  # missing, damaged, wrong_item, ... as the defect step numbers them


async def start_lesson(pilot: Pilot[None], app: TrainingApp, number: str) -> None:
    """The trainee logs in; a lead scans their badge and picks the lesson by its number."""
    await wait_until(pilot, lambda: app.results_seen >= 1)
    await scan(pilot, TRAINEE)
    assert app.picking == "lead"
    await card(pilot, LEAD)
    assert app.picking == "lesson"
    await card(pilot, number)
    await wait_until(pilot, lambda: app.coach is not None)
    await pilot.pause()


async def follow(
    pilot: Pilot[None], app: TrainingApp, until: Callable[[], bool], limit: int = 60
) -> list[str]:
    """Scan what the screen shows to scan, until `until`; the codes scanned."""
    scanned = []
    for _ in range(limit):
        if until():
            return scanned
        code = screen_code(app)
        assert code is not None, f"nothing to scan at {app.state.step}: {pane_text(app)!r}"
        scanned.append(code)
        await scan(pilot, code)
    raise AssertionError(f"not done after {limit} scans: {scanned}")


async def test_weight_lesson_scale_fault_and_two_boxes(
    make_training: Callable[..., TrainingApp], scores_url: str
) -> None:
    app = make_training()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_lesson(pilot, app, "3")
        assert "TRAINING" in banner_text(app) and "Weight problems" in banner_text(app)
        await pilot.press("f1")  # the floor's queue is not part of a training station
        assert "Not at a training station" in panel_text(app)
        # The first order: items and box by the screen, then the scale reads wrong.
        await follow(pilot, app, lambda: app.state.step is Step.WEIGHT)
        assert screen_code(app) == WEIGH_CARD
        await scan(pilot, WEIGH_CARD)
        assert "WEIGHT MISMATCH" in panel_text(app)
        before = app.results_seen
        await pilot.press("f6")  # weighed again (F6, as the card): the scale still reads wrong
        await wait_until(pilot, lambda: app.results_seen > before)
        await pilot.pause()
        assert app.state.weight_blocked and "call a lead" in pane_text(app)
        # The right way: a lead approves the weight with the reason "scale".
        await scan(pilot, "CMD:LEAD")
        await scan(pilot, LEAD)
        await scan(pilot, LEAD_PIN)
        await scan(pilot, SCALE_REASON)
        assert "accepted by" in panel_text(app)
        # The rest of the lesson (the second order in two boxes) by the screen alone.
        scanned = await follow(pilot, app, lambda: app.last_score is not None)
        assert "CMD:NEWBOX" in scanned
        await wait_until(pilot, lambda: app.scores_saved == 1)
        assert "PASSED" in pane_text(app)
    coach = app.coach
    assert coach is not None and coach.finished == {"TRN-1-1": "packed", "TRN-1-2": "packed"}
    printer = app.setup.printer
    assert isinstance(printer, PreviewPrinter)
    assert [job.name for job in printer.jobs] == [
        "PCL-TRN-1-1-1.zpl", "PCL-TRN-1-2-1.zpl", "PCL-TRN-1-2-2.zpl"
    ]  # fmt: skip
    [stored] = stored_scores(scores_url)
    assert stored["lesson"] == "weight_problems" and stored["badge"] == TRAINEE
    assert stored["faults"] == [
        {"kind": "scale", "order": "TRN-1-1", "right": True, "note": "reason:scale"}
    ]
    assert stored["errors"] == {} and stored["passed"] is True
    assert stored["units"] == 5
    assert START.isoformat() < stored["started_at"] < stored["finished_at"]


async def test_defects_lesson_wrong_item_in_the_tote(
    make_training: Callable[..., TrainingApp], scores_url: str
) -> None:
    app = make_training()
    async with app.run_test(size=(80, 24)) as pilot:
        await start_lesson(pilot, app, "4")
        plan = app.coach.plan if app.coach else None
        assert plan is not None
        order = plan.orders[0]
        wrong = next(unit for unit in order.tote if unit.wrong)
        # The screen shows the tote's next item; one of them is the wrong one.
        scanned = await follow(pilot, app, lambda: screen_code(app) is None)
        assert wrong.code in scanned
        assert "NOT IN THIS ORDER" in panel_text(app) or "UNKNOWN CODE" in panel_text(app)
        assert "The tote is empty" in pane_text(app)
        # The right way: a defect on the line the wrong item replaced, kind wrong item.
        line = [line.sku for line in order.order.lines].index(order.fault_sku) + 1
        await scan(pilot, "CMD:DEFECT")
        await scan(pilot, str(line))
        await scan(pilot, WRONG_ITEM_KIND)
        assert "on hold" in panel_text(app)
        await wait_until(pilot, lambda: app.scores_saved == 1)
    [stored] = stored_scores(scores_url)
    assert stored["faults"] == [
        {"kind": "wrong_item", "order": "TRN-1-1", "right": True, "note": "defect:wrong_item"}
    ]
    assert stored["errors"] == {}  # meeting the wrong item once is not an error
    assert stored["passed"] is True


async def test_documents_lesson_skipping_the_missing_document_is_wrong(
    make_training: Callable[..., TrainingApp], scores_url: str
) -> None:
    app = make_training(locale="ru")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_lesson(pilot, app, "5")
        await follow(pilot, app, lambda: screen_code(app) is None)
        assert app.state.step is Step.CHECKS and app.state.next_document == "CN23"
        assert "CN23 нет в лотке" in pane_text(app)
        await scan(pilot, "CMD:OK")  # trying to skip the customs declaration: refused
        assert app.state.step is Step.CHECKS
        await card(pilot, "TRN:DOCS")  # the office reprints it
        assert app.note is not None and app.note[0].key == "training.docs.reprinted"
        assert screen_code(app) == "DOC:CN23:TRN-1-1"  # now in the tray
        await follow(pilot, app, lambda: app.last_score is not None)
        await wait_until(pilot, lambda: app.scores_saved == 1)
        assert "НЕ ЗАЧТЁН" in pane_text(app)
    [stored] = stored_scores(scores_url)
    assert stored["faults"] == [
        {"kind": "missing_document", "order": "TRN-1-1", "right": False, "note": "tried to skip"}
    ]
    assert stored["errors"] == {"refused": 1} and stored["passed"] is False
