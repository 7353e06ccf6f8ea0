"""Kiosk mode of the station app: no key leaves it, F12 exits only for a lead's badge and
PIN (checked in a worker thread, audited), and a crash never shows a traceback.

A base class of `StationApp` (`station_app.py`).
"""

from __future__ import annotations

import logging

from packstation.screens.station_render import StationRendering
from packstation.widgets.result_panel import ResultPanel

__all__ = ["StationKiosk"]

log = logging.getLogger("packstation.screens.station_app")


class StationKiosk(StationRendering):
    """The kiosk's exit dialog and crash handling (its state is set by `StationApp`)."""

    crashed: bool
    _exit_badge: str

    def _handle_exception(self, error: Exception) -> None:
        """Outside a kiosk, Textual's own handling (exit with the traceback). In a kiosk the
        error goes to the log and the app closes with `CRASH_EXIT`, no traceback: its message
        loop may be gone, so `packstation run` puts up a fresh red screen that waits for a
        lead (`screens/kiosk_crash.py`)."""
        if not self.setup.kiosk:
            super()._handle_exception(error)
            return
        from packstation.screens.kiosk_crash import CRASH_EXIT

        log.error("unhandled error in the kiosk station", exc_info=error)
        self.crashed = True
        self._return_code = CRASH_EXIT
        self._close_messages_no_wait()

    def action_kiosk_exit(self) -> None:
        if not self.setup.kiosk:
            self.exit()
            return
        self.exit_stage = "badge"
        self._kiosk_message(self.tr("ui.kiosk.badge"))

    def _kiosk_message(self, text: str) -> None:
        try:
            panel = self.screen.query_one(ResultPanel)
        except Exception:
            return
        panel.show(None, text, None, self.tr("ui.kiosk.cancel") if self.exit_stage else "")

    def _kiosk_text(self, text: str) -> None:
        if self.exit_stage == "badge":
            self._exit_badge, self.exit_stage = text, "pin"
            self._kiosk_message(self.tr("ui.kiosk.pin"))
            return
        badge, self.exit_stage = self._exit_badge, None
        self.run_worker(lambda: self._check_lead(badge, text), thread=True, group="kiosk")

    def _check_lead(self, badge: str, pin: str) -> None:
        """Worker thread: the PIN is checked against the database, never on the UI loop."""
        from packstation.models.operators_repo import PinCheck, PinStatus, kiosk_exit

        backend = self.runner.backend
        check: PinCheck | None = None
        if backend is not None:
            try:
                # A unit of work: the exit is audited (`kiosk.exit`); wrong PINs count
                # towards the badge lockout (committed by operators_repo on their own).
                with backend.db.unit_of_work() as session:
                    check = kiosk_exit(
                        session,
                        badge,
                        pin,
                        station_id=self.setup.station_id,
                        now=self.setup.clock(),
                        limit=self.setup.pin_limits.attempts,
                        lock_for=self.setup.pin_limits.lock_for,
                    )
            except Exception:  # database away: stay locked
                log.exception("kiosk exit check failed")
        self.call_from_thread(self._kiosk_verdict, check is not None and check.ok)
        if check is not None and check.status is PinStatus.LOCKED:
            locked = self.tr("ui.kiosk.badge_locked", until=check.until_local())
            self.call_from_thread(self._kiosk_message, locked)

    def _kiosk_verdict(self, allowed: bool) -> None:
        if allowed:
            self.exit()
        else:
            self.bell()
            self._kiosk_message(self.tr("ui.kiosk.denied"))
