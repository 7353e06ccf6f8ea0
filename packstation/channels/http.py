"""One HTTP path for every marketplace call: limits, timeouts, retries, and a record of each.

Why one place: the marketplaces punish a seller account that ignores their limits
(Ozon per Client-Id per second; WB per minute with a burst, a 409 costing ten),
and a call that changes something at the marketplace (ship, supply create,
exemplar set) must never be sent twice blindly when its reply was lost. The
channel modules say which calls are safe to repeat; this module does the rest.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from packstation.channels.base import CallRecord, ChannelError

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]
Recorder = Callable[[CallRecord], None]


class LostReply(ChannelError):
    """A call that changes state was sent but its answer never came: check before redoing."""

    def __init__(self, message: str):
        super().__init__(message, retryable=False)


class TokenBucket:
    """`burst` requests at once, then one every `interval_s`: how both marketplaces publish
    their limits (WB: 300 a minute = one per 200 ms, bursts of 20; Ozon: n per second).

    In memory, so one per process: processes sharing an account each spend their own
    (docs/channels.md says what to set `rps` to for N of them)."""

    def __init__(
        self, interval_s: float, burst: int, *, monotonic: Monotonic = time.monotonic
    ) -> None:
        self.interval_s = interval_s
        self.burst = burst
        self._monotonic = monotonic
        self._tokens = float(burst)
        self._at = monotonic()
        self._lock = threading.Lock()

    def wait_time(self, cost: float = 1.0) -> float:
        """Take `cost` tokens; how long to sleep first (0 when they were there)."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) / self.interval_s)
            self._at = now
            self._tokens -= cost
            return 0.0 if self._tokens >= 0 else -self._tokens * self.interval_s

    def charge(self, cost: float) -> None:
        """Extra cost learned from the answer (a WB 409 counts as ten requests)."""
        with self._lock:
            self._tokens -= cost


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 5
    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with full jitter, so stations that failed together retry apart."""
        return rng.uniform(0, min(self.cap_s, self.base_s * 2 ** (attempt - 1)))


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ChannelHttp:
    """A pooled client for one account: every call limited, timed out, retried and recorded."""

    def __init__(
        self,
        channel: str,
        base_url: str,
        headers: Mapping[str, str],
        *,
        timeout_s: float = 10.0,
        retry: RetryPolicy | None = None,
        recorder: Recorder | None = None,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.channel = channel
        self._client = httpx.Client(
            base_url=base_url,
            headers=dict(headers),
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            follow_redirects=False,
        )
        self._retry = retry or RetryPolicy()
        self._recorder = recorder
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng or random.Random()

    def close(self) -> None:
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        bucket: TokenBucket | None = None,
        idempotent: bool,
        accept: frozenset[int] = frozenset(),
        conflict_cost: float = 0.0,
    ) -> httpx.Response:
        """Send, retrying what is safe to retry; a 2xx (or a status in `accept`) is returned.

        `files` sends a multipart form (WB's buyer chat): `{"field": (None, "text")}`.
        `idempotent=False` calls are retried only when the marketplace surely did not act
        (429, a refused connection); a timeout or a 5xx after sending raises `LostReply`.
        """
        attempt = 0
        while True:
            attempt += 1
            if bucket is not None:
                wait = bucket.wait_time()
                if wait > 0:
                    self._sleep(wait)
            started = self._monotonic()
            status: int | None = None
            error = ""
            sent = True
            response: httpx.Response | None = None
            try:
                response = self._client.request(method, path, json=json, params=params, files=files)
                status = response.status_code
            except httpx.ConnectError as exc:
                sent, error = False, f"cannot connect: {type(exc).__name__}"
            except httpx.TimeoutException as exc:
                error = f"timed out: {type(exc).__name__}"
            except httpx.TransportError as exc:
                error = f"connection failed: {type(exc).__name__}"
            finally:
                self._record(method, path, status, started, error, attempt)
            if response is not None and status is not None:
                if status == 409 and bucket is not None and conflict_cost:
                    bucket.charge(conflict_cost)
                if 200 <= status < 300 or status in accept:
                    return response
                if status not in RETRY_STATUSES:
                    words = refusal_words(response)
                    raise ChannelError(
                        f"{self.channel}: {method} {path} answered {status}: {words}",
                        status=status,
                    )
                if status != 429 and not idempotent:
                    raise LostReply(
                        f"{self.channel}: {method} {path} answered {status}; "
                        "whether it was done is not known"
                    )
            elif sent and not idempotent:
                raise LostReply(f"{self.channel}: {method} {path}: {error}; the reply was lost")
            if attempt >= self._retry.attempts:
                what = f"answered {status}" if status is not None else error
                raise ChannelError(
                    f"{self.channel}: {method} {path} {what} ({attempt} attempts)",
                    status=status,
                    retryable=True,
                )
            self._sleep(self._backoff(attempt, response))

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        """The marketplace's own hint when it gives one (Retry-After, X-Ratelimit-Retry)."""
        if response is not None:
            for header in ("Retry-After", "X-Ratelimit-Retry"):
                value = response.headers.get(header)
                if value is not None:
                    try:
                        return min(self._retry.cap_s, max(0.0, float(value)))
                    except ValueError:
                        pass
        return self._retry.delay(attempt, self._rng)

    def _record(
        self, method: str, path: str, status: int | None, started: float, error: str, attempt: int
    ) -> None:
        if self._recorder is None:
            return
        duration_ms = (self._monotonic() - started) * 1000
        self._recorder(
            CallRecord(self.channel, method, path, status, round(duration_ms, 1), error, attempt)
        )


def refusal_words(response: httpx.Response) -> str:
    """The marketplace's own words for a refusal, short: both put them in `message` (WB's
    gateway in `detail`, some answers in `error` or `title`)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "detail", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value[:200]
    return str(body)[:200]
