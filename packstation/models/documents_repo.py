"""An order's shipping documents (invoice, CN23) as data for the renderer."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from packstation.domain.rules import PackRules
from packstation.labels.documents import DocLine, DocumentData
from packstation.models.orders import Order

__all__ = ["document_data"]


def document_data(
    session: Session,
    order_id: str,
    rules: PackRules,
    ship_from: tuple[str, ...],
    issued: date,
) -> tuple[DocumentData, tuple[str, ...]] | None:
    """The order's document data and the kinds it needs (config [documents]); None if no
    such order. Used by `packstation documents` and by the station when it claims."""
    order = session.get(Order, order_id)
    if order is None:
        return None
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
            )
            for line in order.lines
        ),
        ship_from=ship_from,
        origin_country=rules.documents.domestic_country,
        declared_value=order.declared_value,
        currency=order.currency or "RUB",
    )
    return doc, rules.documents.required_for(order.country)
