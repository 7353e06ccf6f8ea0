"""Ozon FBS through the Seller API (api-seller.ozon.ru), behind `base.Marketplace`.

Ozon publishes no OpenAPI file we vendor, so every path and field here follows the
schema written from public clients and Ozon's own published document
(`tests/channels/specs/ozon-fbs.schema.json`, sources in `ozon-README.md`); the fake
in the tests rejects any request that does not follow it. Every call goes through
`ChannelHttp` (limit, timeout, retry, record). Calls that change something at Ozon
and would do it twice if repeated (ship, exemplar set, act create, a chat message) are
sent `idempotent=False`; ship and exemplar set are checked first (done already: not
again) and a lost reply to them is answered by asking Ozon what happened.
JSON mapping lives in `ozon_map.py`.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from typing import Any

import httpx

from packstation.channels.base import (
    Account,
    ChannelError,
    Document,
    MarkVerdict,
    NotReady,
    Posting,
    PostingState,
    UnitMarks,
)
from packstation.channels.http import (
    ChannelHttp,
    LostReply,
    Monotonic,
    Recorder,
    Sleep,
    TokenBucket,
    refusal_words,
)
from packstation.channels.ozon_map import (
    CHECKING,
    ProductCache,
    ProductInfo,
    ProductStore,
    Sent,
    already_set,
    assign,
    box_order,
    check_result,
    contents_of,
    exemplar_set,
    label_codes,
    marks_taken,
    posting_of,
    product_of,
    reported_marks,
    skus_of,
    state_of,
    timestamp,
    validation_body,
    validation_problems,
    warehouse_of,
)
from packstation.channels.settings import ChannelSettings, Secret
from packstation.clock import Clock

#: Ozon allows 50 requests a second per Client-Id over all methods (a-ulianov/OzonAPI
#: config, citing Ozon's docs). Stations, the sync and the seller's other tools share
#: that Client-Id, so a client that is not told otherwise takes a fifth of it.
DEFAULT_RPS = 10.0
#: `limit` of `/v3/posting/fbs/unfulfilled/list` (Ozon: at most 1000).
PAGE = 1000
#: Identifiers per `/v3/product/info/list` or attributes request (Ozon: at most 1000).
PRODUCT_BATCH = 1000
#: Postings whose cutoff passed less than this ago are still listed: late, still to pack.
OVERDUE_LOOKBACK = timedelta(days=1)
#: Waits between polls of an Ozon task (exemplar check, act), and how many polls at most.
POLL_S = 1.0
MARK_POLLS = 30
ACT_POLLS = 60
#: After a lost reply to ship: polls while Ozon says the ship is in progress.
SHIP_CHECKS = 10

UNFULFILLED = "/v3/posting/fbs/unfulfilled/list"
GET = "/v3/posting/fbs/get"
SHIP = "/v4/posting/fbs/ship"
LABEL = "/v2/posting/fbs/package-label"
EXEMPLARS = "/v6/fbs/posting/product/exemplar/create-or-get"
VALIDATE = "/v5/fbs/posting/product/exemplar/validate"
SET = "/v6/fbs/posting/product/exemplar/set"
STATUS = "/v5/fbs/posting/product/exemplar/status"
ACT_CREATE = "/v2/posting/fbs/act/create"
ACT_STATUS = "/v2/posting/fbs/act/check-status"
ACT_PDF = "/v2/posting/fbs/act/get-pdf"
ACT_LABELS = "/v2/posting/fbs/act/get-container-labels"
#: Ozon's answers that are an error about the request, not about the call (RpcStatus).
REFUSALS = frozenset({400, 404, 409})


class OzonMarketplace:
    """One Ozon seller account (a Client-Id and its Api-Key)."""

    kind = "ozon"
    #: Ozon makes each package a posting of its own, with its own label.
    label_per_package = True

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
        self.name = settings.name
        self.settings = settings
        key = api_key if api_key is not None else settings.api_key()
        rps = settings.rps or DEFAULT_RPS
        # No burst: one call every 1/rps s keeps any second at `rps` even from idle (a
        # burst of `rps` on top of the refill would allow 2 * rps - 1 in one second).
        self._bucket = TokenBucket(1.0 / rps, 1, monotonic=monotonic)
        self._http = ChannelHttp(
            settings.name,
            settings.url,
            {"Client-Id": settings.client_id, "Api-Key": key.reveal()},
            timeout_s=settings.timeout_s,
            recorder=recorder,
            sleep=sleep,
            monotonic=monotonic,
            transport=transport,
        )
        self._sleep = sleep
        self._now = now
        memory: dict[str, ProductInfo] = {}
        self._cached = product_cache if product_cache is not None else memory.get
        self._store = product_store if product_store is not None else memory.__setitem__
        #: Postings the last `close_handoff` could not put in today's act (Ozon's
        #: `removed_from_act`): they go with the next shipment.
        self.removed_from_act: tuple[str, ...] = ()

    def close(self) -> None:
        self._http.close()

    # -- plumbing -----------------------------------------------------------------------
    def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        idempotent: bool = True,
        accept: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """Every Ozon call is a POST with a JSON body; a refused key is said plainly."""
        try:
            return self._http.call(
                "POST", path, json=body, bucket=self._bucket, idempotent=idempotent, accept=accept
            )
        except LostReply:
            raise
        except ChannelError as exc:
            if exc.status == 401:
                raise ChannelError(
                    f"{self.name}: Ozon refused Client-Id {self.settings.client_id} with this "
                    f"Api-Key (401): check client_id and the key in "
                    f"{self.settings.api_key_env or self.settings.api_key_file}",
                    status=401,
                ) from None
            raise

    def _json(
        self, path: str, body: Mapping[str, Any], *, idempotent: bool = True
    ) -> dict[str, Any]:
        return _body(self.name, path, self._post(path, body, idempotent=idempotent))

    def _posting(self, ref: str, **with_: bool) -> dict[str, Any] | None:
        """`/v3/posting/fbs/get`; None when Ozon has no such posting."""
        body: dict[str, Any] = {"posting_number": ref}
        if with_:
            body["with"] = with_
        response = self._post(GET, body, accept=frozenset({404}))
        if response.status_code == 404:
            return None
        result = _body(self.name, GET, response).get("result")
        return result if isinstance(result, dict) else None

    # -- the protocol ---------------------------------------------------------------------
    def account(self) -> Account:
        """`/v1/seller/info` (a-ulianov/OzonAPI; not in the older published document):
        the company's name on Ozon, and its INN as the identity."""
        company = self._json("/v1/seller/info", {}).get("company") or {}
        name = str(company.get("name") or company.get("legal_name") or "")
        return Account(name=name, ident=str(company.get("inn") or self.settings.client_id))

    def postings_to_pack(self) -> Iterator[Posting]:
        """`awaiting_packaging` postings whose cutoff (`shipment_date`) falls between a day
        ago and `days_ahead` from now, 1000 a page by offset. Products are asked for per
        page, only those the cache does not know: two product requests (barcodes,
        weight and size) per thousand new SKUs, whatever the number of postings."""
        now = self._now()
        wanted = set(self.settings.warehouses)
        flt: dict[str, Any] = {
            "cutoff_from": timestamp(now - OVERDUE_LOOKBACK),
            "cutoff_to": timestamp(now + timedelta(days=self.settings.days_ahead)),
            "status": "awaiting_packaging",
        }
        if wanted and all(w.isdigit() for w in wanted):
            flt["warehouse_id"] = sorted(int(w) for w in wanted)
        offset = 0
        while True:
            body = {
                "dir": "asc",
                "filter": flt,
                "limit": PAGE,
                "offset": offset,
                "with": {"analytics_data": True, "barcodes": True, "financial_data": False},
            }
            result = self._json(UNFULFILLED, body).get("result") or {}
            page = [p for p in result.get("postings") or [] if isinstance(p, dict)]
            mine = [p for p in page if not wanted or warehouse_of(p) in wanted]
            products = self._products(skus_of(mine))
            for raw in mine:
                yield posting_of(raw, products)
            if len(page) < PAGE:
                return
            offset += len(page)

    def states(self, refs: Sequence[str]) -> dict[str, PostingState]:
        """One `/v3/posting/fbs/get` per posting; one Ozon does not know is OTHER."""
        found: dict[str, PostingState] = {}
        for ref in refs:
            raw = self._posting(ref)
            found[ref] = PostingState.OTHER if raw is None else state_of(str(raw.get("status")))
        return found

    def submit_marks(self, posting: Posting, units: Sequence[UnitMarks]) -> list[MarkVerdict]:
        """Exemplars (create-or-get gives each unit its `exemplar_id`), then validate (Ozon
        checks each code's form), then set the whole posting's exemplars (Ozon wants the
        complete set every time) and poll the status until Chestny ZNAK has answered.
        Exemplars that already carry these codes (an earlier attempt, a held order picked
        up again) are not set again: the status is read. Whether a product needs a code
        was known before (the posting's `requirements`, `ozon_map.posting_of`). When Ozon
        refuses a code's form nothing is saved: the other codes come back accepted and the
        station sends every unit again once the refused one is rescanned."""
        ref = posting.ref
        current = self._json(EXEMPLARS, {"posting_number": ref})
        verdicts, assigned, sent = assign(current, units)
        if not sent:
            return verdicts
        if already_set(current, assigned):
            return verdicts + self._verdicts(ref, sent)
        answer = self._json(VALIDATE, validation_body(ref, sent))
        problems = validation_problems(answer)
        if problems:
            return verdicts + [
                MarkVerdict(p, code, (p, code) not in problems, problems.get((p, code), ""))
                for p, marks in sent
                for code in (m["mark"] for m in marks)
            ]
        self._set(ref, exemplar_set(ref, current, assigned), sent)
        return verdicts + self._verdicts(ref, sent)

    def ship(self, posting: Posting, boxes: Sequence[Sequence[tuple[str, int]]]) -> list[str]:
        """`/v4/posting/fbs/ship`, one package per box (`product_id` is the Ozon SKU).
        Ozon answers the package postings' numbers. The posting is asked for first, and
        again after a lost reply: shipped already (an earlier attempt, a held order picked
        up again), its numbers (Ozon splits a posting of several packages into several
        postings, `related_postings`), nothing sent; still `awaiting_packaging` and not
        being shipped, it is sent (once more at most)."""
        body = {
            "packages": [
                {"products": [{"product_id": int(ref), "quantity": qty} for ref, qty in box]}
                for box in boxes
            ],
            "posting_number": posting.ref,
        }
        numbers = self._shipped_as(posting.ref)
        if numbers is not None:
            return self._in_box_order(numbers, boxes)
        for _ in range(2):
            try:
                answer = self._json(SHIP, body, idempotent=False)
            except LostReply:
                numbers = self._shipped_as(posting.ref)
                if numbers is not None:
                    return self._in_box_order(numbers, boxes)
                continue
            return [str(n) for n in answer.get("result") or []] or [posting.ref]
        raise ChannelError(
            f"{self.name}: whether {posting.ref} was shipped is not known after two lost "
            "replies; check it in the Ozon seller account before shipping again",
            retryable=True,
        )

    def label(self, ref: str) -> Document:
        """`/v2/posting/fbs/package-label`: the PDF itself. Ozon asks for 45-60 s after ship
        and meanwhile answers "The next postings aren't ready": `NotReady`, the caller asks
        again. The label's barcode is taken to be the posting number; it also carries
        the package posting's own `barcodes` (upper and lower, diPhantxm/ozon-api-client
        `FBSBarcode`), read once the label came: the scan-back takes any of the three."""
        response = self._post(LABEL, {"posting_number": [ref]}, accept=REFUSALS)
        if response.status_code != 200:
            reason = refusal_words(response)
            if "aren't ready" in reason or "not ready" in reason.lower():
                raise NotReady(f"{self.name}: the label of {ref} is not ready yet ({reason})")
            raise ChannelError(
                f"{self.name}: no label for {ref}: Ozon answered {response.status_code}: {reason}",
                status=response.status_code,
            )
        data = _pdf(self.name, LABEL, response)
        codes = label_codes(self._posting(ref, barcodes=True) or {})
        return Document(kind="pdf", data=data, barcode=ref, codes=codes)

    def close_handoff(self, refs: Sequence[str]) -> list[Document]:
        """An act per delivery method of these postings (`/v2/posting/fbs/act/create`),
        polled until `ready`, then its PDF (shipping list and waybill) and its container
        labels. Container labels exist only for sellers on trusted acceptance; a refusal
        of those is not an error. Act create is not repeated: a lost reply is raised."""
        methods: dict[int, list[str]] = {}
        for ref in refs:
            raw = self._posting(ref)
            if raw is None:
                raise ChannelError(f"{self.name}: Ozon does not know posting {ref}")
            method = int((raw.get("delivery_method") or {}).get("id") or 0)
            if not method:
                raise ChannelError(f"{self.name}: Ozon names no delivery method for {ref}")
            methods.setdefault(method, []).append(ref)
        documents: list[Document] = []
        removed: list[str] = []
        for method in sorted(methods):
            act_body = {"delivery_method_id": method, "departure_date": timestamp(self._now())}
            created = self._json(ACT_CREATE, act_body, idempotent=False).get("result") or {}
            act = int(created.get("id") or 0)
            status = self._act_ready(act)
            removed.extend(str(r) for r in status.get("removed_from_act") or [])
            pdf = self._post(ACT_PDF, {"id": act})
            documents.append(Document(kind="pdf", data=_pdf(self.name, ACT_PDF, pdf)))
            labels = self._post(ACT_LABELS, {"id": act}, accept=REFUSALS)
            if labels.status_code == 200:
                documents.append(Document(kind="pdf", data=_pdf(self.name, ACT_LABELS, labels)))
        self.removed_from_act = tuple(removed)
        return documents

    def message_buyer(self, ref: str, text: str) -> None:
        """`/v1/chat/start` (the posting's chat; asking again gives the same chat) then
        `/v1/chat/send/message`, which is not repeated after a lost reply."""
        started = self._json("/v1/chat/start", {"posting_number": ref}).get("result") or {}
        chat_id = str(started.get("chat_id") or "")
        if not chat_id:
            raise ChannelError(f"{self.name}: Ozon opened no chat for {ref}")
        self._post("/v1/chat/send/message", {"chat_id": chat_id, "text": text}, idempotent=False)

    # -- steps ----------------------------------------------------------------------------
    def _products(self, skus: Sequence[str]) -> dict[str, ProductInfo]:
        """Barcodes from `/v3/product/info/list`, weight and size from
        `/v4/product/info/attributes`, for the SKUs the cache does not know yet."""
        found: dict[str, ProductInfo] = {}
        missing: list[str] = []
        for sku in skus:
            info = self._cached(sku)
            if info is None:
                missing.append(sku)
            else:
                found[sku] = info
        for start in range(0, len(missing), PRODUCT_BATCH):
            batch = missing[start : start + PRODUCT_BATCH]
            listed = self._json("/v3/product/info/list", {"sku": batch}).get("items") or []
            infos = {str(i.get("sku")): i for i in listed if isinstance(i, dict)}
            attributes = self._attributes(batch)
            for sku in batch:
                found[sku] = product_of(infos.get(sku), attributes.get(sku))
                self._store(sku, found[sku])
        return found

    def _attributes(self, skus: list[str]) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        last_id = ""
        while True:
            body: dict[str, Any] = {"filter": {"sku": skus, "visibility": "ALL"}}
            body["limit"] = PRODUCT_BATCH
            if last_id:
                body["last_id"] = last_id
            answer = self._json("/v4/product/info/attributes", body)
            page = [r for r in answer.get("result") or [] if isinstance(r, dict)]
            rows.update((str(r.get("sku")), r) for r in page)
            last_id = str(answer.get("last_id") or "")
            if len(page) < PRODUCT_BATCH or not last_id:
                return rows

    def _set(self, ref: str, body: Mapping[str, Any], sent: Sent) -> None:
        """Exemplar set, never resent blindly: after a lost reply the status says whether
        Ozon took these codes; only if it did not is the set sent once more."""
        for _ in range(2):
            try:
                self._post(SET, body, idempotent=False)
                return
            except LostReply:
                if marks_taken(self._json(STATUS, {"posting_number": ref}), sent):
                    return
        raise ChannelError(
            f"{self.name}: whether Ozon took the marking codes of {ref} is not known after "
            "two lost replies; they are asked for again later",
            retryable=True,
        )

    def _verdicts(self, ref: str, sent: Sent) -> list[MarkVerdict]:
        """Each code's verdict once Ozon's check is over."""
        status = self._mark_status(ref)
        reported = reported_marks(status)
        overall = str(status.get("status", ""))
        verdicts = []
        for product_ref, marks in sent:
            for m in marks:
                accepted, reason = check_result(overall, reported.get((product_ref, m["mark"])))
                verdicts.append(MarkVerdict(product_ref, m["mark"], accepted, reason))
        return verdicts

    def _mark_status(self, ref: str) -> dict[str, Any]:
        """Exemplar set only starts a task: poll until Ozon is no longer checking."""
        for attempt in range(MARK_POLLS):
            if attempt:
                self._sleep(POLL_S)
            answer = self._json(STATUS, {"posting_number": ref})
            if answer.get("status") != CHECKING:
                return answer
        raise NotReady(f"{self.name}: Ozon is still checking the marking codes of {ref}")

    def _shipped_as(self, ref: str) -> list[str] | None:
        """The package numbers if Ozon shipped it, None if not (yet): before ship, and after
        a lost reply to it."""
        for attempt in range(SHIP_CHECKS):
            if attempt:
                self._sleep(POLL_S)
            raw = self._posting(ref, related_postings=True)
            if raw is None:
                raise ChannelError(f"{self.name}: Ozon does not know posting {ref}")
            status = str(raw.get("status", ""))
            if status == "cancelled":
                raise ChannelError(f"{self.name}: posting {ref} was cancelled; do not ship it")
            in_progress = "ship_async_in_process" in (raw.get("available_actions") or [])
            if status == "awaiting_packaging" and not in_progress:
                return None
            if status not in ("awaiting_packaging", "ship_in_process"):
                related = (raw.get("related_postings") or {}).get("related_posting_numbers")
                return [str(n) for n in related or []] or [ref]
        raise ChannelError(
            f"{self.name}: Ozon is still shipping {ref}; check it again later", retryable=True
        )

    def _in_box_order(
        self, numbers: list[str], boxes: Sequence[Sequence[tuple[str, int]]]
    ) -> list[str]:
        """`related_postings` in no documented order: each package's posting is found by
        its contents, so box n gets package n's label as it would from ship's answer."""
        if len(numbers) < 2 or len(numbers) != len(boxes):
            return numbers
        contents = {n: contents_of(self._posting(n) or {}) for n in numbers}
        return box_order(numbers, contents, boxes)

    def _act_ready(self, act: int) -> dict[str, Any]:
        for attempt in range(ACT_POLLS):
            if attempt:
                self._sleep(POLL_S)
            result = self._json(ACT_STATUS, {"id": act}).get("result") or {}
            status = str(result.get("status", ""))
            if status == "ready":
                return result
            if status in ("error", "cancelled"):
                raise ChannelError(f"{self.name}: Ozon could not make act {act} ({status})")
        raise ChannelError(
            f"{self.name}: act {act} is still being made; its documents are in the Ozon "
            "seller account when ready",
            retryable=True,
        )


def _body(channel: str, path: str, response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise ChannelError(f"{channel}: {path} answered something that is not JSON") from None
    if not isinstance(body, dict):
        raise ChannelError(f"{channel}: {path} answered JSON that is not an object")
    return body


def _pdf(channel: str, path: str, response: httpx.Response) -> bytes:
    """The file as Ozon sends it: the PDF itself (its documented `application/pdf`); the
    JSON wrapper some clients expect (`file_content` in base64) is taken too."""
    data = response.content
    if not data.startswith(b"%PDF"):
        try:
            data = base64.b64decode(str(response.json().get("file_content", "")), validate=True)
        except (ValueError, AttributeError, binascii.Error):
            data = b""
    if not data.startswith(b"%PDF"):
        raise ChannelError(f"{channel}: {path} answered something that is not a PDF")
    return data
