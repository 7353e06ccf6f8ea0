"""The invoice (and CN23 abroad) go to the document printer when an order is claimed."""

from __future__ import annotations

from pathlib import Path

from packstation.devices.base import PrintError
from packstation.domain.rules import PackRules
from packstation.models.db import Database
from tests.station.conftest import PACKER, SyncRunner


def pages(pdf: bytes) -> int:
    return pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")


def test_documents_print_at_claim(station_db: Database, rules: PackRules, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    station = SyncRunner(station_db, rules, tmp_path / "spool", documents=docs)
    try:
        station.scan(PACKER)
        station.scan("ORD-1001")  # Moscow: the invoice only
        domestic = docs / "ORD-1001-documents.pdf"
        # The print follows the claim's result on the worker thread, before the next command.
        station.scan("CMD:CANCEL")
        station.scan("ORD-1003")  # Almaty: invoice and CN23
        abroad = docs / "ORD-1003-documents.pdf"
    finally:
        station.stop()
    assert domestic.read_bytes().startswith(b"%PDF") and pages(domestic.read_bytes()) == 1
    assert pages(abroad.read_bytes()) == 2


def test_a_broken_document_printer_is_shown_not_hidden(
    station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    class Jammed:
        target = "jammed"

        def send(self, data: bytes, name: str) -> None:
            raise PrintError("paper jam")

    station = SyncRunner(station_db, rules, tmp_path / "spool")
    station.runner.documents_printer = Jammed()
    try:
        station.scan(PACKER)
        claimed = station.scan("ORD-1001")
        warning = station.wait(len(station.results) + 1)  # the claim, then the printer's word
    finally:
        station.stop()
    assert claimed.state.order is not None and claimed.recorded
    assert warning.outcome is not None and not warning.outcome.ok and warning.outcome.bell
    assert warning.outcome.message.key == "station.documents_failed"
    assert "paper jam" in str(warning.outcome.message.params["error"])
    assert warning.state.order is not None, "the claim stands"
