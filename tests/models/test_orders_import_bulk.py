"""Large imports, on SQLite and PostgreSQL: rows go straight to the driver (executemany,
COPY) in chunks, so these check what that path writes against what the ORM would write,
and what a re-import of a file of thousands of orders does and does not write."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from packstation.cli.orders_cmd import validate
from packstation.domain.check_digits import gtin14
from packstation.domain.orders import Address, Customer, LineData, OrderData
from packstation.models import Barcode, Event, Notification, Order, OrderLine
from packstation.models.db import Database, open_database
from packstation.models.orders_repo import CHUNK, ImportReport, content_hash, import_orders

NOW = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
MSK = timezone(timedelta(hours=3))
TABLES = (Order, OrderLine, Barcode, Event, Notification)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, auto_upgrade=True)
    yield database
    database.dispose()


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def make_order(i: int, *, invalid: bool = False) -> OrderData:
    """Order `i`: 1 to 3 lines, a fractional weight, a price; `invalid` has a 5-digit postcode."""
    return OrderData(
        id=f"B-{i:05d}",
        tote=f"T-{i % 50}" if i % 3 else "",
        priority=i % 3,
        ship_by=datetime(2026, 12, 1 + i % 20, 8 + i % 10, 0, tzinfo=MSK),
        customer=Customer(
            name=f"Покупатель {i}",
            phone=f"+7916{i:07d}",
            email=f"c{i}@example.ru" if i % 4 else "",
            locale="en" if i % 5 == 0 else "ru",
        ),
        address=Address(
            country="RU",
            region="Москва",
            city="Москва",
            postcode="1190" if invalid else f"{119000 + i % 900}",
            line1=f'ул. "Арбат", д. {i % 90 + 1}',
        ),
        carrier="CDEK" if i % 7 == 0 else "",
        declared_value=Decimal("1234.50") if i % 7 == 0 else None,
        currency="RUB" if i % 7 == 0 else "",
        lines=[
            LineData(
                sku=f"SKU-{(i + k) % 400}",
                name=f"Товар {k}",
                barcodes=[ean13(f"460{(i + k) % 400:09d}")] + ([ean13("461000000000")] * (k == 2)),
                qty=1 + k,
                unit_weight_g=Decimal("12.345") + k,
                fragile=k == 1,
                liquid=i % 11 == 0,
                unit_price=Decimal("99.90") if k == 0 else None,
                hs_code="6912002300" if k == 1 else "",
            )
            for k in range(1 + i % 3)
        ],
    )


def make_orders(n: int, *, invalid_every: int = 0) -> list[OrderData]:
    return [make_order(i, invalid=bool(invalid_every) and i % invalid_every == 0) for i in range(n)]


def counts(db: Database) -> list[int]:
    with db.sessions() as s:
        return [int(s.scalar(select(func.count()).select_from(m)) or 0) for m in TABLES]


def run_import(db: Database, orders: list[OrderData], first_write: bool = True) -> ImportReport:
    """As `orders import` runs it: on PostgreSQL the COPYs on their own thread, the reads
    beside them (`first_write`); the channels' sync and the station's batch pass False."""
    with db.unit_of_work() as s:
        return import_orders(
            s, iter(orders), validate, now=NOW, source="big.csv", first_write=first_write
        )


def test_reimport_of_an_unchanged_1000_order_file_writes_nothing(db: Database) -> None:
    orders = make_orders(1000, invalid_every=9)
    first = run_import(db, orders)
    assert (first.ready, first.needs_correction, first.unchanged) == (888, 112, 0)
    before = counts(db)
    lines = sum(len(o.lines) for o in orders)
    codes = sum(len(ln.barcodes) for o in orders for ln in o.lines)
    assert before == [1000, lines, codes, 1000, 112]
    with db.unit_of_work() as s:
        written = _changes(s)
        report = import_orders(s, iter(make_orders(1000, invalid_every=9)), validate, now=NOW)
        assert _changes(s) == written  # not a row written, not even rewritten the same
    assert (report.ready, report.needs_correction, report.updated) == (0, 0, 0)
    assert (report.unchanged, report.lines, report.refused) == (1000, 0, [])
    assert counts(db) == before


def _changes(s: Session) -> Any:
    """SQLite: rows changed by this connection so far; PostgreSQL: the transaction's id, which
    it is given only when it first writes."""
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        return conn.exec_driver_sql("SELECT txid_current_if_assigned()").scalar()
    return conn.connection.dbapi_connection.total_changes  # type: ignore[union-attr]


def test_a_changed_order_in_a_big_file_is_updated_the_rest_skipped(db: Database) -> None:
    orders = make_orders(2 * CHUNK + 500)
    run_import(db, orders)
    with db.sessions() as s:
        kept_lines = s.scalars(
            select(OrderLine.id).where(OrderLine.order_id == "B-00005").order_by(OrderLine.id)
        ).all()
    later, early = orders[CHUNK + 700], orders[10]
    assert len(later.lines) == 3 and len(early.lines) == 2
    changed = list(orders)
    changed[CHUNK + 700] = replace(
        later,
        address=replace(later.address, city="Казань"),
        lines=[replace(later.lines[0], qty=9, barcodes=[ean13("460999999999")]), later.lines[2]],
    )
    changed[10] = replace(early, lines=early.lines[:1])
    report = run_import(db, changed)
    assert (report.updated, report.unchanged, report.ready) == (2, len(orders) - 2, 2)
    assert report.lines == 3
    with db.sessions() as s:
        order = s.get(Order, later.id)
        assert order is not None and order.city == "Казань" and order.status == "ready"
        assert [(ln.sku, ln.qty) for ln in order.lines] == [
            (later.lines[0].sku, 9),
            (later.lines[2].sku, 3),
        ]
        assert [[b.code for b in ln.barcodes] for ln in order.lines] == [
            [ean13("460999999999")],
            later.lines[2].barcodes,
        ]
        assert s.scalar(select(func.count()).where(Barcode.order_id == later.id)) == 3
        assert s.scalar(select(func.count()).where(OrderLine.order_id == early.id)) == 1
        # The others were not touched: the same line rows as before.
        assert (
            s.scalars(
                select(OrderLine.id).where(OrderLine.order_id == "B-00005").order_by(OrderLine.id)
            ).all()
            == kept_lines
        )
        updates = s.execute(
            select(Event.order_id, Event.payload).where(Event.kind == "order.updated")
        ).all()
    assert sorted(oid for oid, _ in updates) == [early.id, later.id]
    assert all(p["from"] == "ready" and p["source"] == "big.csv" for _, p in updates)
    assert counts(db)[0] == len(orders)


def test_changed_orders_are_refused_once_packing_in_a_big_file(db: Database) -> None:
    orders = make_orders(CHUNK + 200)
    run_import(db, orders)
    packing = [orders[3].id, orders[CHUNK + 100].id]
    with db.unit_of_work() as s:
        s.execute(update(Order).where(Order.id.in_(packing)).values(status="packing"))
    report = run_import(db, [replace(o, priority=o.priority + 1) for o in orders])
    assert sorted(oid for oid, _ in report.refused) == packing
    assert report.updated == len(orders) - 2
    with db.sessions() as s:
        refused = s.scalars(select(Event.order_id).where(Event.kind == "order.import_refused"))
        assert sorted(str(oid) for oid in refused) == packing
        kept = s.get(Order, orders[3].id)
        assert kept is not None and kept.priority == orders[3].priority


def test_every_needs_correction_order_queues_one_request_per_version(db: Database) -> None:
    orders = make_orders(CHUNK + 300, invalid_every=7)
    invalid = [o for o in orders if o.address.postcode == "1190"]
    report = run_import(db, orders)
    assert report.needs_correction == len(invalid) == len(report.problems)
    with db.sessions() as s:
        notes = s.scalars(select(Notification).order_by(Notification.id)).all()
    assert [n.order_id for n in notes] == [o.id for o in invalid]  # in file order
    first = notes[0]
    order = invalid[0]
    assert first.idempotency_key == f"order.needs_correction:{order.id}:{content_hash(order)[:16]}"
    assert (first.template, first.status, first.attempts) == (
        "order_needs_correction",
        "pending",
        0,
    )
    assert first.next_attempt_at == NOW and first.created_at == NOW
    assert (first.channel, first.recipient) == ("sms", order.customer.phone)  # i=0: no email
    assert first.payload == {
        "order_id": order.id,
        "customer_name": order.customer.name,
        "problems": [
            {"field": "address.postcode", "message": "must be 6 digits for RU, got '1190'"}
        ],
    }
    assert {n.channel for n in notes} == {"sms", "email"}
    assert {n.locale for n in notes} == {"ru", "en"}
    # Identical again: nothing new. One of them changed but still wrong: asked once more.
    run_import(db, orders)
    assert counts(db)[4] == len(invalid)
    again = [replace(o, priority=5) if o.id == invalid[-1].id else o for o in orders]
    assert run_import(db, again).needs_correction == 1
    assert counts(db)[4] == len(invalid) + 1


def test_the_rows_read_back_as_the_orm_writes_them(db: Database) -> None:
    """Bulk rows against an ORM insert of the same values, column by column as stored."""
    order = make_order(14)  # a carrier, a declared value, a tote, three lines
    run_import(db, [order])
    twin = replace(order, id="ORM-1")
    c, a = twin.customer, twin.address
    with db.unit_of_work() as s:
        s.add(
            Order(
                id=twin.id,
                tote=twin.tote,
                status="ready",
                priority=twin.priority,
                ship_by=twin.ship_by,
                customer_name=c.name,
                phone=c.phone,
                email=c.email,
                locale=c.locale,
                country=a.country,
                region=a.region,
                city=a.city,
                postcode=a.postcode,
                line1=a.line1,
                line2=a.line2,
                carrier=twin.carrier,
                declared_value=twin.declared_value,
                currency=twin.currency,
                problems=[],
                content_hash=content_hash(order),
                status_changed_at=NOW,
                created_at=NOW,
                updated_at=NOW,
                lines=[
                    OrderLine(
                        position=k,
                        sku=ln.sku,
                        name=ln.name,
                        qty=ln.qty,
                        unit_weight_g=ln.unit_weight_g,
                        unit_price=ln.unit_price,
                        fragile=ln.fragile,
                        liquid=ln.liquid,
                        marked=ln.marked,
                        hs_code=ln.hs_code,
                        barcodes=[
                            Barcode(order_id=twin.id, code=b, gtin=gtin14(b)) for b in ln.barcodes
                        ],
                    )
                    for k, ln in enumerate(twin.lines)
                ],
            )
        )
    with db.engine.connect() as conn:

        def stored(sql: str, order_id: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(text(sql), {"id": order_id})]

        order_sql = "SELECT * FROM orders WHERE id = :id"
        bulk, orm = stored(order_sql, order.id), stored(order_sql, twin.id)
        assert bulk[0][1:] == orm[0][1:]
        line_sql = "SELECT * FROM order_lines WHERE order_id = :id ORDER BY position"
        bulk, orm = stored(line_sql, order.id), stored(line_sql, twin.id)
        assert [r[2:] for r in bulk] == [r[2:] for r in orm] and len(bulk) == 3
        code_sql = "SELECT code, gtin FROM barcodes WHERE order_id = :id ORDER BY id"
        assert stored(code_sql, order.id) == stored(code_sql, twin.id)
    with db.sessions() as s:
        read = s.get(Order, order.id)
        assert read is not None
        assert read.ship_by is not None and read.ship_by.tzinfo is not None
        assert read.ship_by == order.ship_by
        assert (read.declared_value, read.tote, read.carrier) == (
            Decimal("1234.50"),
            "T-14",
            "CDEK",
        )
        assert [ln.unit_weight_g for ln in read.lines] == [
            Decimal("12.345"),
            Decimal("13.345"),
            Decimal("14.345"),
        ]
        assert [ln.id for ln in read.lines] == sorted(ln.id for ln in read.lines)
        assert read.lines[2].barcodes[1].gtin == "0" + ean13("461000000000")


@pytest.mark.parametrize("first_write", [True, False])
def test_an_id_twice_in_one_call_is_an_update_from_a_later_chunk(
    db: Database, first_write: bool
) -> None:
    """The later copy is read after the first was written, even with the reads beside
    the writes (the first is not committed: a reader elsewhere would not see it)."""
    orders = make_orders(CHUNK + 10)
    again = replace(orders[0], priority=7)
    report = run_import(db, [*orders, again], first_write)
    assert (report.ready, report.updated) == (CHUNK + 11, 1)
    with db.sessions() as s:
        kept = s.get(Order, orders[0].id)
        assert kept is not None and kept.priority == 7


def test_the_caller_s_pending_objects_are_written_first(db: Database) -> None:
    with db.unit_of_work() as s:
        s.add(Notification(idempotency_key="k-1", channel="email", recipient="a@b", template="t"))
        import_orders(s, make_orders(3), validate, now=NOW)
    with db.sessions() as s:
        assert s.scalars(select(Notification.idempotency_key)).all() == ["k-1"]
        assert s.scalar(select(func.count()).select_from(Order)) == 3


def test_sqlite_import_locks_before_it_writes_and_an_unchanged_file_not_at_all(
    sqlite_url: str,
) -> None:
    """What a writing import acts on stays true until it commits (the write lock is taken
    before its first write, and the stored hashes read again under it); an unchanged file
    writes nothing and leaves the stations free to write meanwhile. The page cache it
    enlarges for the import is given back."""
    db = open_database(sqlite_url)
    orders = make_orders(5)
    run_import(db, orders)
    path = sqlite_url.removeprefix("sqlite:///")

    def others_may_write() -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            assert "locked" in str(e)
            return False
        finally:
            other.close()  # rolls back
        return True

    try:
        for changed, locks in ((orders, False), ([replace(orders[2], priority=9)], True)):
            with db.unit_of_work() as s:
                raw = s.connection().connection.dbapi_connection
                assert raw is not None
                size = raw.execute("PRAGMA cache_size").fetchone()
                report = import_orders(s, changed, validate, now=NOW)
                assert (report.unchanged, report.updated) == ((5, 0) if not locks else (0, 1))
                assert others_may_write() is not locks
                assert raw.execute("PRAGMA cache_size").fetchone() == size
            assert others_may_write()
    finally:
        db.dispose()


def test_sqlite_a_claim_between_the_read_and_the_lock_is_seen(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A station that claims an order after the import read it but before the import could
    lock is not overwritten: what is acted on is read again under the lock."""
    from packstation.models import order_import_writer

    db = open_database(sqlite_url)
    orders = make_orders(5)
    run_import(db, orders)
    take_lock = order_import_writer.ImportWriter.lock

    def claim_first(self: order_import_writer.ImportWriter) -> bool:
        station = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        station.execute("UPDATE orders SET status = 'packing' WHERE id = ?", (orders[2].id,))
        station.close()
        return take_lock(self)

    monkeypatch.setattr(order_import_writer.ImportWriter, "lock", claim_first)
    try:
        report = run_import(db, [replace(orders[2], priority=9)])
        assert [oid for oid, _ in report.refused] == [orders[2].id] and report.updated == 0
        with db.sessions() as s:
            kept = s.get(Order, orders[2].id)
            assert kept is not None and (kept.status, kept.priority) == ("packing", 2)
    finally:
        db.dispose()


