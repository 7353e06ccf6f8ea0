"""An order's shipping documents (invoice, CN23) as data for the renderer."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from packstation.domain.instructions import GIFT_NOTE, MAX_INSERT_TEXT, InsertRule
from packstation.domain.rules import PackRules
from packstation.domain.units import SerialKind
from packstation.labels.documents import DocLine, DocumentData
from packstation.models.orders import Order
from packstation.models.packing import PackedUnit

__all__ = ["document_data"]


def document_data(
    session: Session,
    order_id: str,
    rules: PackRules,
    ship_from: tuple[str, ...],
    issued: date,
) -> tuple[DocumentData, tuple[str, ...]] | None:
    """The order's document data and the kinds it needs (config [documents]); None if no
    such order. Used by `packstation documents` and by the station when it claims. A packed
    order's lines carry its units' serials and lots."""
    order = session.get(Order, order_id)
    if order is None:
        return None
    serials: dict[int, list[str]] = {}
    lots: dict[int, Counter[tuple[str, date | None]]] = {}
    for line_id, serial, lot, expiry in session.execute(
        select(PackedUnit.line_id, PackedUnit.serial, PackedUnit.lot, PackedUnit.expiry)
        .where(PackedUnit.order_id == order.id)
        .order_by(PackedUnit.id)
    ):
        if serial:
            serials.setdefault(line_id, []).append(serial)
        if lot or expiry:
            lots.setdefault(line_id, Counter())[(lot or "", expiry)] += 1
    doc = DocumentData(
        order_id=order.id,
        issued=issued,
        buyer=order.customer_name,
        address_lines=order.address_lines,
        country=order.country,
        lines=tuple(
            DocLine(
                line.sku,
                line.name,
                line.qty,
                line.unit_weight_g,
                line.unit_price,
                line.hs_code,
                serials=tuple(serials.get(line.id, ())),
                serial_label="IMEI" if line.serial == SerialKind.IMEI else "S/N",
                lots=tuple((lot, exp, n) for (lot, exp), n in lots.get(line.id, Counter()).items()),
            )
            for line in order.lines
        ),
        ship_from=ship_from,
        origin_country=rules.documents.domestic_country,
        declared_value=order.declared_value,
        currency=order.currency or "RUB",
        inserts=_inserts(order, rules),
    )
    kinds = rules.documents.required_for(order.country)
    return doc, kinds + tuple(kind for kind, _ in doc.inserts)


def _inserts(order: Order, rules: PackRules) -> tuple[tuple[str, str], ...]:
    """(kind, text) of the order's inserts: its gift note, then the config's that match it
    (the same as the claim fixed: `workflow/instructions.inserts_for`)."""
    found: list[tuple[str, str]] = []
    note = (order.extra or {}).get("gift_note")
    if isinstance(note, str) and note:
        found.append((GIFT_NOTE, note))
    skus = [line.sku for line in order.lines]
    who = (order.email, order.customer_name)
    for rule in rules.inserts:
        if rule.match.applies(skus, order.channel or "", who):
            found.append((rule.kind, rule.text or _insert_file(rule)))
    return tuple(found)


def _insert_file(rule: InsertRule) -> str:
    """An insert's text file, read when it is printed (so an edit needs no restart); a
    missing or unreadable one is the printer's failure, shown to the packer."""
    try:
        text = Path(rule.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"insert {rule.kind}: cannot read {rule.file}: {exc}") from None
    if not text.strip() or len(text) > MAX_INSERT_TEXT:
        raise ValueError(
            f"insert {rule.kind}: {rule.file} must hold 1-{MAX_INSERT_TEXT} characters"
        )
    return text
