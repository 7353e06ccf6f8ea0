"""A stateful Wildberries on a local port, following WB's published OpenAPI documents.

Every request is validated with openapi-core against the vendored spec (`specs/`),
including that its path is published at all; every answer of a route is validated
against the spec's response schema (`bad_responses`), so the fake cannot drift from
WB any more than the client can. The state follows the spec's words:

* an order is `new` until added to a supply (`confirm`), `complete` once the supply
  is delivered; `cancel(order_id)` is the buyer cancelling (`declined_by_client`);
* metadata is taken only for an order in `confirm` that lists that kind in
  `requiredMeta`/`optionalMeta`; a code given to `reject_code` is answered 409;
* a sticker exists only for `confirm`/`complete` orders (`sticker_not_ready` delays
  it) and is a real picture: a Code128 of its `barcode` that zxing-cpp reads back;
* a delivered supply has a QR code of its id.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
import zxingcpp
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.exceptions import OpenAPIError
from PIL import Image, ImageDraw
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from packstation.labels.marketplace import zpl_graphic
from tests.channels.fakeserver import FakeMarketplace, Fault, _Quiet, json_response

SPECS = Path(__file__).parent / "specs"
SPEC_FILES = (
    "wb-01-general.yaml",
    "wb-02-products.yaml",
    "wb-03-orders-fbs.yaml",
    "wb-09-communications.yaml",
)
KEY = "wb-test-token.eyJhY2MiOjF9.signature"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CANCELLED = frozenset({"canceled", "canceled_by_client", "declined_by_client", "defect"})
META_FAILED = (
    "Failed to update assembly order metadata. "
    "Make sure the assembly order meets all the necessary requirements."
)
ADD_FAILED = (
    "Не удалось закрепить сборочное задание за поставкой. Убедитесь, что сборочное "
    "задание и поставка удовлетворяют всем необходимым требованиям."
)
STICKER_PX = {(58, 40): (580, 400), (40, 30): (400, 300)}


# -- the published API ----------------------------------------------------------------------
@dataclass(frozen=True)
class Operation:
    api: OpenAPI
    template: str
    server: str


@dataclass(frozen=True)
class Published:
    """Every (method, path template) of the vendored documents, with its host."""

    routes: tuple[tuple[str, re.Pattern[str], Operation], ...]

    def find(self, method: str, path: str) -> Operation | None:
        for want, pattern, operation in self.routes:
            if want == method.lower() and pattern.fullmatch(path):
                return operation
        return None


@functools.cache
def published() -> Published:
    """Loaded once per test session (a few hundred ms)."""
    routes: list[tuple[int, str, re.Pattern[str], Operation]] = []
    for name in SPEC_FILES:
        path = SPECS / name
        api = OpenAPI.from_file_path(str(path))
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        root = (raw.get("servers") or [{}])[0].get("url", "")
        for template, item in raw["paths"].items():
            for method, op in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                servers = item.get("servers") or op.get("servers") or [{"url": root}]
                regex = re.compile(
                    "".join(
                        "[^/]+" if part.startswith("{") else re.escape(part)
                        for part in re.split(r"(\{[^}]+\})", template)
                    )
                )
                operation = Operation(api, template, servers[0]["url"])
                routes.append((template.count("{"), method, regex, operation))
    routes.sort(key=lambda r: r[0])  # a literal path wins over a template
    return Published(tuple((m, p, o) for _, m, p, o in routes))


class AtHost(WerkzeugOpenAPIRequest):
    """The request as WB's host would see it (the spec's servers are WB's hosts)."""

    def __init__(self, request: Request, host_url: str) -> None:
        super().__init__(request)
        self._host_url = host_url

    @property
    def host_url(self) -> str:
        return self._host_url