@pytest.mark.parametrize("first_write", [True, False])
def test_text_with_copy_s_special_characters_is_stored_as_given(
    db: Database, first_write: bool
) -> None:
    """COPY's text format escapes backslash, tab, newline and carriage return: a name or
    address holding them (a pasted export, markup) is stored exactly, on either path."""
    odd = 'a\\b\tc\nd\re \\N <b>&amp;</b> "q" \u0439'
    order = make_order(1)
    order = replace(
        order,
        customer=replace(order.customer, name=odd),
        address=replace(order.address, line1=odd, line2="\\"),
        lines=[replace(order.lines[0], name=odd, sku="SKU\\1")],
    )
    assert run_import(db, [order], first_write).ready == 1
    with db.sessions() as s:
        stored = s.get(Order, order.id)
        assert stored is not None
        assert (stored.customer_name, stored.line1, stored.line2) == (odd, odd, "\\")
        assert [(ln.name, ln.sku) for ln in stored.lines] == [(odd, "SKU\\1")]


def test_a_row_postgresql_refuses_fails_the_import_whole(pg_url: str) -> None:
    """A value only PostgreSQL refuses (a 120-character SKU; the column holds 100; SQLite
    keeps it), in the third chunk, its COPY on the pipeline's thread: the import raises
    the database's own message, nothing is stored, no connection is left behind."""
    db = open_database(pg_url, auto_upgrade=True)
    orders = make_orders(2 * CHUNK + 5)
    bad = orders[2 * CHUNK + 2]
    orders[2 * CHUNK + 2] = replace(bad, lines=[replace(bad.lines[0], sku="S" * 120)])
    with pytest.raises(Exception, match="(?i)too long|value too long"):
        run_import(db, orders)
    assert counts(db) == [0, 0, 0, 0, 0]
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert run_import(db, make_orders(3)).ready == 3  # the database is usable after it
    db.dispose()


