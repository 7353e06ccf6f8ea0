"""The fake itself: it follows WB's published documents and refuses what they refuse,
so the client tests prove something about WB and not about our guesses."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.channels.fake_wb import KEY, SPEC_FILES, SPECS, FakeWildberries, published, running
from tests.channels.test_wb_client import connect

#: sha256 of the vendored documents as fetched: they must stay byte for byte WB's.
VENDORED = {
    "wb-01-general.yaml": "cd07867836935dde71afc6eac7d46823c84fc8670fc91054b32cf7fea0920a59",
    "wb-02-products.yaml": "234fc9c58b3437b3416eeaaca767a2c6bf15c2b9674821a4c4350f41d6ca7aaf",
    "wb-03-orders-fbs.yaml": "562cad8a696704c3f48f0f4954968c59a569739b538af21692747ac7e41f0e6c",
    "wb-09-communications.yaml": "b201ad869c3eef592949ef9e86ea8f1d5c5e025389167e014e25c85dbceef2d7",
}


@pytest.fixture
def fake() -> Iterator[FakeWildberries]:
    with running() as server:
        yield server


def send(fake: FakeWildberries, method: str, path: str, **kwargs: object) -> httpx.Response:
    headers = kwargs.pop("headers", {"Authorization": KEY})
    return httpx.request(method, fake.url + path, headers=headers, timeout=5, **kwargs)  # type: ignore[arg-type]


def test_the_specs_are_vendored_unchanged() -> None:
    for name in SPEC_FILES:
        digest = hashlib.sha256((SPECS / name).read_bytes()).hexdigest()
        assert digest == VENDORED[name], name
    assert "eslazarev/wildberries-sdk" in (SPECS / "README.md").read_text(encoding="utf-8")


def test_a_path_outside_the_published_api_is_refused(fake: FakeWildberries) -> None:
    response = send(fake, "GET", "/api/v3/orders/all")
    assert response.status_code == 400
    assert fake.invalid == [
        "GET /api/v3/orders/all: GET /api/v3/orders/all is not in WB's published API"
    ]


def test_a_deprecated_but_published_path_is_still_a_path(fake: FakeWildberries) -> None:
    assert published().find("patch", "/api/v3/supplies/WB-GI-1/orders/5") is not None
    assert published().find("patch", "/api/v3/supplies/WB-GI-1/orders") is None


def test_a_body_against_the_schema_is_refused(fake: FakeWildberries) -> None:
    response = send(fake, "POST", "/api/v3/orders/status", json={"orders": []})
    assert response.status_code == 400
    [problem] = fake.invalid
    assert "should be non-empty" in problem


def test_a_missing_query_parameter_is_refused(fake: FakeWildberries) -> None:
    send(fake, "POST", "/api/v3/orders/stickers", params={"type": "zpl"}, json={"orders": [1]})
    [problem] = fake.invalid
    assert "type" in problem or "width" in problem


def test_a_multipart_chat_message_is_checked_too(fake: FakeWildberries) -> None:
    response = send(fake, "POST", "/api/v1/seller/message", files={"message": (None, "hi")})
    assert response.status_code == 400
    assert fake.invalid and "replySign" in fake.invalid[0]


def test_the_key_goes_bare_in_authorization(fake: FakeWildberries) -> None:
    assert send(fake, "GET", "/api/v1/seller-info").status_code == 200
    bearer = {"Authorization": f"Bearer {KEY}"}
    assert send(fake, "GET", "/api/v1/seller-info", headers=bearer).status_code == 401
    assert send(fake, "GET", "/api/v1/seller-info", headers={}).status_code == 401


def test_an_answer_off_the_spec_is_caught(fake: FakeWildberries) -> None:
    fake.seller["sid"] = 42  # type: ignore[assignment]
    assert send(fake, "GET", "/api/v1/seller-info").status_code == 200
    [problem] = fake.bad_responses
    assert "42 is not of type 'string'" in problem
    assert fake.invalid == []


def test_ten_thousand_orders_are_cheap_to_seed(fake: FakeWildberries) -> None:
    started = time.perf_counter()
    ids = fake.add_orders(10_000)
    assert len(ids) == len(set(ids)) == 10_000
    assert time.perf_counter() - started < 2.0
    fake.check_responses = False  # a benchmark's setting: 10,000 rows validated is slow
    wb = connect(fake)
    assert sum(1 for _ in wb.client.postings_to_pack()) == 10_000
    assert fake.invalid == []


def test_readme_names_each_document() -> None:
    readme = (SPECS / "README.md").read_text(encoding="utf-8")
    for name in SPEC_FILES:
        assert name in readme