def explain(exc: Exception) -> str:
    """openapi-core's complaint: the schema errors under it first, then its own words."""
    parts = [
        str(error).splitlines()[0] for error in getattr(exc.__cause__, "schema_errors", ()) or ()
    ]
    parts.append(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    return "; ".join(parts)[:500]


# -- state ---------------------------------------------------------------------------------
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _sticker_code(order_id: int) -> str:
    n = (order_id * 2654435761) % 62**8
    chars = []
    for _ in range(8):
        n, r = divmod(n, 62)
        chars.append(_ALPHABET[r])
    return "!" + "".join(chars)


@dataclass(slots=True)
class FakeOrder:
    id: int
    rid: str
    article: str
    nm_id: int
    skus: list[str]
    price: int
    currency: int
    warehouse: int
    cargo: int
    created: datetime
    required: list[str]
    optional: list[str]
    seller_date: str | None = None
    supplier: str = "new"
    wb: str = "waiting"
    supply: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "rid": self.rid,
            "orderUid": f"{self.id}_{self.rid[:16]}",
            "article": self.article,
            "nmId": self.nm_id,
            "chrtId": self.nm_id * 10 + 1,
            "skus": self.skus,
            "price": self.price,
            "convertedPrice": self.price,
            "currencyCode": self.currency,
            "convertedCurrencyCode": self.currency,
            "warehouseId": self.warehouse,
            "officeId": 123,
            "offices": ["Электросталь"],
            "createdAt": self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "deliveryType": "fbs",
            "cargoType": self.cargo,
            "comment": "",
            "isZeroOrder": False,
            "options": {"isB2b": False},
        }
        return body

    def new_json(self) -> dict[str, Any]:
        """As `GET /api/v3/orders/new` gives it."""
        body = self.public()
        body.update(
            address=None,
            scanPrice=None,
            requiredMeta=self.required,
            optionalMeta=self.optional,
            salePrice=self.price,
            finalPrice=self.price,
            convertedFinalPrice=self.price,
        )
        if self.cargo == 2:
            body["ddate"] = (self.created + timedelta(days=5)).strftime("%d.%m.%Y")
            body["sellerDate"] = self.seller_date
        return body

    def listed_json(self) -> dict[str, Any]:
        """As `GET /api/v3/orders` gives it (with the supply)."""
        body = self.public()
        if self.supply:
            body["supplyId"] = self.supply
        return body


@dataclass(slots=True)
class FakeSupply:
    id: str
    name: str
    created: datetime
    done: bool = False
    closed: datetime | None = None
    cargo: int = 0
    orders: list[int] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "done": self.done,
            "createdAt": _ts(self.created),
            "closedAt": _ts(self.closed) if self.closed else None,
            "scanDt": None,
            "cargoType": self.cargo,
            "destinationOfficeId": None,
        }


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(status: int, code: str, message: str) -> Response:
    return json_response({"code": code, "message": message}, status)


def _no_content() -> Response:
    return Response(status=204)


def symbol_picture(text: str, kind: zxingcpp.BarcodeFormat, scale: int) -> Image.Image:
    """zxing-cpp's drawing of a symbol, a module `scale` whole pixels wide."""
    symbol = zxingcpp.create_barcode(text, kind)
    view = memoryview(symbol.to_image(scale=scale))  # type: ignore[arg-type]  # a buffer
    height, width = view.shape or (0, 0)
    return Image.frombytes("L", (width, height), view.tobytes())