def test_a_file_error_after_chunks_were_sent_stores_nothing(db: Database) -> None:
    """The file turns out bad after two chunks were handed to the database (on PostgreSQL
    to the COPY thread): the error is the file's, nothing is stored, no connection is
    left behind, and the database takes the next import."""

    class BadFile(Exception):
        pass

    def orders() -> Iterator[OrderData]:
        yield from make_orders(2 * CHUNK + 5)
        raise BadFile("line 9999: expected 22 cells")

    with pytest.raises(BadFile), db.unit_of_work() as s:
        import_orders(s, orders(), validate, now=NOW, first_write=True)
    assert counts(db) == [0, 0, 0, 0, 0]
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert run_import(db, make_orders(3)).ready == 3


def test_without_psycopg_s_row_formatter_the_rows_are_sent_by_write_row(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`copy_pipeline` formats rows with a psycopg function kept outside its public API; a
    psycopg without it sends them with `Copy.write_row` on the pipeline's thread: the same
    rows stored."""
    from packstation.models import copy_pipeline

    monkeypatch.setattr(copy_pipeline, "_row_formatter", lambda _conn: None)
    db = open_database(pg_url, auto_upgrade=True)
    orders = make_orders(CHUNK + 20, invalid_every=9)
    report = run_import(db, orders)
    assert report.ready + report.needs_correction == CHUNK + 20
    assert counts(db)[:3] == [
        CHUNK + 20,
        sum(len(o.lines) for o in orders),
        sum(len(ln.barcodes) for o in orders for ln in o.lines),
    ]
    with db.sessions() as s:
        stored = s.get(Order, orders[7].id)
        assert stored is not None and stored.line1 == orders[7].address.line1
        assert [ln.unit_weight_g for ln in stored.lines] == [
            ln.unit_weight_g for ln in orders[7].lines
        ]
    db.dispose()
