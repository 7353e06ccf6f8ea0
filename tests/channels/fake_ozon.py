"""A stateful Ozon (Seller API, FBS) on a local port, following the schema written from
Ozon's public clients and its published document (`specs/ozon-fbs.schema.json`).

Every request is checked against the schema (its path must be there at all, its
body must validate, Client-Id and Api-Key must be this account's: 401 otherwise);
every answer of a route is checked against the schema's response part
(`bad_responses`), so the fake cannot drift from what the clients show any more than
the client can. The state follows Ozon's words:

* a posting is `awaiting_packaging` until shipped, then `awaiting_deliver`; shipped
  in several packages it is split: the first package keeps its number, the others
  get the next numbers of the order, all listed in `related_postings`;
  `cancel(ref)` is the buyer cancelling;
* a product marked `marked=True` is listed in the posting's `requirements` and cannot
  ship until its exemplars carry codes that passed the check; exemplar set starts a
  check that stays `validation_in_process` for `exemplar_polls` status polls; a code
  given to `reject_code` then fails with that reason;
* a label exists for an `awaiting_deliver` posting (`label_not_ready` delays it with
  "The next postings aren't ready") and is a real PDF: a Code128 of the posting number
  as vector bars on the 203 dpi grid, which zxing-cpp reads back;
* an act takes the day's `awaiting_deliver` postings of a delivery method and is
  `in_process` for `act_polls` polls.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fpdf import FPDF
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from werkzeug.wrappers import Request, Response

from packstation.labels.symbols import code128
from tests.channels.fakeserver import FakeMarketplace, json_response

SPEC = Path(__file__).parent / "specs" / "ozon-fbs.schema.json"
CLIENT_ID = "1234567"
KEY = "ozon-test-key-5f1c0e7a-9d2b-4c3e-8a61-7b0d2e4f9a13"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOT_READY = "The next postings aren't ready"
CHECKING = "validation_in_process"
#: Delivery methods of the fake account: id -> (name, warehouse id).
METHODS = {
    15_001: ("Ozon Логистика курьеру, Москва", 22_000_001_234),
    15_002: ("Ozon Логистика самостоятельно, Подольск", 22_000_005_678),
}
MM_PER_DOT = 25.4 / 203
MODULE_DOTS = 2
PDF_PATHS = frozenset(
    {
        "/v2/posting/fbs/package-label",
        "/v2/posting/fbs/act/get-pdf",
        "/v2/posting/fbs/act/get-container-labels",
    }
)


# -- the schema -----------------------------------------------------------------------------
@functools.cache
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return document


@functools.cache
def registry() -> Registry[Any]:
    uri: str = spec()["$id"]
    resource: Resource[Any] = Resource.from_contents(spec())
    found: Registry[Any] = Registry().with_resource(uri, resource)
    return found


@functools.cache
def validator(part: str, key: str) -> Draft202012Validator:
    """The validator of `spec()[part][key]` (part: requests, responses or $defs)."""
    pointer = key.replace("~", "~0").replace("/", "~1")
    return Draft202012Validator(
        {"$ref": f"{spec()['$id']}#/{part}/{pointer}"},
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def problem(check: Draft202012Validator, instance: Any) -> str:
    """The most telling error, with where it is ('' when valid)."""
    error = best_match(check.iter_errors(instance))
    if error is None:
        return ""
    where = "/".join(str(p) for p in error.absolute_path) or "body"
    return f"{where}: {error.message}"


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _error(status: int, code: int, message: str) -> Response:
    return json_response({"code": code, "message": message, "details": []}, status)


def _pdf_response(data: bytes) -> Response:
    return Response(data, status=200, content_type="application/pdf")


def barcode_pdf(pages: list[tuple[str, list[str]]], size_mm: tuple[float, float]) -> bytes:
    """One page per (code, lines): a Code128 of `code` drawn as vector bars whose edges lie
    on the 203 dpi dot grid (2-dot modules), so a label printer renders them exactly."""
    pdf = FPDF(unit="mm", format=size_mm)
    pdf.set_creation_date(NOW)
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_fill_color(0)
    for code, lines in pages:
        pdf.add_page()
        pdf.set_font("helvetica", style="B", size=14)
        pdf.text(5, 10, "OZON")
        pdf.set_font("helvetica", size=9)
        for number, line in enumerate(lines):
            pdf.text(5, 16 + 5 * number, line)
        row = code128(code).rows[0]
        x0, y0, height = 24, 240, 200  # dots: 3 mm in, 30 mm down, 25 mm tall
        start = row.find("1")
        while start >= 0:
            end = row.find("0", start)
            end = len(row) if end < 0 else end
            x = (x0 + start * MODULE_DOTS) * MM_PER_DOT
            width = (end - start) * MODULE_DOTS * MM_PER_DOT
            pdf.rect(x, y0 * MM_PER_DOT, width, height * MM_PER_DOT, style="F")
            start = row.find("1", end)
        pdf.text(5, (y0 + height) * MM_PER_DOT + 6, code)
    return bytes(pdf.output())


# -- state ----------------------------------------------------------------------------------
@dataclass
class FakeProduct:
    sku: int
    product_id: int
    offer_id: str
    name: str
    barcodes: list[str]
    weight: int = 350
    weight_unit: str = "g"
    #: depth, width, height in `dimension_unit`
    dims: tuple[int, int, int] = (200, 150, 100)
    dimension_unit: str = "mm"
    price: str = "1390.0000"
    marked: bool = False
    possible: bool = False


@dataclass
class FakePosting:
    number: str
    order_id: int
    order_number: str
    items: dict[int, int]  # sku -> quantity
    shipment_date: datetime
    method_id: int
    city: str
    status: str = "awaiting_packaging"
    substatus: str = "posting_created"
    parent: str = ""
    related: list[str] = field(default_factory=list)
    cancel_reason: str = ""
    #: sku -> exemplars {"exemplar_id", "marks", "gtd", "is_gtd_absent", ...}
    exemplars: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    check: str = ""
    polls_left: int = 0
    in_act: int = 0


@dataclass
class FakeAct:
    id: int
    method_id: int
    postings: list[str]
    polls_left: int
    containers: int = 0


class FakeOzon(FakeMarketplace):
    def __init__(
        self, client_id: str = CLIENT_ID, api_key: str = KEY, *, now: datetime = NOW
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.api_key = api_key
        self.now = now
        self.check_requests = True
        self.check_responses = True
        self.bad_responses: list[str] = []
        self.products: dict[int, FakeProduct] = {}
        self.postings: dict[str, FakePosting] = {}
        self.ships: list[dict[str, Any]] = []
        self.rejected: dict[str, str] = {}
        self.not_ready: dict[str, int] = {}
        self.exemplar_polls = 2
        self.act_polls = 1
        self.acts: dict[int, FakeAct] = {}
        self.chats: dict[str, str] = {}
        self.messages: list[tuple[str, str]] = []
        self.company = {
            "country": "Россия",
            "currency": "RUB",
            "inn": "7707083893",
            "legal_name": "ООО «Льняная лавка»",
            "name": "Льняная лавка",
            "ogrn": "1027700132195",
            "ownership_form": "ООО",
            "tax_system": "OSNO",
        }
        self._ids = itertools.count(1)
        self._orders = itertools.count(31_415_926)
        on = self._on
        on("/v1/seller/info", self._seller_info)
        on("/v3/posting/fbs/unfulfilled/list", self._unfulfilled)
        on("/v3/posting/fbs/get", self._get)
        on("/v3/product/info/list", self._info_list)
        on("/v4/product/info/attributes", self._attributes)
        on("/v6/fbs/posting/product/exemplar/create-or-get", self._exemplars)
        on("/v5/fbs/posting/product/exemplar/validate", self._validate)
        on("/v6/fbs/posting/product/exemplar/set", self._set)
        on("/v5/fbs/posting/product/exemplar/status", self._status)
        on("/v4/posting/fbs/ship", self._ship)
        on("/v2/posting/fbs/package-label", self._label)
        on("/v2/posting/fbs/act/create", self._act_create)
        on("/v2/posting/fbs/act/check-status", self._act_status)
        on("/v2/posting/fbs/act/get-pdf", self._act_pdf)
        on("/v2/posting/fbs/act/get-container-labels", self._act_labels)
        on("/v1/chat/start", self._chat_start)
        on("/v1/chat/send/message", self._chat_send)

    # -- test helpers ---------------------------------------------------------------------
    @property
    def ship_count(self) -> int:
        return len(self.ships)

    def add_product(
        self,
        offer_id: str,
        *,
        name: str = "",
        barcodes: list[str] | None = None,
        marked: bool = False,
        possible: bool = False,
        **details: Any,
    ) -> FakeProduct:
        n = len(self.products) + 1
        product = FakeProduct(
            sku=1_500_000_000 + n,
            product_id=800_000_000 + n,
            offer_id=offer_id,
            name=name or f"Льняное полотенце {offer_id}",
            barcodes=[f"46{n:011d}"] if barcodes is None else barcodes,
            marked=marked,
            possible=possible,
            **details,
        )
        self.products[product.sku] = product
        return product

    def product(self, offer_id: str) -> FakeProduct:
        return next(p for p in self.products.values() if p.offer_id == offer_id)

    def add_posting(
        self,
        items: list[tuple[str, int]],
        *,
        shipment_date: datetime | None = None,
        method_id: int = 15_001,
        city: str = "Москва",
    ) -> str:
        """A new `awaiting_packaging` posting of (offer_id, quantity) items."""
        order_id = next(self._orders)
        order_number = f"{order_id:08d}-0001"
        number = f"{order_number}-1"
        self.postings[number] = FakePosting(
            number=number,
            order_id=order_id,
            order_number=order_number,
            items={self.product(offer).sku: qty for offer, qty in items},
            shipment_date=shipment_date or self.now + timedelta(days=1),
            method_id=method_id,
            city=city,
        )
        return number

    def add_postings(self, n: int, products: int = 200) -> list[str]:
        """Cheap bulk seeding: `products` products, `n` postings of one or two of them.
        (Checking a 1000-posting page against the schema takes about half a second:
        a benchmark turns `check_responses` off.)"""
        for index in range(len(self.products), products):
            self.add_product(f"LIN-{index:05d}")
        skus = list(self.products)[:products]
        numbers = []
        for index in range(n):
            order_id = next(self._orders)
            order_number = f"{order_id:08d}-0001"
            items = {skus[index % len(skus)]: 1 + index % 3}
            if index % 4 == 0:
                items[skus[(index * 7 + 1) % len(skus)]] = 1
            posting = FakePosting(
                number=f"{order_number}-1",
                order_id=order_id,
                order_number=order_number,
                items=items,
                shipment_date=self.now + timedelta(hours=2 + index % 240),
                method_id=15_001 + index % 2,
                city="Москва",
            )
            self.postings[posting.number] = posting
            numbers.append(posting.number)
        return numbers

    def cancel(self, ref: str, reason: str = "Покупатель отменил заказ") -> None:
        posting = self.postings[ref]
        posting.status, posting.substatus, posting.cancel_reason = (
            "cancelled",
            "posting_canceled",
            reason,
        )

    def reject_code(self, code: str, reason: str) -> None:
        self.rejected[code] = reason

    def label_not_ready(self, ref: str, times: int = 2) -> None:
        self.not_ready[ref] = times

    # -- checking -------------------------------------------------------------------------
    def authorized(self, request: Request) -> bool:
        return (
            request.headers.get("Client-Id") == self.client_id
            and request.headers.get("Api-Key") == self.api_key
        )

    def validate(self, request: Request) -> str:
        if not self.check_requests:
            return ""
        if request.path not in spec()["requests"]:
            return f"{request.path} is not a path of Ozon's API as the public clients show it"
        if request.method != "POST":
            return f"Ozon takes POST on {request.path}, not {request.method}"
        if request.mimetype != "application/json":
            return f"the body is {request.mimetype or 'untyped'}, not application/json"
        body = request.get_json(silent=True)
        if body is None:
            return "the body is not JSON"
        return problem(validator("requests", request.path), body)

    def _on(self, path: str, handler: Any) -> None:
        def checked(request: Request, params: dict[str, str]) -> Response:
            response: Response = handler(request.get_json(silent=True) or {})
            if self.check_responses:
                found = self._response_problem(path, response)
                if found:
                    self.bad_responses.append(f"POST {path} -> {response.status_code}: {found}")
            return response

        self.route("POST", path, checked)

    def _response_problem(self, path: str, response: Response) -> str:
        if response.status_code != 200:
            return problem(validator("$defs", "rpcStatus"), json.loads(response.get_data()))
        if path in PDF_PATHS:
            pdf = response.mimetype == "application/pdf" and response.get_data()[:4] == b"%PDF"
            return "" if pdf else f"not a PDF ({response.mimetype})"
        return problem(validator("responses", path), json.loads(response.get_data()))

    # -- JSON of the state ----------------------------------------------------------------
    def _product_json(self, sku: int, qty: int, detail: bool) -> dict[str, Any]:
        product = self.products[sku]
        found: dict[str, Any] = {
            "name": product.name,
            "offer_id": product.offer_id,
            "price": product.price,
            "quantity": qty,
            "sku": sku,
            "currency_code": "RUB",
            "is_blr_traceable": False,
            "is_marketplace_buyout": False,
        }
        if detail:
            found["mandatory_mark"] = [
                m["mark"] for e in self._all_exemplars(sku) for m in e["marks"]
            ]
            found["dimensions"] = {
                "height": "100",
                "length": "200",
                "weight": "350",
                "width": "150",
            }
        return found

    def _all_exemplars(self, sku: int) -> list[dict[str, Any]]:
        return [e for p in self.postings.values() for e in p.exemplars.get(sku, [])]

    def _posting_json(
        self, posting: FakePosting, with_: dict[str, Any], detail: bool = False
    ) -> dict[str, Any]:
        name, warehouse = METHODS[posting.method_id]
        skus = [self.products[s] for s in posting.items]
        cancelled = posting.status == "cancelled"
        actions = ["ship", "cancel"] if posting.status == "awaiting_packaging" else []
        found: dict[str, Any] = {
            "posting_number": posting.number,
            "order_id": posting.order_id,
            "order_number": posting.order_number,
            "status": posting.status,
            "substatus": posting.substatus,
            "delivery_method": {
                "id": posting.method_id,
                "name": name,
                "tpl_provider": "Ozon Логистика",
                "tpl_provider_id": 24,
                "warehouse": "Склад Льняной лавки",
                "warehouse_id": warehouse,
            },
            "tracking_number": "",
            "tpl_integration_type": "ozon",
            "in_process_at": _ts(self.now - timedelta(hours=3)),
            "shipment_date": _ts(posting.shipment_date),
            "delivering_date": None,
            "cancellation": {
                "affect_cancellation_rating": False,
                "cancel_reason": posting.cancel_reason,
                "cancel_reason_id": 352 if cancelled else 0,
                "cancellation_initiator": "Клиент" if cancelled else "",
                "cancellation_type": "client" if cancelled else "",
                "cancelled_after_ship": False,
            },
            "customer": None,
            "addressee": None,
            "products": [self._product_json(s, q, detail) for s, q in posting.items.items()],
            "barcodes": None,
            "analytics_data": None,
            "financial_data": None,
            "is_express": False,
            "is_multibox": False,
            "multi_box_qty": 0,
            "parent_posting_number": posting.parent,
            "available_actions": actions,
            "requirements": {
                "products_requiring_gtd": [],
                "products_requiring_country": [],
                "products_requiring_mandatory_mark": [str(p.sku) for p in skus if p.marked],
                "products_requiring_jw_uin": [],
                "products_requiring_rnpt": [],
                "products_requiring_change_country": [],
            },
            "optional": {
                "products_with_possible_mandatory_mark": [p.sku for p in skus if p.possible]
            },
            "quantum_id": 0,
            "tariffication": [],
            "pickup_code_verified_at": None,
        }
        if with_.get("barcodes"):
            found["barcodes"] = self.barcodes(posting.number)
        if with_.get("analytics_data"):
            found["analytics_data"] = {
                "city": posting.city,
                "delivery_type": "Courier",
                "is_legal": False,
                "is_premium": False,
                "payment_type_group_name": "Карты оплаты",
                "region": "Москва",
                "tpl_provider": "Ozon Логистика",
                "tpl_provider_id": 24,
                "warehouse": "Склад Льняной лавки",
                "warehouse_id": warehouse,
            }
        if detail:
            found["additional_data"] = []
            found["previous_substatus"] = ""
            found["provider_status"] = ""
            if with_.get("related_postings"):
                # Ozon does not say in which order: newest first, unlike ship's answer
                related = sorted(posting.related, reverse=True)
                found["related_postings"] = {"related_posting_numbers": related}
        return found

    def barcodes(self, number: str) -> dict[str, str]:
        """A posting's `barcodes` (`FBSBarcode`: both printed on its shipment label)."""
        posting = self.postings[number]
        return {
            "upper_barcode": f"%101%{posting.order_id}",
            "lower_barcode": number.replace("-", ""),
        }

    def _known(self, ref: str) -> FakePosting | None:
        return self.postings.get(ref)

    # -- routes ---------------------------------------------------------------------------
    def _seller_info(self, body: dict[str, Any]) -> Response:
        answer = {
            "company": self.company,
            "ratings": [],
            "subscription": {"is_premium": True, "type": "PREMIUM_PLUS"},
        }
        return json_response(answer)

    def _unfulfilled(self, body: dict[str, Any]) -> Response:
        flt = body["filter"]
        start, end = (
            (_time(flt["cutoff_from"]), _time(flt["cutoff_to"]))
            if "cutoff_from" in flt
            else (_time(flt["delivering_date_from"]), _time(flt["delivering_date_to"]))
        )
        warehouses = set(flt.get("warehouse_id") or ())
        found = [
            p
            for p in self.postings.values()
            if p.status == flt.get("status", p.status)
            and p.status not in ("cancelled", "delivered")
            and start <= p.shipment_date <= end
            and (not warehouses or METHODS[p.method_id][1] in warehouses)
        ]
        found.sort(
            key=lambda p: (p.shipment_date, p.number), reverse=body.get("dir") in ("desc", "DESC")
        )
        page = found[body["offset"] : body["offset"] + body["limit"]]
        with_ = body.get("with") or {}
        postings = [self._posting_json(p, with_) for p in page]
        return json_response({"result": {"count": len(found), "postings": postings}})

    def _get(self, body: dict[str, Any]) -> Response:
        posting = self._known(body["posting_number"])
        if posting is None:
            return _error(404, 5, "posting not found")
        answer = self._posting_json(posting, body.get("with") or {}, detail=True)
        return json_response({"result": answer})

    def _by_ids(self, ids: dict[str, Any]) -> list[FakeProduct]:
        wanted = {str(v) for k in ("sku", "product_id", "offer_id") for v in ids.get(k) or ()}
        return [
            p
            for p in self.products.values()
            if wanted & {str(p.sku), str(p.product_id), p.offer_id}
        ]

    def _info_list(self, body: dict[str, Any]) -> Response:
        items = [
            {
                "id": p.product_id,
                "sku": p.sku,
                "offer_id": p.offer_id,
                "name": p.name,
                "barcodes": p.barcodes,
                "currency_code": "RUB",
                "price": p.price,
                "old_price": "",
                "min_price": "",
                "marketing_price": "",
                "vat": "0.2",
                "is_archived": False,
                "is_kgt": False,
                "volume_weight": 0.3,
                "created_at": _ts(self.now - timedelta(days=90)),
                "updated_at": _ts(self.now - timedelta(days=9)),
            }
            for p in self._by_ids(body)
        ]
        return json_response({"items": items})

    def _attributes(self, body: dict[str, Any]) -> Response:
        found = self._by_ids(body.get("filter") or {})
        start = int(body.get("last_id") or 0)
        limit = int(body.get("limit") or 1000)
        page = found[start : start + limit]
        more = start + limit < len(found)
        rows = [
            {
                "id": p.product_id,
                "sku": str(p.sku),
                "offer_id": p.offer_id,
                "name": p.name,
                "barcode": p.barcodes[0] if p.barcodes else "",
                "barcodes": p.barcodes,
                "depth": p.dims[0],
                "width": p.dims[1],
                "height": p.dims[2],
                "dimension_unit": p.dimension_unit,
                "weight": p.weight,
                "weight_unit": p.weight_unit,
                "description_category_id": 17_028_922,
                "type_id": 91_565,
                "attributes": [],
                "complex_attributes": [],
                "images": [],
                "pdf_list": [],
                "primary_image": "",
                "color_image": "",
            }
            for p in page
        ]
        last_id = str(start + limit) if more else ""
        return json_response({"result": rows, "last_id": last_id, "total": str(len(found))})

    def _exemplars(self, body: dict[str, Any]) -> Response:
        posting = self._known(body["posting_number"])
        if posting is None:
            return _error(404, 5, "posting not found")
        for sku, qty in posting.items.items():
            if sku not in posting.exemplars:
                posting.exemplars[sku] = [
                    {
                        "exemplar_id": next(self._ids),
                        "marks": [],
                        "is_gtd_absent": True,
                        "is_rnpt_absent": True,
                    }
                    for _ in range(qty)
                ]
        products = []
        for sku, qty in posting.items.items():
            product = self.products[sku]
            products.append(
                {
                    "product_id": sku,
                    "quantity": qty,
                    "is_mandatory_mark_needed": product.marked,
                    "is_mandatory_mark_possible": product.marked or product.possible,
                    "is_gtd_needed": False,
                    "is_rnpt_needed": False,
                    "is_jw_uin_needed": False,
                    "has_imei": False,
                    "exemplars": [dict(e) for e in posting.exemplars[sku]],
                }
            )
        answer = {"multi_box_qty": 0, "posting_number": posting.number, "products": products}
        return json_response(answer)

    @staticmethod
    def _form_errors(mark: dict[str, Any]) -> list[str]:
        """Ozon's form check: a Chestny ZNAK code starts 01 + GTIN-14 + 21 + serial."""
        value = str(mark["mark"])
        if mark["mark_type"] == "mandatory_mark" and not (
            value.startswith("01") and value[2:16].isdigit() and value[16:18] == "21"
        ):
            return ["INVALID_MARK_FORMAT"]
        return []

    def _validate(self, body: dict[str, Any]) -> Response:
        posting = self._known(body["posting_number"])
        if posting is None:
            return _error(404, 5, "posting not found")
        products = []
        for product in body["products"]:
            if product["product_id"] not in posting.items:
                return _error(400, 3, f"product {product['product_id']} is not in the posting")
            exemplars = []
            for exemplar in product["exemplars"]:
                marks = [
                    {**m, "errors": self._form_errors(m), "valid": not self._form_errors(m)}
                    for m in exemplar.get("marks") or []
                ]
                valid = all(m["valid"] for m in marks)
                exemplars.append({"errors": [], "marks": marks, "valid": valid})
            valid = all(e["valid"] for e in exemplars)
            products.append(
                {
                    "product_id": product["product_id"],
                    "error": "" if valid else "INVALID_EXEMPLARS",
                    "exemplars": exemplars,
                    "valid": valid,
                }
            )
        return json_response({"products": products})

    def _set(self, body: dict[str, Any]) -> Response:
        posting = self._known(body["posting_number"])
        if posting is None:
            return _error(404, 5, "posting not found")
        if posting.status != "awaiting_packaging":
            return _error(400, 3, f"POSTING_NOT_IN_AWAITING_PACKAGING: {posting.status}")
        given = {p["product_id"]: p["exemplars"] for p in body["products"]}
        for sku, exemplars in posting.exemplars.items():
            ids = sorted(e["exemplar_id"] for e in exemplars)
            if sorted(e.get("exemplar_id") for e in given.get(sku, [])) != ids:
                return _error(400, 3, f"pass the complete set of exemplars of {sku}")
        for sku, exemplars in given.items():
            by_id = {e["exemplar_id"]: e for e in posting.exemplars[sku]}
            for exemplar in exemplars:
                stored = by_id[exemplar["exemplar_id"]]
                stored["marks"] = [dict(m) for m in exemplar.get("marks") or []]
                for key in ("gtd", "rnpt", "is_gtd_absent", "is_rnpt_absent"):
                    if key in exemplar:
                        stored[key] = exemplar[key]
        posting.check, posting.polls_left = CHECKING, self.exemplar_polls
        return json_response({})

    def _marks_passed(self, posting: FakePosting) -> bool:
        """Whether Ozon would let it ship: every unit of a marked product has a code,
        the check is over, and no code failed it."""
        if posting.check == CHECKING:
            return False
        for sku in posting.items:
            exemplars = posting.exemplars.get(sku, [])
            codes = [m["mark"] for e in exemplars for m in e["marks"]]
            if self.products[sku].marked and (
                not exemplars or not all(e["marks"] for e in exemplars)
            ):
                return False
            if any(code in self.rejected for code in codes):
                return False
        return True

    def _status(self, body: dict[str, Any]) -> Response:
        posting = self._known(body["posting_number"])
        if posting is None:
            return _error(404, 5, "posting not found")
        checking = posting.check == CHECKING and posting.polls_left > 0
        if checking:
            posting.polls_left -= 1
        else:
            posting.check = "done" if posting.check else ""
        products = []
        for sku, exemplars in posting.exemplars.items():
            rows = []
            for exemplar in exemplars:
                marks = []
                for mark in exemplar["marks"]:
                    reason = self.rejected.get(mark["mark"])
                    marks.append(
                        {
                            **mark,
                            "check_status": "in_progress"
                            if checking
                            else ("failed" if reason else "passed"),
                            "error_codes": [reason] if reason and not checking else [],
                        }
                    )
                rows.append(
                    {
                        "exemplar_id": exemplar["exemplar_id"],
                        "is_gtd_absent": exemplar.get("is_gtd_absent", True),
                        "is_rnpt_absent": exemplar.get("is_rnpt_absent", True),
                        "marks": marks,
                    }
                )
            products.append({"product_id": sku, "exemplars": rows})
        if checking:
            status = CHECKING
        else:
            status = "ship_available" if self._marks_passed(posting) else "ship_not_available"
        answer = {"posting_number": posting.number, "status": status, "products": products}
        return json_response(answer)

    def _ship(self, body: dict[str, Any]) -> Response:
        posting = self._known(body["posting_number"])
        if posting is None:
            return _error(404, 5, "posting not found")
        if posting.status != "awaiting_packaging":
            return _error(400, 3, f"POSTING_ALREADY_SHIPPED: the posting is {posting.status}")
        packed: dict[int, int] = {}
        for package in body["packages"]:
            for product in package["products"]:
                sku = product["product_id"]
                packed[sku] = packed.get(sku, 0) + product["quantity"]
        if packed != posting.items:
            return _error(400, 3, f"INVALID_PACKAGES: {packed} is not {posting.items}")
        if not self._marks_passed(posting):
            return _error(400, 3, "EXEMPLARS_NOT_CHECKED: pass the marking codes first")
        self.ships.append(body)
        numbers = [posting.number]
        packages = body["packages"]
        first = {p["product_id"]: p["quantity"] for p in packages[0]["products"]}
        for index, package in enumerate(packages[1:], start=2):
            number = f"{posting.order_number}-{index}"
            self.postings[number] = FakePosting(
                number=number,
                order_id=posting.order_id,
                order_number=posting.order_number,
                items={p["product_id"]: p["quantity"] for p in package["products"]},
                shipment_date=posting.shipment_date,
                method_id=posting.method_id,
                city=posting.city,
                status="awaiting_deliver",
                substatus="posting_awaiting_passport_data",
                parent=posting.number,
            )
            numbers.append(number)
        posting.items = first
        posting.status, posting.substatus = "awaiting_deliver", "posting_created"
        if len(numbers) > 1:
            for number in numbers:
                self.postings[number].related = list(numbers)
        return json_response({"result": numbers})

    def _label(self, body: dict[str, Any]) -> Response:
        refs = body["posting_number"]
        for ref in refs:
            posting = self._known(ref)
            if posting is None:
                return _error(404, 5, f"posting {ref} not found")
            if posting.status != "awaiting_deliver":
                return _error(400, 3, f"POSTING_NOT_AWAITING_DELIVER: {ref} is {posting.status}")
        late = [ref for ref in refs if self.not_ready.get(ref, 0) > 0]
        if late:
            for ref in late:
                self.not_ready[ref] -= 1
            return _error(400, 3, f"{NOT_READY}: {', '.join(late)}")
        pages = []
        for ref in refs:
            posting = self.postings[ref]
            name = METHODS[posting.method_id][0].encode("ascii", "replace").decode()
            pages.append((ref, [f"Order {posting.order_number}", name]))
        return _pdf_response(barcode_pdf(pages, (75, 120)))

    def _act_create(self, body: dict[str, Any]) -> Response:
        method = body["delivery_method_id"]
        if method not in METHODS:
            return _error(404, 5, f"delivery method {method} not found")
        refs = [
            p.number
            for p in self.postings.values()
            if p.method_id == method and p.status == "awaiting_deliver" and not p.in_act
        ]
        if not refs:
            return _error(400, 3, "NO_POSTINGS_FOR_ACT: nothing awaits delivery")
        act = FakeAct(
            30_000_000 + len(self.acts) + 1,
            method,
            refs,
            self.act_polls,
            int(body.get("containers_count") or 0),
        )
        self.acts[act.id] = act
        for ref in refs:
            self.postings[ref].in_act = act.id
        return json_response({"result": {"id": act.id}})

    def _act(self, body: dict[str, Any]) -> FakeAct | Response:
        act = self.acts.get(body["id"])
        return _error(404, 5, f"act {body['id']} not found") if act is None else act

    def _act_status(self, body: dict[str, Any]) -> Response:
        act = self._act(body)
        if isinstance(act, Response):
            return act
        ready = act.polls_left <= 0
        act.polls_left -= 1
        result = {
            "act_type": "sorting_center",
            "added_to_act": act.postings if ready else [],
            "removed_from_act": [],
            "status": "ready" if ready else "in_process",
            "is_partial": False,
            "has_postings_for_next_carriage": False,
            "partial_num": 0,
        }
        return json_response({"result": result})

    def _act_pdf(self, body: dict[str, Any]) -> Response:
        act = self._act(body)
        if isinstance(act, Response):
            return act
        if act.polls_left >= 0:
            return _error(400, 3, "act is not ready")
        lines = [f"Act {act.id}: {len(act.postings)} postings"] + act.postings[:8]
        return _pdf_response(barcode_pdf([(str(act.id), lines)], (210, 297)))

    def _act_labels(self, body: dict[str, Any]) -> Response:
        act = self._act(body)
        if isinstance(act, Response):
            return act
        pages = [
            (f"{act.id}-{n}", [f"Container {n}"]) for n in range(1, max(act.containers, 1) + 1)
        ]
        return _pdf_response(barcode_pdf(pages, (75, 120)))

    def _chat_start(self, body: dict[str, Any]) -> Response:
        ref = body["posting_number"]
        if self._known(ref) is None:
            return _error(404, 5, "posting not found")
        chat_id = self.chats.setdefault(ref, f"b0c0{len(self.chats):04d}-chat-{ref}")
        return json_response({"result": {"chat_id": chat_id}})

    def _chat_send(self, body: dict[str, Any]) -> Response:
        if body["chat_id"] not in self.chats.values():
            return _error(404, 5, "chat not found")
        self.messages.append((body["chat_id"], body["text"]))
        return json_response({"result": "success"})


@contextmanager
def serving(now: datetime) -> Iterator[FakeOzon]:
    """A fake Ozon serving for the test's length; afterwards every request our client sent
    and every answer the fake gave must have matched the schema."""
    server = FakeOzon(now=now)
    server.start()
    try:
        yield server
    finally:
        server.stop()
    assert server.invalid == [] and server.bad_responses == []
