"""WB's hosts and published limits: which host and token bucket each call goes through.

Each limit below is the table in the spec's method descriptions ("Период | Лимит |
Интервал | Всплеск"): a token bucket of `burst` tokens refilled one per interval.
"Один запрос с кодом ответа 409 учитывается как 10 запросов": a 409 costs 9 more.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from packstation.channels.base import ChannelError
from packstation.channels.http import (
    ChannelHttp,
    LostReply,
    Monotonic,
    Recorder,
    Sleep,
    TokenBucket,
    refusal_words,
)
from packstation.channels.settings import ChannelSettings, Secret

#: One host per API group (the spec's `servers`); `settings.base_url` replaces them all.
HOSTS = {
    "marketplace": "https://marketplace-api.wildberries.ru",
    "common": "https://common-api.wildberries.ru",
    "content": "https://content-api.wildberries.ru",
    "chat": "https://buyer-chat-api.wildberries.ru",
}


@dataclass(frozen=True, slots=True)
class Limit:
    host: str
    interval_s: float
    burst: int
    conflict_cost: float = 0.0
    #: The token category WB wants for it (told when the key is refused).
    category: str = ""


LIMITS = {
    # FBS assembly tasks, supplies, passes: 300 a minute, 200 ms, burst 20.
    "orders": Limit("marketplace", 0.2, 20, 9.0, "Marketplace"),
    # Setting FBS metadata (marks): 1000 a minute, 60 ms, burst 20.
    "meta": Limit("marketplace", 0.06, 20, 9.0, "Marketplace"),
    # Content (product cards): 100 a minute, 600 ms, burst 5.
    "content": Limit("content", 0.6, 5, 0.0, "Content"),
    # Seller info: 1 a minute, burst 10.
    "seller": Limit("common", 60.0, 10, 0.0, "any"),
    # Buyer chat: 10 per 10 seconds, 1 s, burst 10.
    "chat": Limit("chat", 1.0, 10, 0.0, "Buyer chat"),
}


class WbApi:
    """The HTTP side of one WB account: a pooled `ChannelHttp` per host, a bucket per
    limit, and the key in the `Authorization` header exactly as the spec's
    `HeaderApiKey` scheme says (the token itself, no "Bearer")."""

    def __init__(
        self,
        settings: ChannelSettings,
        key: Secret,
        *,
        recorder: Recorder | None = None,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.channel = settings.name
        self._settings = settings
        self._key = key
        self._recorder = recorder
        self._sleep = sleep
        self._monotonic = monotonic
        self._transport = transport
        self._clients: dict[str, ChannelHttp] = {}
        self._lock = threading.Lock()
        self.buckets = {
            name: TokenBucket(limit.interval_s, limit.burst, monotonic=monotonic)
            for name, limit in LIMITS.items()
        }

    def _client(self, host: str) -> ChannelHttp:
        with self._lock:
            client = self._clients.get(host)
            if client is None:
                client = self._clients[host] = ChannelHttp(
                    self.channel,
                    self._settings.base_url or HOSTS[host],
                    {"Authorization": self._key.reveal(), "Accept": "application/json"},
                    timeout_s=self._settings.timeout_s,
                    recorder=self._recorder,
                    sleep=self._sleep,
                    monotonic=self._monotonic,
                    transport=self._transport,
                )
            return client

    def call(
        self,
        group: str,
        method: str,
        path: str,
        *,
        idempotent: bool,
        json: Any = None,
        params: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
        accept: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        limit = LIMITS[group]
        try:
            return self._client(limit.host).call(
                method,
                path,
                json=json,
                params=params,
                files=files,
                bucket=self.buckets[group],
                idempotent=idempotent,
                accept=accept,
                conflict_cost=limit.conflict_cost,
            )
        except LostReply:
            raise
        except ChannelError as exc:
            if exc.status in (401, 403):
                raise ChannelError(
                    f"{exc} - Wildberries refused the API key: check that the token is valid "
                    f"and has the {limit.category} category",
                    status=exc.status,
                ) from None
            raise

    def json(self, group: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A call whose answer is a JSON object (anything else is the marketplace's fault)."""
        response = self.call(group, method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ChannelError(
                f"{self.channel}: {method} {path} answered {response.status_code} "
                "without the JSON object the API publishes",
                retryable=True,
            )
        return body

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


#: WB's own words for a refusal (`message`, or `detail` on the gateway's errors).
words = refusal_words
