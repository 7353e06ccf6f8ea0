"""WB supplies: the open supply an order is added to, and its delivery at the handoff.

A supply holds orders of one seller warehouse and one cargo type (the spec: "нельзя
добавить сборочные задания, поступившие на разные склады"; the first order gives the
supply its `cargoType`), so there is one open supply per (warehouse, cargo type). It
is named `packstation <channel> wh<warehouse> cargo<type> <date>`: the name is how
this client finds its supply again after a restart or a lost reply, and how it
leaves alone the supplies a seller makes by hand.

Creating a supply and adding an order change state at WB and are never sent twice
blindly: after a lost reply the supply list (or the supply's order ids) is read
first, and the call is sent again only when WB shows it was not done.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from typing import Any

import httpx

from packstation.channels.base import ChannelError, Document
from packstation.channels.http import LostReply
from packstation.channels.wildberries_api import WbApi, words
from packstation.clock import Clock

Key = tuple[str, int]  # (seller warehouse id, cargo type)
NAME_MAX = 128  # POST /api/v3/supplies: name maxLength
PAGE = 1000  # GET /api/v3/supplies: limit maximum


class Supplies:
    def __init__(self, api: WbApi, channel: str, now: Clock) -> None:
        self._api = api
        self._channel = channel
        self._now = now
        self._where: dict[int, Key] = {}
        self._open: dict[Key, str] = {}
        self._placed: dict[int, str] = {}
        #: order id -> supply it was sent to whose answer was lost: look before resending.
        self._unsure: dict[int, str] = {}
        self._lock = threading.RLock()

    def learn(self, order_id: int, warehouse: Any, cargo: Any) -> None:
        if isinstance(warehouse, int) and isinstance(cargo, int):
            self._where[order_id] = (str(warehouse), cargo)

    def place(self, order_id: int, where: Key | None) -> str:
        """The supply holding the order, after adding it to the open one if need be."""
        with self._lock:
            if order_id in self._placed:
                return self._placed[order_id]
            key = where or self._where.get(order_id) or self._look_up(order_id)
            if key is None:
                # Not new any more: an earlier run or another station may have added it.
                holding, _ = self.holding({order_id})
                if not holding:
                    raise ChannelError(
                        f"{self._channel}: WB order {order_id} is {self._status(order_id)}, "
                        "not new, and in no open supply of this channel"
                    )
                supply = holding[0]
            else:
                supply = self._add(self._open_supply(key), order_id, key)
            self._placed[order_id] = supply
            return supply

    def holding(self, order_ids: set[int]) -> tuple[list[str], set[int]]:
        """Our open supplies holding any of these orders, and the orders in none."""
        remaining = set(order_ids)
        found: list[str] = []
        for supply in self._ours(""):
            if not remaining:
                break
            ids = self._order_ids(str(supply.get("id")))
            if ids & remaining:
                found.append(str(supply.get("id")))
                remaining -= ids
        return found, remaining

    def deliver(self, supply_id: str) -> None:
        """Close the supply (its orders go `complete`); done already counts as done."""
        path = f"/api/v3/supplies/{supply_id}/deliver"
        try:
            response = self._api.call(
                "orders", "PATCH", path, idempotent=False, accept=frozenset({409})
            )
        except LostReply:
            if self._done(supply_id):
                response = None
            else:
                response = self._api.call(
                    "orders", "PATCH", path, idempotent=False, accept=frozenset({409})
                )
        if response is not None and response.status_code == 409 and not self._done(supply_id):
            raise ChannelError(
                f"{self._channel}: WB did not deliver supply {supply_id}: {words(response)}",
                status=409,
            )
        with self._lock:
            self._open = {k: s for k, s in self._open.items() if s != supply_id}
            self._placed = {o: s for o, s in self._placed.items() if s != supply_id}

    def qr(self, supply_id: str) -> Document:
        body = self._api.json(
            "orders",
            "GET",
            f"/api/v3/supplies/{supply_id}/barcode",
            params={"type": "png"},
            idempotent=True,
        )
        data = base64.b64decode(str(body.get("file") or ""))
        return Document("png", data, str(body.get("barcode") or supply_id))

    # -- the open supply ----------------------------------------------------------------
    def _prefix(self, key: Key) -> str:
        """What follows `packstation <channel> ` in the names of the supplies of `key`."""
        return f"wh{key[0]} cargo{key[1]} "

    def _open_supply(self, key: Key) -> str:
        if key in self._open:
            return self._open[key]
        supply = self._find_open(key)
        if supply is None:
            name = f"packstation {self._channel} {self._prefix(key)}{self._now():%Y-%m-%d %H:%M}"
            name = name[:NAME_MAX]
            try:
                supply = self._create(name)
            except LostReply:
                # WB may have made it: look for it by name before making another.
                supply = self._find_open(key) or self._create(name)
        self._open[key] = supply
        return supply

    def _create(self, name: str) -> str:
        body = self._api.json(
            "orders", "POST", "/api/v3/supplies", json={"name": name}, idempotent=False
        )
        if not body.get("id"):
            raise ChannelError(f"{self._channel}: WB made a supply without an id", retryable=True)
        return str(body["id"])

    def _find_open(self, key: Key) -> str | None:
        """Our newest open supply for this warehouse and cargo type."""
        mine = sorted(self._ours(self._prefix(key)), key=lambda s: str(s.get("createdAt", "")))
        return str(mine[-1]["id"]) if mine else None

    def _ours(self, prefix: str) -> Iterator[dict[str, Any]]:
        """Open supplies named by this channel (`prefix`, after the channel's own, narrows
        them to one key), page by page."""
        base = f"packstation {self._channel} "
        params = {"limit": PAGE, "next": 0}
        while True:
            body = self._api.json(
                "orders", "GET", "/api/v3/supplies", params=params, idempotent=True
            )
            supplies = [s for s in body.get("supplies") or () if isinstance(s, dict)]
            for supply in supplies:
                name = str(supply.get("name") or "")
                if not supply.get("done") and supply.get("id") and name.startswith(base + prefix):
                    yield supply
            after = body.get("next")
            if len(supplies) < PAGE or not isinstance(after, int) or after == params["next"]:
                return
            params = {"limit": PAGE, "next": after}

    # -- adding an order ------------------------------------------------------------------
    def _add(self, supply: str, order_id: int, key: Key) -> str:
        """Add the order; a closed or vanished supply is replaced once by a new one. A
        refusal from an open supply that already holds the order (added by an earlier
        run) is no refusal."""
        for _ in range(2):
            response = self._send_add(supply, order_id)
            if response is None or response.status_code < 300:
                return supply
            if self._open_at_wb(supply):
                if order_id in self._order_ids(supply):
                    return supply
                break
            self._open.pop(key, None)
            supply = self._open_supply(key)
        assert response is not None
        raise ChannelError(
            f"{self._channel}: WB did not add order {order_id} to supply {supply}: "
            f"{words(response)}",
            status=response.status_code,
        )

    def _send_add(self, supply: str, order_id: int) -> httpx.Response | None:
        """The PATCH, sent again only when WB shows it was not done (None: it was)."""
        if self._unsure.get(order_id) == supply and order_id in self._order_ids(supply):
            del self._unsure[order_id]
            return None
        try:
            response = self._patch_add(supply, order_id)
        except LostReply:
            self._unsure[order_id] = supply
            if order_id in self._order_ids(supply):
                del self._unsure[order_id]
                return None
            response = self._patch_add(supply, order_id)
        self._unsure.pop(order_id, None)
        return response

    def _patch_add(self, supply: str, order_id: int) -> httpx.Response:
        return self._api.call(
            "orders",
            "PATCH",
            f"/api/marketplace/v3/supplies/{supply}/orders",
            json={"orders": [order_id]},
            idempotent=False,
            accept=frozenset({404, 409}),
        )

    # -- looking things up ---------------------------------------------------------------
    def _look_up(self, order_id: int) -> Key | None:
        """Warehouse and cargo type from the new-order list (a posting built elsewhere)."""
        body = self._api.json("orders", "GET", "/api/v3/orders/new", idempotent=True)
        for order in body.get("orders") or ():
            if isinstance(order, dict) and isinstance(order.get("id"), int):
                self.learn(order["id"], order.get("warehouseId"), order.get("cargoType"))
        return self._where.get(order_id)

    def _order_ids(self, supply: str) -> set[int]:
        body = self._api.json(
            "orders",
            "GET",
            f"/api/marketplace/v3/supplies/{supply}/order-ids",
            idempotent=True,
        )
        return {i for i in body.get("orderIds") or () if isinstance(i, int)}

    def _supply(self, supply: str) -> dict[str, Any] | None:
        response = self._api.call(
            "orders",
            "GET",
            f"/api/v3/supplies/{supply}",
            idempotent=True,
            accept=frozenset({404}),
        )
        if response.status_code == 404:
            return None
        body = response.json()
        return body if isinstance(body, dict) else None

    def _open_at_wb(self, supply: str) -> bool:
        info = self._supply(supply)
        return info is not None and not info.get("done")

    def _done(self, supply: str) -> bool:
        info = self._supply(supply)
        return info is not None and bool(info.get("done"))

    def _status(self, order_id: int) -> str:
        body = self._api.json(
            "orders", "POST", "/api/v3/orders/status", json={"orders": [order_id]}, idempotent=True
        )
        for row in body.get("orders") or ():
            if row.get("id") == order_id:
                return f"{row.get('supplierStatus')}/{row.get('wbStatus')}"
        return "unknown"
