"""Outbox throughput: 10,000 queued notifications dispatched to a local webhook.

Prints sends/s of `dispatch_once` (claim, render, POST, mark, on SQLite in a temp
dir) next to a floor measured in the same run: bare POSTs of the same size to the
same listener with the same client (urllib, one connection per request), no
database and no rendering. Target (issue 4): >= 200 sends/s.

    python benchmarks/notify_throughput.py [--count 10000] [--batch 200] [--mark-every 50]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from packstation.clock import utcnow
from packstation.models.db import open_database
from packstation.models.outbox import Notification
from packstation.notify.dispatcher import dispatch_once
from packstation.notify.transports import WebhookTransport


class Listener:
    """A threaded HTTP server that reads each body and answers 204, counting keys."""

    def __init__(self) -> None:
        self.count = 0
        self.keys: set[str] = set()
        lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    listener.count += 1
                    listener.keys.add(self.headers.get("Idempotency-Key", ""))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def seed(url: str, count: int) -> None:
    db = open_database(url)
    now = utcnow() - timedelta(seconds=1)
    rows = [
        {
            "idempotency_key": f"bench:{i}",
            "order_id": f"ORD-{i}",
            "channel": "sms" if i % 2 else "email",
            "recipient": f"+7916{i:07}",
            "template": "order_defect",
            "locale": "ru" if i % 3 else "en",
            "payload": {
                "order_id": f"ORD-{i}",
                "customer_name": "Анна Петрова",
                "sku": "MUG-CER-350",
                "name": "Кружка керамическая 350 мл",
                "defect": "damaged",
                "resolution": "ship_short",
            },
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for i in range(count)
    ]
    with db.unit_of_work() as session:
        session.execute(insert(Notification), rows)
    db.dispose()


def raw_posts(url: str, count: int, body: bytes) -> float:
    """The floor: the same client and request, nothing else."""
    start = time.perf_counter()
    for i in range(count):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "Idempotency-Key": f"raw:{i}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument(
        "--mark-every", type=int, default=50, help="rows per outcome commit (1: one per send)"
    )
    args = parser.parse_args()
    listener = Listener()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            seed(url, args.count)
            db = open_database(url)
            transports = [WebhookTransport(listener.url)]
            sent = 0
            start = time.perf_counter()
            while True:
                report = dispatch_once(db, transports, batch=args.batch, mark_every=args.mark_every)
                sent += report.sent
                if report.sent + report.retried + report.dead == 0:
                    break
            elapsed = time.perf_counter() - start
            db.dispose()
        assert sent == args.count == len(listener.keys), (sent, len(listener.keys))
        dispatched = sent / elapsed
        body = json.dumps({"payload": "x" * 1500}).encode()  # about a rendered notification
        floor = raw_posts(listener.url, min(args.count, 3000), body)
    finally:
        listener.close()
    print(f"dispatcher (outcomes committed every {args.mark_every} rows): ", end="")
    print(f"{sent} notifications in {elapsed:.1f} s = {dispatched:,.0f} sends/s")
    print(f"raw POSTs (same listener, same client, no DB): {floor:,.0f} /s")
    print(
        f"dispatcher / raw: {dispatched / floor:.0%}   target >= 200 sends/s: "
        f"{'met' if dispatched >= 200 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
