"""The Ozon fake itself: it refuses what Ozon would refuse, it answers what the schema
says Ozon answers, and its label is a real PDF whose barcode a scanner reads.

If the fake were lenient, the client tests would prove nothing: these tests send it
what a careless client would (a misspelt field, an unknown path, no key) and read
its label the way the floor does (pypdfium2 at the label printer's 203 dpi, zxing-cpp).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
from jsonschema import Draft202012Validator

from packstation.channels.base import ChannelError
from packstation.channels.ozon import _pdf
from tests.channels.fake_ozon import CLIENT_ID, KEY, FakeOzon, problem, spec, validator
from tests.channels.test_ozon_client import client
from tests.labels.zxing_decode import code128, read_pdf

HEADERS = {"Client-Id": CLIENT_ID, "Api-Key": KEY}


@pytest.fixture
def fake() -> Iterator[FakeOzon]:
    server = FakeOzon()
    server.start()
    yield server
    server.stop()
    assert server.bad_responses == []


def post(
    fake: FakeOzon, path: str, body: object, headers: dict[str, str] = HEADERS
) -> httpx.Response:
    return httpx.post(fake.url + path, json=body, headers=headers, timeout=5)


def test_the_schema_is_draft_2020_12_and_closed() -> None:
    document = spec()
    Draft202012Validator.check_schema(document)
    assert set(document["requests"]) == set(document["responses"])
    ship = validator("requests", "/v4/posting/fbs/ship")
    good = {
        "posting_number": "1-1-1",
        "packages": [{"products": [{"product_id": 7, "quantity": 1}]}],
    }
    assert problem(ship, good) == ""
    misspelt = {**good, "postingnumber": "1-1-1"}
    assert "postingnumber" in problem(ship, misspelt)
    assert problem(ship, {"posting_number": "1-1-1", "packages": []}) != ""
    listing = validator("requests", "/v3/posting/fbs/unfulfilled/list")
    both = {
        "filter": {
            "cutoff_from": "2026-03-01T09:00:00Z",
            "cutoff_to": "2026-03-16T09:00:00Z",
            "delivering_date_from": "2026-03-01T09:00:00Z",
            "delivering_date_to": "2026-03-16T09:00:00Z",
        },
        "limit": 1000,
        "offset": 0,
    }
    assert problem(listing, both) != ""  # Ozon: cutoff or delivering_date, never both
    assert problem(listing, {**both, "filter": {"cutoff_from": "yesterday"}}) != ""


def test_a_request_off_the_schema_is_answered_400_and_recorded(fake: FakeOzon) -> None:
    answer = post(fake, "/v6/fbs/posting/product/exemplar/create-or-get", {"posting": "1-1-1"})
    assert answer.status_code == 400
    assert "posting" in answer.json()["message"]
    answer = post(fake, "/v2/posting/fbs/list", {})
    assert answer.status_code == 400
    assert len(fake.invalid) == 2 and "not a path" in fake.invalid[1]
    fake.invalid.clear()


def test_without_the_accounts_key_401(fake: FakeOzon) -> None:
    assert post(fake, "/v1/seller/info", {}, {"Client-Id": CLIENT_ID}).status_code == 401
    wrong = {"Client-Id": "7654321", "Api-Key": KEY}
    assert post(fake, "/v1/seller/info", {}, wrong).status_code == 401
    assert post(fake, "/v1/seller/info", {}).status_code == 200


def test_an_answer_off_the_schema_is_recorded(fake: FakeOzon) -> None:
    fake.company = {"name": "Без ИНН"}  # Ozon always names the company's INN
    post(fake, "/v1/seller/info", {})
    assert fake.bad_responses and "inn" in fake.bad_responses[0]
    fake.bad_responses.clear()


def test_the_label_reads_as_the_posting_number_at_203_dpi(fake: FakeOzon) -> None:
    fake.add_product("TOWEL")
    ref = fake.add_posting([("TOWEL", 2)])
    market = client(fake)
    [posting] = market.postings_to_pack()
    item = posting.items[0]
    first, second = market.ship(posting, [[(item.product_ref, 1)], [(item.product_ref, 1)]])
    assert first == ref
    for number in (first, second):
        document = market.label(number)
        assert read_pdf(document.data, 203) == [{code128(number)}]
        assert read_pdf(document.data, 300) == [{code128(number)}]
    assert fake.invalid == []


def test_a_label_in_the_json_wrapper_some_clients_expect_is_taken_too() -> None:
    pdf = b"%PDF-1.4\n%fake\n"
    wrapped = {"content_type": "application/pdf", "file_name": "label.pdf"}
    wrapped["file_content"] = base64.b64encode(pdf).decode()
    response = httpx.Response(200, content=json.dumps(wrapped).encode())
    assert _pdf("ozon-main", "/v2/posting/fbs/package-label", response) == pdf
    with pytest.raises(ChannelError, match="not a PDF"):
        _pdf("ozon-main", "/v2/posting/fbs/package-label", httpx.Response(200, text="{}"))


def test_bulk_seeding_is_cheap(fake: FakeOzon) -> None:
    refs = fake.add_postings(10_000, products=200)
    assert len(set(refs)) == 10_000 and len(fake.products) == 200
