"""The kiosk's red screen after an unhandled error: it waits for a lead, never a shell.

When a handler raises, Textual stops that object's message loop, so the station app
cannot carry on. In a kiosk it closes without a traceback (whose locals may hold order
data; the error goes to the log) and `packstation run` starts this small app in its
place: red, every key that could leave blocked, and only a lead's badge and PIN (the
same check and audit as the kiosk exit, `kiosk.exit`) end it, with `CRASH_EXIT`, so the
kiosk's service starts a fresh station (docs/kiosk.md). What was shown green before the
error was committed first and is not lost.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult

from packstation.i18n import Msg, t
from packstation.widgets.result_panel import ResultPanel
from packstation.widgets.text_line import TextLine
from packstation.widgets.wedge import WedgeBuffer

if TYPE_CHECKING:
    from packstation.screens.station_app import StationSetup

log = logging.getLogger(__name__)

#: Exit status after a crash that a lead acknowledged (EX_SOFTWARE from sysexits.h).
CRASH_EXIT = 70


class CrashApp(App[None]):
    CSS_PATH = "kiosk_crash.tcss"
    ENABLE_COMMAND_PALETTE = False
    #: Nothing leaves but a lead: Textual's own quit keys are overridden with no action.
    BINDINGS = [
        ("ctrl+q", "stay", ""),
        ("ctrl+c", "stay", ""),
    ]

    def __init__(self, setup: StationSetup) -> None:
        super().__init__()
        self.setup = setup
        self.wedge = WedgeBuffer()
        self.badge: str | None = None
        self.checking = False

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.setup.locale)

    def compose(self) -> ComposeResult:
        yield TextLine(Text(self.tr("ui.kiosk.crashed")), id="crash-title")
        yield TextLine(Text(self.tr("ui.kiosk.crashed_detail")), id="crash-detail")
        yield ResultPanel(id="result")

    def on_mount(self) -> None:
        self.bell()
        self._ask(self.tr("ui.kiosk.restart_badge"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action not in ("quit", "help_quit", "command_palette", "suspend_process")

    def action_stay(self) -> None:
        self._ask(self.tr("ui.kiosk.restart_badge"))

    def _ask(self, text: str, ok: bool | None = None) -> None:
        self.query_one(ResultPanel).show(ok, text, None, "")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        if event.key == "escape":
            self.badge = None
            self.wedge.clear()
            self._ask(self.tr("ui.kiosk.restart_badge"))
            return
        text = self.wedge.feed(event.key, event.character)
        if text is None or self.checking:
            return
        if self.badge is None:
            self.badge = text
            self._ask(self.tr("ui.kiosk.pin"))
            return
        badge, self.badge = self.badge, None
        self.checking = True
        self.run_worker(lambda: self._check(badge, text), thread=True, group="crash")

    def _check(self, badge: str, pin: str) -> None:
        """Worker thread: the PIN is checked against the database, never on the UI loop."""
        from packstation.models.db import Database, open_database
        from packstation.models.operators_repo import PinStatus, kiosk_exit

        setup = self.setup
        verdict: tuple[bool, str] = (False, self.tr("ui.kiosk.denied"))
        db = setup.db if isinstance(setup.db, Database) else open_database(setup.db)
        try:
            with db.unit_of_work() as session:
                check = kiosk_exit(
                    session,
                    badge,
                    pin,
                    station_id=setup.station_id,
                    now=setup.clock(),
                    limit=setup.pin_limits.attempts,
                    lock_for=setup.pin_limits.lock_for,
                )
            if check.ok:
                verdict = (True, "")
            elif check.status is PinStatus.LOCKED:
                verdict = (False, self.tr("ui.kiosk.badge_locked", until=check.until_local()))
        except Exception:  # the database is away: stay red, a lead can try again
            log.exception("crash screen: the lead's PIN could not be checked")
        finally:
            if db is not setup.db:
                db.dispose()
        self.call_from_thread(self._verdict, *verdict)

    def _verdict(self, allowed: bool, why: str) -> None:
        self.checking = False
        if allowed:
            self.exit(return_code=CRASH_EXIT)
            return
        self.bell()
        self._ask(why, ok=False)
