"""The scan-back of an Ozon label at the station (the fake over HTTP, every request checked
against the schema): the label carries the posting's upper and lower barcodes (its number
perhaps not), and either confirms the parcel; a code of no parcel of it is refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from packstation.clock import utcnow
from packstation.domain.rules import PackRules
from packstation.models import Order, Parcel
from packstation.models.db import Database
from tests.channels.fake_ozon import FakeOzon, serving
from tests.channels.test_ozon_end_to_end import SNEAKERS
from tests.channels.test_ozon_hold import clients, posting, repack
from tests.station.conftest import PACKER
from tests.station.test_marketplace_label import Station


@pytest.fixture
def fake() -> Iterator[FakeOzon]:
    with serving(utcnow()) as server:
        yield server


def test_the_upper_barcode_of_the_ozon_label_packs_the_order(
    fake: FakeOzon, station_db: Database, rules: PackRules, tmp_path: Path
) -> None:
    ref = posting(fake, station_db, marked=False)
    upper = fake.barcodes(ref)["upper_barcode"]
    st = Station(station_db, rules, tmp_path / "spool", clients(fake))
    try:
        assert st.scan(PACKER).outcome.ok  # type: ignore[union-attr]
        assert st.scan(ref).state.order is not None
        repack(st, [SNEAKERS, SNEAKERS])
        ready = st.until("label.marketplace_printed", timeout=30)
        [parcel] = ready.state.parcels
        assert parcel.codes == (ref, upper, fake.barcodes(ref)["lower_barcode"])
        wrong = st.scan("%101%99999999")
        assert wrong.outcome is not None and wrong.outcome.message.key == "label.wrong"
        done = st.scan(upper)
    finally:
        st.stop()
    assert done.outcome is not None and done.outcome.message.key == "order.packed"
    with station_db.sessions() as s:
        assert s.get_one(Order, ref).status == "packed"
        assert s.scalars(select(Parcel.status)).all() == ["confirmed"]
