"""A marketplace fake on a real local HTTP port: routes, recorded requests, injected faults.

Each marketplace's fake (`fake_wb.py`, `fake_ozon.py`) adds its routes and a
`validate` hook that checks every request against the published API (the WB
OpenAPI document, the Ozon schema written from public clients). A request that
does not validate is answered 400 *and* recorded in `invalid`, so a test can
assert none was sent: our client is checked against the spec, not our guesses.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

Handler = Callable[[Request, dict[str, str]], Response]


@dataclass
class Fault:
    """What the next matching request gets instead of a normal answer."""

    path: str  # exact path, or "*" for any
    status: int = 0  # answer this status (429, 500...) without acting
    delay_s: float = 0.0  # sleep this long first (longer than the client's timeout: a timeout)
    #: Act (change state) as normal, then answer only after `delay_s` (give it more than
    #: the client's timeout): the client saw nothing, the marketplace did it. A lost reply.
    act_then_drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        headers=headers or {},
        content_type="application/json",
    )


class _Quiet(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class FakeMarketplace:
    """Subclasses register routes with `route(method, pattern, handler)`; patterns use
    `{name}` segments. Start with `start()`, stop with `stop()`; `url` is the base URL."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, list[str], Handler]] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.invalid: list[str] = []
        self.faults: deque[Fault] = deque()
        self.lock = threading.RLock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up -----------------------------------------------------------------------
    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method.upper(), pattern.strip("/").split("/"), handler))

    def validate(self, request: Request) -> str:
        """'' when the request follows the published API, else what is wrong."""
        return ""

    def authorized(self, request: Request) -> bool:
        return True

    def inject(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    # -- serving ----------------------------------------------------------------------
    def start(self) -> FakeMarketplace:
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_Quiet
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"

    def calls(self, path: str) -> list[Any]:
        """The JSON bodies (or query) of the requests sent to `path`, in order."""
        with self.lock:
            return [body for _, p, body in self.requests if p == path]

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self._dispatch(request)(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        body: Any
        try:
            body = request.get_json(silent=True) if request.data else dict(request.args)
        except Exception:
            body = request.get_data(as_text=True)
        with self.lock:
            self.requests.append((request.method, path, body))
        fault = self._take_fault(path)
        if fault is not None and fault.delay_s and not fault.act_then_drop:
            time.sleep(fault.delay_s)
        if fault is not None and fault.status:
            return json_response(
                fault.body if fault.body is not None else {"message": "injected"},
                fault.status,
                fault.headers,
            )
        if not self.authorized(request):
            return json_response({"message": "unauthorized"}, 401)
        problem = self.validate(request)
        if problem:
            with self.lock:
                self.invalid.append(f"{request.method} {path}: {problem}")
            return json_response({"message": f"request does not follow the API: {problem}"}, 400)
        handler, params = self._match(request.method, path)
        if handler is None:
            return json_response({"message": f"no route {request.method} {path}"}, 404)
        with self.lock:
            response = handler(request, params)
        if fault is not None and fault.act_then_drop:
            time.sleep(fault.delay_s or 3.0)
        return response

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in list(self.faults):
                if fault.path in ("*", path):
                    self.faults.remove(fault)
                    return fault
        return None

    def _match(self, method: str, path: str) -> tuple[Handler | None, dict[str, str]]:
        parts = path.strip("/").split("/")
        for route_method, pattern, handler in self._routes:
            if route_method != method or len(pattern) != len(parts):
                continue
            params: dict[str, str] = {}
            for want, got in zip(pattern, parts, strict=True):
                if want.startswith("{") and want.endswith("}"):
                    params[want[1:-1]] = got
                elif want != got:
                    break
            else:
                return handler, params
        return None, {}
