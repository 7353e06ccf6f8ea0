"""The lead's confirmation: badge, PIN (masked), reason (and the new priority)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from packstation.i18n import Msg, t
from packstation.screens.queue_feed import ActionName, LeadRequest


class LeadActionScreen(ModalScreen[LeadRequest | None]):
    """Dismissed with the filled-in request, or None on Esc. Checks nothing itself: the PIN
    is verified (and a refusal audited) by the feed thread, never on the UI thread."""

    CSS_PATH = "queue.tcss"
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(
        self, action: ActionName, order_id: str, title: str, locale: str, priority: int = 0
    ) -> None:
        super().__init__()
        self.action = action
        self.order_id = order_id
        self.title_text = title
        self.locale = locale
        self.current_priority = priority

    def tr(self, key: str, **params: object) -> str:
        return t(Msg(key, params), self.locale)

    def compose(self) -> ComposeResult:
        with Vertical(id="lead-box"):
            yield Label(self.title_text, id="lead-title", markup=False)
            yield Label(self.tr("queue.field.badge"), markup=False)
            yield Input(id="badge")
            yield Label(self.tr("queue.field.pin"), markup=False)
            yield Input(id="pin", password=True, restrict=r"[0-9]*", max_length=12)
            if self.action == "priority":
                yield Label(self.tr("queue.field.priority"), markup=False)
                yield Input(id="priority", value=str(self.current_priority), restrict=r"-?[0-9]*")
            if self.action == "reassign":
                yield Label(self.tr("queue.field.station"), markup=False)
                yield Input(id="station")
            yield Label(self.tr("queue.field.reason"), markup=False)
            yield Input(id="reason")
            yield Label("", id="lead-error", markup=False)
            yield Label(self.tr("queue.modal_keys"), id="lead-keys", markup=False)

    def on_mount(self) -> None:
        self.query_one("#badge", Input).focus()

    def _fields(self) -> list[Input]:
        return list(self.query(Input))

    @on(Input.Submitted)
    def _next_or_done(self, event: Input.Submitted) -> None:
        event.stop()
        fields = self._fields()
        index = fields.index(event.input)
        if index + 1 < len(fields):
            fields[index + 1].focus()
            return
        self._finish()

    def _finish(self) -> None:
        values = {field.id: field.value.strip() for field in self._fields()}
        missing = [
            name
            for name in ("badge", "pin", "station", "reason")
            if not values.get(name)
            and (name != "reason" or self.action != "priority")
            and (name != "station" or self.action == "reassign")
        ]
        if missing:
            first = missing[0]
            self._error(self.tr("queue.field_missing", field=self.tr(f"queue.field.{first}")))
            self.query_one(f"#{first}", Input).focus()
            return
        priority: int | None = None
        if self.action == "priority":
            try:
                priority = int(values.get("priority") or "")
            except ValueError:
                self._error(self.tr("queue.priority_number"))
                self.query_one("#priority", Input).focus()
                return
        self.dismiss(
            LeadRequest(
                action=self.action,
                order_id=self.order_id,
                badge=values["badge"] or "",
                pin=self.query_one("#pin", Input).value,
                reason=values.get("reason") or "",
                priority=priority,
                station=values.get("station") or "",
            )
        )

    def _error(self, text: str) -> None:
        self.query_one("#lead-error", Label).update(text)

    def action_cancel(self) -> None:
        self.dismiss(None)
