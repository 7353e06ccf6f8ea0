"""Labels and documents at the station: rendered and sent from the runner's worker thread.

A mixin of `StationRunner` (split out to keep the runner to its loop): what is printed,
where, and what the packer is told when a printer fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from packstation.devices.base import Printer, PrintError
from packstation.domain.workflow import Outcome, PackState
from packstation.domain.workflow.records import LabelPrinted
from packstation.errors import describe_db_error
from packstation.i18n import Msg

if TYPE_CHECKING:
    from packstation.station.backend import StationBackend
    from packstation.station.results import RunResult

log = logging.getLogger("packstation.station.runner")


class Printing:
    backend: StationBackend | None
    printer: Printer | None
    documents_printer: Printer | None
    label_format: str
    ship_from: tuple[str, ...]
    state: PackState
    on_result: Callable[[RunResult], None]

    def _db_failed(self, exc: Exception, what: str) -> bool:
        """Whether `exc` is the database failing (the runner's own, which overrides this)."""
        raise NotImplementedError

    def _print(self, record: LabelPrinted) -> str | None:
        """Render and send the label; the error text, or None once the printer took it."""
        assert self.backend is not None
        if self.printer is None:
            return "no printer configured"
        from packstation.labels.symbols import SymbolError  # label code only when printing
        from packstation.labels.zpl import render_zpl

        try:
            label = self.backend.label_data(record, self.state.units_packed, self.ship_from)
            if label is None:
                return f"order {record.order_id} is gone"
            if self.label_format == "png":
                from packstation.labels.images import render_png  # Pillow only when needed

                data = render_png(label)
            else:
                data = render_zpl(label).encode("utf-8")
            self.printer.send(data, f"{record.parcel_id}.{self.label_format}")
        except PrintError as exc:
            return str(exc)
        except SymbolError as exc:  # a parcel id no barcode can carry at a readable size
            return f"label not printed: {exc}"
        except Exception as exc:
            if not self._db_failed(exc, "reading the label's order"):
                raise
            return describe_db_error(exc)
        return None

    def _print_documents(self, order_id: str) -> None:
        """The order's documents go to the document printer once it is claimed, so they are
        at hand when the checks step asks for them. After the claim's result is shown: a
        slow or broken printer never holds up the claim."""
        assert self.backend is not None and self.documents_printer is not None
        from packstation.labels.documents import documents_pdf  # Pillow only when needed

        try:
            found = self.backend.documents(order_id, self.ship_from)
            if found is None or not found[1]:
                return
            doc, kinds = found
            self.documents_printer.send(documents_pdf(doc, kinds), f"{order_id}-documents.pdf")
        except (PrintError, ValueError) as exc:
            error = str(exc)
        except Exception as exc:
            if not self._db_failed(exc, "reading the order's documents"):
                raise
            error = describe_db_error(exc)
        else:
            log.info("documents of %s printed (%s)", order_id, ", ".join(kinds))
            return
        log.warning("documents of %s not printed: %s", order_id, error)
        message = Msg("station.documents_failed", {"order": order_id, "error": error})
        outcome = Outcome(False, message, Msg("station.documents_retry", {"order": order_id}), True)
        from packstation.station.results import RunResult

        self.on_result(RunResult(self.state, outcome, recorded=True))

    def _print_failed(self, error: str, record: LabelPrinted) -> Outcome:
        assert self.backend is not None
        try:
            self.backend.record_print_failure(record, error)
        except Exception as exc:
            if not self._db_failed(exc, "recording the printer failure"):
                raise
        return Outcome(
            False,
            Msg("station.print_failed", {"error": error, "parcel": record.parcel_id}),
            Msg("station.print_retry"),
            True,
        )
