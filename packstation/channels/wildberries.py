"""Wildberries FBS (the seller's own warehouse) behind the `Marketplace` protocol.

Everything here follows WB's published OpenAPI documents (vendored, unchanged, in
`tests/channels/specs/`; the fake in `tests/channels/fake_wb.py` validates every
request against them). The WB way differs from Ozon's in three places:

* an order (assembly task) is one unit; it is packed by adding it to a *supply*
  (status `new` -> `confirm`), and the day is closed by delivering the supply;
* marks (Chestny ZNAK code, UIN, IMEI, GTIN, best-before) are accepted only for an
  order in `confirm`, so `submit_marks` first puts the order in the open supply;
* the APIs live on several hosts (marketplace, common, content, buyer chat), each
  with its own published limit. `settings.base_url`, when set, replaces them all.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

import httpx

from packstation.channels.base import (
    Account,
    ChannelError,
    Document,
    MarkKind,
    MarkVerdict,
    NotReady,
    Posting,
    PostingState,
    UnitMarks,
)
from packstation.channels.http import Monotonic, Recorder, Sleep
from packstation.channels.settings import ChannelSettings, Secret
from packstation.channels.wildberries_api import WbApi, words
from packstation.channels.wildberries_map import (
    ProductInfo,
    meta_problem,
    posting_of,
    product_of,
    state_of,
    wb_value,
)
from packstation.channels.wildberries_supply import Supplies
from packstation.clock import Clock
from packstation.config import ConfigError

ProductCache = Callable[[str], ProductInfo | None]
ProductStore = Callable[[str, ProductInfo], None]

#: settings.extra["sticker"] -> (WB's `type`, Document.kind). WB has no plain "zpl":
#: it draws ZPL vertical (`zplv`) or horizontal (`zplh`); "zpl" means horizontal.
STICKERS = {
    "png": ("png", "png"),
    "zpl": ("zplh", "zpl"),
    "zplh": ("zplh", "zpl"),
    "zplv": ("zplv", "zpl"),
}
#: Up to this many unknown products are searched one by one; more, and the catalogue is
#: read page by page (100 cards a call) instead: fewer calls at the content limit.
SEARCH_MAX = 5
STATUS_BATCH = 1000  # POST /api/v3/orders/status: orders maxItems
SGTIN_BATCH = 100  # PUT .../meta/sgtin: sgtins maxItems
CHAT_MAX = 1000  # POST /api/v1/seller/message: message maxLength
ORDERS_WINDOW = timedelta(days=30)  # GET /api/v3/orders: at most 30 days a call


#: Hours after WB created an order that it is due, when WB gives no date.
DEFAULT_SHIP_WITHIN_H = 24


class WildberriesMarketplace:
    """One WB seller account (one API token)."""

    kind = "wildberries"
    label_per_package = False

    def __init__(
        self,
        settings: ChannelSettings,
        *,
        api_key: Secret | None = None,
        recorder: Recorder | None = None,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
        transport: httpx.BaseTransport | None = None,
        now: Clock,
        product_cache: ProductCache | None = None,
        product_store: ProductStore | None = None,
    ) -> None:
        sticker = str(settings.extra.get("sticker", "png")).lower()
        if sticker not in STICKERS:
            raise ConfigError(
                f"channel {settings.name}: sticker must be one of {', '.join(STICKERS)}"
            )
        # WB's new-orders list has no deadline (only oversized goods carry `sellerDate`):
        # without one every order would wait as needs_correction, so by default an order
        # is due a day after WB created it; `ship_within_h` sets the warehouse's own.
        hours = settings.extra.get("ship_within_h", DEFAULT_SHIP_WITHIN_H)
        try:
            self._ship_within = timedelta(hours=float(hours)) if hours else None
        except (TypeError, ValueError):
            raise ConfigError(f"channel {settings.name}: ship_within_h is hours") from None
        self.name = settings.name
        self.settings = settings
        self._sticker = STICKERS[sticker]
        self._now = now
        self._api = WbApi(
            settings,
            api_key if api_key is not None else settings.api_key(),
            recorder=recorder,
            sleep=sleep,
            monotonic=monotonic,
            transport=transport,
        )
        memory: dict[str, ProductInfo] = {}
        self._product_cache: ProductCache = product_cache or memory.get
        self._product_store: ProductStore = product_store or memory.__setitem__
        #: order id -> rid (what names the order in a chat), learnt from the lists.
        self._rids: dict[int, str] = {}
        self._supplies = Supplies(self._api, settings.name, now)

    # -- the protocol -----------------------------------------------------------------
    def account(self) -> Account:
        body = self._api.json("seller", "GET", "/api/v1/seller-info", idempotent=True)
        name = str(body.get("name") or "")
        trade = str(body.get("tradeMark") or "")
        shown = f"{name} ({trade})" if name and trade and trade != name else name or trade
        return Account(name=shown, ident=str(body.get("sid") or ""))

    def postings_to_pack(self) -> Iterator[Posting]:
        """`GET /api/v3/orders/new` lists every new assembly task at once (no pages)."""
        body = self._api.json("orders", "GET", "/api/v3/orders/new", idempotent=True)
        wanted = set(self.settings.warehouses)
        orders = [
            o
            for o in body.get("orders") or ()
            if isinstance(o, dict) and (not wanted or str(o.get("warehouseId")) in wanted)
        ]
        for order in orders:
            self._learn(order)
        products = self._products({str(o.get("nmId")) for o in orders if o.get("nmId")})
        for order in orders:
            yield posting_of(order, products.get(str(order.get("nmId"))), self._ship_within)

    def states(self, refs: Sequence[str]) -> dict[str, PostingState]:
        ids = [int(r) for r in dict.fromkeys(refs) if _is_id(r)]
        found: dict[str, PostingState] = {}
        for start in range(0, len(ids), STATUS_BATCH):
            batch = ids[start : start + STATUS_BATCH]
            body = self._api.json(
                "orders", "POST", "/api/v3/orders/status", json={"orders": batch}, idempotent=True
            )
            for row in body.get("orders") or ():
                found[str(row.get("id"))] = state_of(
                    str(row.get("supplierStatus", "")), str(row.get("wbStatus", ""))
                )
        return found

    def submit_marks(self, posting: Posting, units: Sequence[UnitMarks]) -> list[MarkVerdict]:
        """WB takes marks only for an order in `confirm` (in a supply): the order goes into
        the open supply first (`ship` then finds it there). Setting a value is a PUT that
        sets it again the same when repeated, so a lost reply is simply retried.

        A required kind no unit gives is refused here, before the order goes in a supply:
        WB would refuse to deliver that supply (409), holding back every order in it."""
        order_id = _order_id(posting.ref)
        unfilled = _unfilled(posting, units)
        if unfilled:
            return unfilled
        self._supplies.place(order_id, self._where(posting))
        verdicts: list[MarkVerdict] = []
        sgtins: list[tuple[str, str]] = []
        for unit in units:
            for kind, value in unit.marks.items():
                sent = wb_value(kind, value)
                problem = meta_problem(kind, sent)
                if problem:
                    verdicts.append(MarkVerdict(unit.product_ref, value, False, problem))
                elif kind is MarkKind.SGTIN:
                    sgtins.append((unit.product_ref, value))
                else:
                    reason = self._put_meta(order_id, kind, {kind.value: sent})
                    verdicts.append(MarkVerdict(unit.product_ref, value, not reason, reason))
        for start in range(0, len(sgtins), SGTIN_BATCH):
            batch = sgtins[start : start + SGTIN_BATCH]
            # WB answers for the whole list: a refusal is the refusal of each code in it.
            reason = self._put_meta(order_id, MarkKind.SGTIN, {"sgtins": [v for _, v in batch]})
            verdicts.extend(MarkVerdict(ref, value, not reason, reason) for ref, value in batch)
        return verdicts

    def ship(self, posting: Posting, boxes: Sequence[Sequence[tuple[str, int]]]) -> list[str]:
        """Add the order to the open supply of its warehouse and cargo type (one WB order
        is one parcel: `boxes` has nothing WB takes). Returns [supply id]; the sticker is
        the order's own (`label_per_package` is False)."""
        return [self._supplies.place(_order_id(posting.ref), self._where(posting))]

    def label(self, ref: str) -> Document:
        """The order's sticker; `NotReady` while WB has none for it (not yet `confirm`)."""
        if not _is_id(ref):
            raise ChannelError(
                f"{self.name}: a WB sticker is per order; {ref!r} is not a WB order id "
                "(a supply's QR comes with the handoff)"
            )
        kind, document_kind = self._sticker
        body = self._api.json(
            "orders",
            "POST",
            "/api/v3/orders/stickers",
            params={"type": kind, "width": 58, "height": 40},
            json={"orders": [int(ref)]},
            idempotent=True,
        )
        for sticker in body.get("stickers") or ():
            if str(sticker.get("orderId")) == ref and sticker.get("file"):
                code = (
                    sticker.get("barcode")
                    or f"{sticker.get('partA', '')}{sticker.get('partB', '')}"
                )
                return Document(document_kind, base64.b64decode(sticker["file"]), str(code))
        raise NotReady(f"{self.name}: WB has no sticker for order {ref} yet")

    def close_handoff(self, refs: Sequence[str]) -> list[Document]:
        """Deliver the supplies of these refs (supply ids, or order ids whose open supply
        is found) and return each supply's QR code to print."""
        supply_ids = list(dict.fromkeys(r for r in refs if not _is_id(r)))
        order_ids = {int(r) for r in refs if _is_id(r)}
        if order_ids:
            holding, missing = self._supplies.holding(order_ids)
            supply_ids += [s for s in holding if s not in supply_ids]
            if missing:
                states = self.states([str(o) for o in sorted(missing)])
                lost = [
                    o for o in sorted(missing) if states.get(str(o)) is not PostingState.SHIPPED
                ]
                if lost:
                    shown = ", ".join(str(o) for o in lost[:10])
                    raise ChannelError(f"{self.name}: orders {shown} are in no open supply")
        documents = []
        for supply_id in supply_ids:
            self._supplies.deliver(supply_id)
            documents.append(self._supplies.qr(supply_id))
        return documents

    def message_buyer(self, ref: str, text: str) -> None:
        """WB lets a seller write only in a chat the buyer opened: the chat whose order card
        has this order's `rid`. No such chat is an error (the outbox retries later)."""
        rid = self._rid(_order_id(ref))
        body = self._api.json("chat", "GET", "/api/v1/seller/chats", idempotent=True)
        sign = next(
            (
                str(chat.get("replySign"))
                for chat in body.get("result") or ()
                if (chat.get("goodCard") or {}).get("rid") == rid and chat.get("replySign")
            ),
            None,
        )
        if sign is None:
            raise ChannelError(
                f"{self.name}: the buyer of WB order {ref} has no chat with the seller "
                "(WB lets a seller only answer a chat the buyer started)"
            )
        text = text.strip() or "-"
        for start in range(0, len(text), CHAT_MAX):
            # Not repeated after a lost reply: a message cannot be looked up by its text.
            self._api.call(
                "chat",
                "POST",
                "/api/v1/seller/message",
                files={
                    "replySign": (None, sign),
                    "message": (None, text[start : start + CHAT_MAX]),
                },
                idempotent=False,
            )

    def close(self) -> None:
        self._api.close()

    # -- helpers ----------------------------------------------------------------------
    def _learn(self, order: Mapping[str, Any]) -> None:
        order_id = order.get("id")
        if isinstance(order_id, int):
            if order.get("rid"):
                self._rids[order_id] = str(order["rid"])
            self._supplies.learn(order_id, order.get("warehouseId"), order.get("cargoType"))

    def _where(self, posting: Posting) -> tuple[str, int] | None:
        """(warehouse, cargo type) of the order, for its supply; None when not known here."""
        cargo = posting.extra.get("cargo_type", "")
        if posting.warehouse_id and _is_id(cargo):
            return posting.warehouse_id, int(cargo)
        return None

    def _put_meta(self, order_id: int, kind: MarkKind, body: dict[str, Any]) -> str:
        """'' when WB took it, else WB's own words (a 409 or a 400 about the value)."""
        response = self._api.call(
            "meta",
            "PUT",
            f"/api/v3/orders/{order_id}/meta/{kind.value}",
            json=body,
            idempotent=True,
            accept=frozenset({400, 409}),
        )
        if response.status_code < 300:
            return ""
        return words(response) or f"refused ({response.status_code})"

    def _products(self, nm_ids: set[str]) -> dict[str, ProductInfo]:
        """Title, weight and size of each product, from the cache or the card list."""
        found: dict[str, ProductInfo] = {}
        missing: set[str] = set()
        for nm_id in nm_ids:
            info = self._product_cache(nm_id)
            if info is None:
                missing.add(nm_id)
            else:
                found[nm_id] = info
        cards: Iterator[dict[str, Any]]
        if len(missing) <= SEARCH_MAX:
            cards = (c for nm_id in sorted(missing) for c in self._cards(nm_id))
        else:
            cards = self._cards(None)
        for card in cards:
            nm_id = str(card.get("nmID"))
            if nm_id in missing:
                found[nm_id] = info = product_of(card)
                self._product_store(nm_id, info)
                missing.discard(nm_id)
                if not missing:
                    break
        return found

    def _cards(self, search: str | None) -> Iterator[dict[str, Any]]:
        """Cards matching `search` (an nmId), or the whole catalogue, 100 a page."""
        cursor: dict[str, Any] = {"limit": 100}
        filters: dict[str, Any] = {"withPhoto": -1}
        if search is not None:
            filters["textSearch"] = search
        while True:
            body = self._api.json(
                "content",
                "POST",
                "/content/v2/get/cards/list",
                json={"settings": {"cursor": cursor, "filter": filters}},
                idempotent=True,
            )
            cards = [c for c in body.get("cards") or () if isinstance(c, dict)]
            yield from cards
            after = body.get("cursor") or {}
            if len(cards) < cursor["limit"] or not after.get("nmID"):
                return
            cursor = {"limit": 100, "updatedAt": after.get("updatedAt"), "nmID": after["nmID"]}

    def _rid(self, order_id: int) -> str:
        """The order's `rid` (what a chat names): learnt from the lists, else looked up in
        the orders of the last 30 days (the most `GET /api/v3/orders` gives at once)."""
        if order_id in self._rids:
            return self._rids[order_id]
        now = self._now()
        params = {
            "limit": 1000,
            "next": 0,
            "dateFrom": int((now - ORDERS_WINDOW).timestamp()),
            "dateTo": int(now.timestamp()),
        }
        while True:
            body = self._api.json("orders", "GET", "/api/v3/orders", params=params, idempotent=True)
            orders = [o for o in body.get("orders") or () if isinstance(o, dict)]
            for order in orders:
                self._learn(order)
            if order_id in self._rids:
                return self._rids[order_id]
            if len(orders) < params["limit"] or not body.get("next"):
                raise ChannelError(
                    f"{self.name}: WB order {order_id} is not among the last 30 days"
                )
            params["next"] = int(body["next"])


def _unfilled(posting: Posting, units: Sequence[UnitMarks]) -> list[MarkVerdict]:
    """A refusal per kind of metadata the order requires that no unit gives (`value` names
    the kind: there is no value to name)."""
    given = {kind for unit in units for kind in unit.marks}
    return [
        MarkVerdict(
            item.product_ref,
            kind.value,
            False,
            f"WB delivers order {posting.ref} only with its {kind.value}, "
            "and the station captured none",
        )
        for item in posting.items
        for kind in sorted(item.required - given)
    ]


def _is_id(ref: str) -> bool:
    """A WB order id is a number; a supply id is "WB-GI-..."."""
    return ref.isascii() and ref.isdigit()


def _order_id(ref: str) -> int:
    if not _is_id(ref):
        raise ChannelError(f"{ref!r} is not a WB order id")
    return int(ref)


__all__ = ["WildberriesMarketplace"]