def code128_picture(text: str, size: tuple[int, int], caption: str) -> Image.Image:
    """A sticker: the Code128 at whole-pixel module widths, centred, with its caption."""
    width, height = size
    modules = symbol_picture(text, zxingcpp.BarcodeFormat.Code128, 1).width
    bars = symbol_picture(text, zxingcpp.BarcodeFormat.Code128, max(1, (width - 20) // modules))
    bars = bars.resize((bars.width, height // 2), Image.Resampling.NEAREST)
    page = Image.new("L", size, 255)
    page.paste(bars, ((width - bars.width) // 2, height // 8))
    ImageDraw.Draw(page).text((width // 3, height * 3 // 4), caption, fill=0)
    return page


def qr_picture(text: str) -> Image.Image:
    """A supply's QR code on a 580x400 page, as WB's."""
    symbol = symbol_picture(text, zxingcpp.BarcodeFormat.QRCode, 10)
    page = Image.new("L", (580, 400), 255)
    page.paste(symbol, ((580 - symbol.width) // 2, (400 - symbol.height) // 2))
    return page


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class FakeWildberries(FakeMarketplace):
    def __init__(self, api_key: str = KEY, *, now: datetime = NOW) -> None:
        super().__init__()
        published()  # loaded here, not inside the first request (a client's timeout)
        self.api_key = api_key
        self.now = now
        self.check_requests = True
        self.check_responses = True
        self.bad_responses: list[str] = []
        self.orders: dict[int, FakeOrder] = {}
        self.supplies: dict[str, FakeSupply] = {}
        self.cards: dict[int, dict[str, Any]] = {}
        self.chats: list[dict[str, Any]] = []
        self.messages: list[tuple[str, str]] = []
        self.seller = {"name": "ИП Кружинин В. Р.", "sid": "e8923014-e233-47a8-898e-3cc86d67ea61"}
        self.seller["tradeMark"] = "Flax Store"
        self.rejected: dict[str, str] = {}
        self.not_ready: dict[int, int] = {}
        self._next_order = 5_000_000
        self._next_supply = 1_234_000
        self._pictures: dict[tuple[int, str, int, int], str] = {}
        self._local = threading.local()
        on = self._on
        on("GET", "/api/v1/seller-info", lambda r, p: json_response(self.seller))
        on("GET", "/api/v3/orders/new", self._orders_new)
        on("GET", "/api/v3/orders", self._orders_list)
        on("POST", "/api/v3/orders/status", self._status)
        on("POST", "/api/v3/orders/stickers", self._stickers)
        on("PUT", "/api/v3/orders/{orderId}/meta/{kind}", self._meta)
        on("POST", "/api/v3/supplies", self._supply_create)
        on("GET", "/api/v3/supplies", self._supply_list)
        on("GET", "/api/v3/supplies/{supplyId}", self._supply_get)
        on("PATCH", "/api/marketplace/v3/supplies/{supplyId}/orders", self._supply_add)
        on("GET", "/api/marketplace/v3/supplies/{supplyId}/order-ids", self._supply_ids)
        on("PATCH", "/api/v3/supplies/{supplyId}/deliver", self._deliver)
        on("GET", "/api/v3/supplies/{supplyId}/barcode", self._supply_qr)
        on("POST", "/content/v2/get/cards/list", self._cards)
        on("GET", "/api/v1/seller/chats", self._chats)
        on("POST", "/api/v1/seller/message", self._message)

    # -- test helpers -------------------------------------------------------------------
    def add_order(
        self,
        order_id: int | None = None,
        *,
        article: str = "one-ring-7548",
        nm_id: int = 12345678,
        skus: tuple[str, ...] = ("4607001001003",),
        price: int = 199000,
        currency: int = 643,
        warehouse: int = 658434,
        cargo: int = 1,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        created: datetime | None = None,
        seller_date: str | None = None,
        card: bool = True,
    ) -> int:
        """A new assembly task (and, unless `card=False`, a product card for its nmId)."""
        with self.lock:
            if order_id is None:
                self._next_order += 1
                order_id = self._next_order
            self.orders[order_id] = FakeOrder(
                id=order_id,
                rid=f"{order_id:08x}e44e511edb8780242ac120002",
                article=article,
                nm_id=nm_id,
                skus=list(skus),
                price=price,
                currency=currency,
                warehouse=warehouse,
                cargo=cargo,
                created=created or self.now - timedelta(hours=1),
                required=list(required),
                optional=list(optional),
                seller_date=seller_date,
            )
            if card and nm_id not in self.cards:
                self.add_card(nm_id, vendor_code=article, skus=skus)
            return order_id

    def add_orders(self, n: int, *, products: int = 50, warehouse: int = 658434) -> list[int]:
        """`n` new orders over `products` products, cheaply (a benchmark's seed)."""
        ids = []
        created = self.now - timedelta(hours=2)
        with self.lock:
            for nm in range(products):
                self.add_card(10_000_000 + nm, vendor_code=f"ART-{nm}", skus=(_ean(nm),))
            for i in range(n):
                self._next_order += 1
                nm = i % products
                self.orders[self._next_order] = FakeOrder(
                    self._next_order,
                    f"{self._next_order:08x}aa",
                    f"ART-{nm}",
                    10_000_000 + nm,
                    [_ean(nm)],
                    99000 + nm * 100,
                    643,
                    warehouse,
                    1,
                    created,
                    [],
                    [],
                )
                ids.append(self._next_order)
        return ids

    def add_card(
        self,
        nm_id: int,
        *,
        vendor_code: str = "one-ring-7548",
        title: str | None = None,
        weight_kg: float = 0.25,
        dims_cm: tuple[int, int, int] = (20, 10, 5),
        skus: tuple[str, ...] = (),
    ) -> None:
        stamp = _ts(self.now)
        self.cards[nm_id] = {
            "nmID": nm_id,
            "imtID": nm_id + 1,
            "nmUUID": "01bda0b1-5c0b-736c-b2be-d0a6543e9be0",
            "subjectID": 7771,
            "subjectName": "Кольца",
            "vendorCode": vendor_code,
            "brand": "Тест",
            "title": title or f"Товар {vendor_code}",
            "description": "",
            "needKiz": False,
            "photos": [],
            "video": "",
            "dimensions": {
                "length": dims_cm[0],
                "width": dims_cm[1],
                "height": dims_cm[2],
                "weightBrutto": weight_kg,
                "isValid": True,
            },
            "characteristics": [],
            "sizes": [
                {"chrtID": nm_id * 10 + 1, "techSize": "0", "wbSize": "", "skus": list(skus)}
            ],
            "tags": [],
            "createdAt": stamp,
            "updatedAt": stamp,
        }

    def add_chat(self, order_id: int, client_name: str = "Иван") -> str:
        """The buyer of this order opened a chat (only buyers can, at WB)."""
        order = self.orders[order_id]
        chat_id = f"1:{order.rid[:8]}-cca8-4e90-8b11-f78afbea42e3"
        self.chats.append(
            {
                "chatID": chat_id,
                "replySign": f"{chat_id}:{order_id}:bc3a4c04079f5956cff170b",
                "clientID": str(order_id % 100000),
                "clientName": client_name,
                "goodCard": {
                    "date": _ts(order.created),
                    "nmID": order.nm_id,
                    "price": order.price // 100,
                    "priceCurrency": "RUB",
                    "rid": order.rid,
                    "size": "0",
                    "statusID": 2,
                },
                "lastMessage": {"text": "Когда отправите?", "addTimestamp": 1712848270018},
            }
        )
        return chat_id

    def cancel(self, order_id: int, wb_status: str = "declined_by_client") -> None:
        """The buyer (or WB) cancels: it leaves its supply, WB says why in `wbStatus`."""
        with self.lock:
            order = self.orders[order_id]
            order.wb = wb_status
            if order.supply:
                self.supplies[order.supply].orders.remove(order_id)
                order.supply = None

    def reject_code(self, code: str, reason: str) -> None:
        self.rejected[code] = reason

    def sticker_not_ready(self, order_id: int, times: int = 2) -> None:
        self.not_ready[order_id] = times

    def open_supplies(self) -> list[FakeSupply]:
        return [s for s in self.supplies.values() if not s.done]

    def start(self) -> FakeWildberries:
        """As the base, with a short poll: each stop() otherwise waits half a second."""
        server = make_server("127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet)
        self._server = server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.02), daemon=True
        )
        self._thread.start()
        return self

    # -- checking ------------------------------------------------------------------------
    def _dispatch(self, request: Request) -> Response:
        # Keep the raw body before anything parses a form: openapi-core reads it again.
        request.get_data(cache=True)
        self._local.method = request.method
        return super()._dispatch(request)

    def _take_fault(self, path: str) -> Fault | None:
        """As the base, and a fault's path may name the method too ("POST /api/v3/supplies":
        WB uses one path for listing and for creating supplies)."""
        method = getattr(self._local, "method", "")
        with self.lock:
            for fault in list(self.faults):
                if fault.path in ("*", path, f"{method} {path}"):
                    self.faults.remove(fault)
                    return fault
        return None

    def authorized(self, request: Request) -> bool:
        return request.headers.get("Authorization") == self.api_key

    def validate(self, request: Request) -> str:
        if not self.check_requests:
            return ""
        operation = published().find(request.method, request.path)
        if operation is None:
            return f"{request.method} {request.path} is not in WB's published API"
        try:
            operation.api.validate_request(AtHost(request, operation.server))
        except OpenAPIError as exc:
            return explain(exc)
        return ""

    def _on(self, method: str, pattern: str, handler: Any) -> None:
        def checked(request: Request, params: dict[str, str]) -> Response:
            response: Response = handler(request, params)
            if self.check_responses:
                operation = published().find(request.method, request.path)
                assert operation is not None
                try:
                    operation.api.validate_response(
                        AtHost(request, operation.server), WerkzeugOpenAPIResponse(response)
                    )
                except OpenAPIError as exc:
                    problem = f"{request.method} {request.path} -> {response.status_code}"
                    self.bad_responses.append(f"{problem}: {explain(exc)}")
            return response

        self.route(method, pattern, checked)

    # -- orders -------------------------------------------------------------------------
    def _orders_new(self, request: Request, params: dict[str, str]) -> Response:
        orders = [
            o.new_json() for o in self.orders.values() if o.supplier == "new" and o.wb == "waiting"
        ]
        return json_response({"orders": orders})

    def _orders_list(self, request: Request, params: dict[str, str]) -> Response:
        limit = int(request.args["limit"])
        after = int(request.args["next"])
        since = int(request.args.get("dateFrom", 0))
        until = int(request.args.get("dateTo", 2**40))
        rows = sorted(
            (
                o
                for o in self.orders.values()
                if o.id > after and since <= o.created.timestamp() <= until
            ),
            key=lambda o: o.id,
        )[:limit]
        return json_response(
            {"next": rows[-1].id if rows else after, "orders": [o.listed_json() for o in rows]}
        )

    def _status(self, request: Request, params: dict[str, str]) -> Response:
        ids = request.get_json()["orders"]
        rows = [
            {"id": i, "supplierStatus": self.orders[i].supplier, "wbStatus": self.orders[i].wb}
            for i in ids
            if i in self.orders
        ]
        return json_response({"orders": rows})

    def _stickers(self, request: Request, params: dict[str, str]) -> Response:
        kind = request.args["type"]
        size = (int(request.args["width"]), int(request.args["height"]))
        stickers = []
        for order_id in request.get_json()["orders"]:
            order = self.orders.get(order_id)
            if order is None or order.supplier not in ("confirm", "complete"):
                continue
            if self.not_ready.get(order_id, 0) > 0:
                self.not_ready[order_id] -= 1
                continue
            code = _sticker_code(order_id)
            part_a, part_b = str(order_id)[:-4] or "0", str(order_id)[-4:]
            stickers.append(
                {
                    "orderId": order_id,
                    "partA": part_a,
                    "partB": part_b,
                    "barcode": code,
                    "file": self._sticker_file(order_id, code, f"{part_a} {part_b}", kind, size),
                }
            )
        return json_response({"stickers": stickers})

    def _sticker_file(
        self, order_id: int, code: str, caption: str, kind: str, size: tuple[int, int]
    ) -> str:
        key = (order_id, kind, *size)
        if key not in self._pictures:
            picture = code128_picture(code, STICKER_PX[size], caption)
            if kind == "png":
                data = png(picture)
            elif kind == "svg":
                symbol = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.Code128)
                data = symbol.to_svg().encode()
            else:
                data = zpl_graphic(picture if kind == "zplh" else picture.rotate(90, expand=True))
            self._pictures[key] = base64.b64encode(data).decode("ascii")
        return self._pictures[key]

    def _meta(self, request: Request, params: dict[str, str]) -> Response:
        kind = params["kind"]
        order = self.orders.get(int(params["orderId"]))
        if order is None:
            if kind in ("sgtin", "expiration"):
                return _error(404, "NotFound", "Не найдено")
            return _error(409, "FailedToUpdateMeta", META_FAILED)
        body = request.get_json()
        values = body["sgtins"] if kind == "sgtin" else [body[kind]]
        if (
            kind not in order.required + order.optional
            or order.supplier != "confirm"
            or order.wb in CANCELLED
        ):
            return _error(409, "FailedToUpdateMeta", META_FAILED)
        for value in values:
            if value in self.rejected:
                return _error(409, "FailedToUpdateMeta", self.rejected[value])
        if kind == "expiration":
            day, month, year = (int(p) for p in values[0].split("."))
            if datetime(year, month, day, tzinfo=UTC) < self.now + timedelta(days=30):
                message = "Не удалось обновить срок годности. Указан срок меньше допустимого"
                return _error(400, "LowExpirationDate", message)
        order.meta[kind] = list(values) if kind == "sgtin" else values[0]
        return _no_content()

    # -- supplies -----------------------------------------------------------------------
    def _supply_create(self, request: Request, params: dict[str, str]) -> Response:
        self._next_supply += 1
        supply_id = f"WB-GI-{self._next_supply}"
        created = self.now + timedelta(seconds=len(self.supplies))
        self.supplies[supply_id] = FakeSupply(supply_id, request.get_json()["name"], created)
        return json_response({"id": supply_id}, 201)

    def _supply_list(self, request: Request, params: dict[str, str]) -> Response:
        limit = int(request.args["limit"])
        start = int(request.args["next"])
        rows = list(self.supplies.values())[start : start + limit]
        return json_response({"next": start + len(rows), "supplies": [s.public() for s in rows]})

    def _supply_get(self, request: Request, params: dict[str, str]) -> Response:
        supply = self.supplies.get(params["supplyId"])
        if supply is None:
            return _error(404, "NotFound", "Не найдено")
        return json_response(supply.public())

    def _supply_add(self, request: Request, params: dict[str, str]) -> Response:
        supply = self.supplies.get(params["supplyId"])
        if supply is None:
            return _error(404, "NotFound", "Не найдено")
        orders = [self.orders.get(i) for i in request.get_json()["orders"]]
        warehouses = {self.orders[i].warehouse for i in supply.orders}
        for order in orders:
            if (
                supply.done
                or order is None
                or order.supplier not in ("new", "confirm")
                or order.wb in CANCELLED
                or (supply.cargo and order.cargo != supply.cargo)
                or (warehouses and order.warehouse not in warehouses)
            ):
                return _error(409, "FailedToAddSupplyOrder", ADD_FAILED)
        for order in orders:
            assert order is not None
            if order.supply and order.supply != supply.id:
                self.supplies[order.supply].orders.remove(order.id)
            if order.id not in supply.orders:
                supply.orders.append(order.id)
            order.supply, order.supplier = supply.id, "confirm"
            supply.cargo = supply.cargo or order.cargo
        return _no_content()

    def _supply_ids(self, request: Request, params: dict[str, str]) -> Response:
        supply = self.supplies.get(params["supplyId"])
        if supply is None:
            return _error(404, "NotFound", "Не найдено")
        return json_response({"orderIds": list(supply.orders)})

    def _deliver(self, request: Request, params: dict[str, str]) -> Response:
        supply = self.supplies.get(params["supplyId"])
        if supply is None:
            return _error(404, "NotFound", "Не найдено")
        if supply.done:
            return _error(409, "SupplyIsDone", "Поставка уже передана в доставку")
        if not supply.orders:
            message = (
                "Не удалось обработать поставку. Убедитесь, что за ней закреплён "
                "хотя бы одно сборочное задание."
            )
            return _error(409, "SupplyHasZeroOrders", message)
        for order_id in supply.orders:
            order = self.orders[order_id]
            unfilled = [k for k in order.required if k not in order.meta]
            if unfilled:
                message = (
                    'Перевод в статус "в доставке" невозможен. Введите '
                    f"{', '.join(unfilled)} для всех сборочных заданий, где это необходимо."
                )
                return _error(409, "MetaIsNotFilled", message)
        supply.done, supply.closed = True, self.now
        for order_id in supply.orders:
            self.orders[order_id].supplier = "complete"
        return _no_content()

    def _supply_qr(self, request: Request, params: dict[str, str]) -> Response:
        supply = self.supplies.get(params["supplyId"])
        if supply is None:
            return _error(404, "NotFound", "Не найдено")
        if not supply.done:
            return _error(409, "SupplyNotClosed", "Поставка не передана в доставку")
        data = png(qr_picture(supply.id))
        return json_response({"barcode": supply.id, "file": base64.b64encode(data).decode("ascii")})

    # -- content and chat -----------------------------------------------------------------
    def _cards(self, request: Request, params: dict[str, str]) -> Response:
        settings = request.get_json().get("settings") or {}
        cursor = settings.get("cursor") or {}
        limit = int(cursor.get("limit") or 100)
        after = int(cursor.get("nmID") or 0)
        search = str((settings.get("filter") or {}).get("textSearch") or "")
        rows = [
            card
            for nm_id, card in sorted(self.cards.items())
            if nm_id > after
            and (
                not search
                or search in (str(nm_id), card["vendorCode"])
                or search in card["sizes"][0]["skus"]
            )
        ][:limit]
        last = rows[-1] if rows else {"nmID": after, "updatedAt": _ts(self.now)}
        return json_response(
            {
                "cards": rows,
                "cursor": {
                    "updatedAt": last["updatedAt"],
                    "nmID": last["nmID"],
                    "total": len(rows),
                },
            }
        )

    def _chats(self, request: Request, params: dict[str, str]) -> Response:
        return json_response({"result": self.chats, "errors": None})

    def _message(self, request: Request, params: dict[str, str]) -> Response:
        sign = request.form.get("replySign", "")
        chat = next((c for c in self.chats if c["replySign"] == sign), None)
        if chat is None:
            problem = {
                "status": 400,
                "title": "Bad Request",
                "origin": "proxy-chats",
                "detail": "Invalid signature",
                "requestId": "1b21cad4833a0c9244dc294a000f6149",
                "error": "Invalid signature",
            }
            response = json_response(problem, 400)
            response.content_type = "application/problem+json"
            return response
        self.messages.append((chat["chatID"], request.form.get("message", "")))
        added = int(self.now.timestamp() * 1000) + len(self.messages)
        return json_response({"result": {"addTime": added, "chatID": chat["chatID"]}, "errors": []})


def _ean(n: int) -> str:
    """A valid EAN-13 for product `n` (the station checks check digits)."""
    body = f"460700{n:06d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


@contextmanager
def running(**kwargs: Any) -> Iterator[FakeWildberries]:
    """A started fake, stopped after (pytest fixtures in the test modules use this)."""
    fake = FakeWildberries(**kwargs)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def read_barcodes(data: bytes, kind: str) -> list[str]:
    """What zxing-cpp reads on a sticker or QR as WB sends it (PNG, or ZPL `^GFA`)."""
    if kind == "png":
        image = Image.open(io.BytesIO(data)).convert("L")
    else:
        match = re.search(rb"\^GFA,(\d+),\d+,(\d+),([0-9A-F]+)", data)
        assert match is not None, "no ^GFA graphic in the ZPL"
        row_bytes = int(match.group(2))
        packed = bytes.fromhex(match.group(3).decode("ascii"))
        height = len(packed) // row_bytes
        ink = Image.frombytes("1", (row_bytes * 8, height), packed)
        image = ink.convert("L").point(lambda v: 255 - v)
    return [r.text for r in zxingcpp.read_barcodes(image)]
