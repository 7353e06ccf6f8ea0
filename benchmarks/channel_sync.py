"""Marketplace sync and the marketplace label at the bench, timed as people wait for them.

1. `packstation channels sync --once` as a whole process (spawn to exit) against a fake
   marketplace holding `--postings` postings to pack (over `--products` products), into
   an empty SQLite database; then again (nothing changed: what the worker does every
   minute). Peak RSS of the child. Floor, in the same run: a bare script reading the
   same list from the same fake (httpx, one call per page) and inserting the orders and
   their lines with sqlite3 (same WAL + synchronous=FULL), no validation.
   Target (issue 11): >= 500 postings/s, < 300 MB.
2. At the station: from the packer's last check to the marketplace's label printed (the
   agent sets the marking code, ships, fetches and prints the sticker; the fake answers
   at once), `--orders` orders, p50 / p95 / max. Target: p95 <= 1 s.

The fake runs in a process of its own (so its threads do not share our GIL) with its
spec validation off: what is timed is our side. Its answers are the same documents.

    python benchmarks/channel_sync.py [--postings 10000] [--products 200] [--orders 20]
        [--marketplace wildberries|ozon]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PACKSTATION = str(BIN / "packstation")
KEY_ENV = "BENCH_MARKETPLACE_KEY"
#: The fake Ozon's account (tests/channels/fake_ozon.CLIENT_ID).
OZON_CLIENT = "1234567"


# --- the fake, in its own process ---------------------------------------------------------


def serve(kind: str, postings: int, products: int) -> None:
    """Child: start the fake, seed it, print its URL and key, serve until stdin closes."""
    from packstation.clock import utcnow

    if kind == "wildberries":
        from tests.channels.fake_wb import KEY, FakeWildberries

        fake: Any = FakeWildberries(now=utcnow())
        fake.add_orders(postings, products=products)
    else:
        from tests.channels.fake_ozon import KEY, FakeOzon

        fake = FakeOzon(now=utcnow())
        fake.add_postings(postings, products=products)
    fake.check_requests = False
    fake.check_responses = False
    fake.start()
    print(json.dumps({"url": fake.url, "key": KEY}), flush=True)
    sys.stdin.read()
    fake.stop()


class Fake:
    def __init__(self, kind: str, postings: int, products: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--postings", str(postings),
             "--products", str(products)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        info = json.loads(self.proc.stdout.readline())
        self.url: str = info["url"]
        self.key: str = info["key"]

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


# --- 1. sync as a process -------------------------------------------------------------------


def config(tmp: Path, kind: str, url: str) -> Path:
    path = tmp / "station.toml"
    extra = f'client_id = "{OZON_CLIENT}"\n' if kind == "ozon" else ""
    path.write_text(
        f'[[channels]]\nkind = "{kind}"\nname = "bench"\nbase_url = "{url}"\n'
        f'api_key_env = "{KEY_ENV}"\n{extra}',
        encoding="utf-8",
    )
    return path


def timed_child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and the child's peak RSS in MB (ru_maxrss of a fresh child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return took, max(peak, before) / 1024


def bare_sync(kind: str, url: str, key: str, db: Path) -> tuple[float, int]:
    """The floor: list every posting, store orders and lines; nothing else."""
    code = f"""
import httpx, sqlite3, time
t = time.perf_counter()
client = httpx.Client(base_url={url!r}, timeout=30)
rows = []
if {kind!r} == "wildberries":
    body = client.get("/api/v3/orders/new", headers={{"Authorization": {key!r}}}).json()
    rows = [(str(o["id"]), o["article"], 1, ",".join(o.get("skus") or [])) for o in body["orders"]]
else:
    offset = 0
    while True:
        body = client.post("/v3/posting/fbs/unfulfilled/list",
            headers={{"Client-Id": {OZON_CLIENT!r}, "Api-Key": {key!r}}},
            json={{"dir": "ASC", "filter": {{"cutoff_from": "2020-01-01T00:00:00Z",
                "cutoff_to": "2100-01-01T00:00:00Z", "status": "awaiting_packaging"}},
                "limit": 1000, "offset": offset, "with": {{}}}}).json()["result"]
        for p in body["postings"]:
            for it in p["products"]:
                rows.append((p["posting_number"], it["offer_id"], it["quantity"], str(it["sku"])))
        offset += 1000
        if offset >= body["count"]:
            break
db = sqlite3.connect({str(db)!r})
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS o (id TEXT PRIMARY KEY)")
db.execute("CREATE TABLE IF NOT EXISTS l (order_id TEXT, sku TEXT, qty INT, codes TEXT)")
with db:
    db.executemany("INSERT OR IGNORE INTO o VALUES (?)", [(r[0],) for r in rows])
    db.executemany("INSERT INTO l VALUES (?, ?, ?, ?)", rows)
print(len(rows))
"""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return time.perf_counter() - started, int(done.stdout.strip() or 0)


def sync_figures(kind: str, postings: int, products: int) -> None:
    fake = Fake(kind, postings, products)
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            db = tmp / "bench.sqlite"
            env = {**os.environ, KEY_ENV: fake.key}
            cfg = config(tmp, kind, fake.url)
            subprocess.run([PACKSTATION, "db", "upgrade", "--db", str(db)], check=True,
                           capture_output=True, env=env)  # fmt: skip
            cmd = [PACKSTATION, "--config", str(cfg), "channels", "sync", "--once", "--db", str(db)]
            first, rss = timed_child(cmd, env)
            again, rss_again = timed_child(cmd, env)
            floor, bare_lines = bare_sync(kind, fake.url, fake.key, tmp / "bare.sqlite")
            count = sqlite3.connect(db).execute("SELECT count(*) FROM orders").fetchone()[0]
    finally:
        fake.stop()
    print(f"\n== sync: {kind}, {postings} postings over {products} products ==")
    print(f"stored orders: {count}; the bare floor stored {bare_lines} lines")
    print(f"first sync (process): {first:.2f} s = {postings / first:,.0f} postings/s, "
          f"peak RSS {rss:.0f} MB")  # fmt: skip
    print(f"again, nothing new:   {again:.2f} s = {postings / again:,.0f} postings/s, "
          f"peak RSS {rss_again:.0f} MB")  # fmt: skip
    print(f"bare floor (process): {floor:.2f} s = {postings / floor:,.0f} postings/s; "
          f"ours / bare = {first / floor:.1f}x")  # fmt: skip
    print(
        f"target >= 500 postings/s and < 300 MB: "
        f"{'met' if postings / first >= 500 and rss < 300 else 'NOT met'}"
    )


# --- 2. the marketplace label at the bench --------------------------------------------------


def label_figures(kind: str, orders: int) -> None:
    if kind != "wildberries":
        print("\n(label latency: measured on wildberries)")
        return
    from packstation.channels.settings import ChannelSettings, Secret
    from packstation.channels.sync import sync_channel
    from packstation.channels.wildberries import WildberriesMarketplace
    from packstation.clock import utcnow
    from packstation.devices.printer import open_printer
    from packstation.domain.codes import parse_code
    from packstation.domain.rules import PackRules
    from packstation.domain.workflow import Action, Key, ScaleReading, Scan
    from packstation.models.db import open_database
    from packstation.models.operators_repo import add_operator
    from packstation.station.results import RunResult
    from packstation.station.runner import StationRunner
    from tests.channels.fake_wb import KEY, FakeWildberries

    fake = FakeWildberries(now=utcnow())
    fake.check_requests = fake.check_responses = False
    fake.add_card(777, vendor_code="SNK-42", title="Кроссовки", weight_kg=0.78,
                  skus=("4605550001116",))  # fmt: skip
    ids = [fake.add_order(article="SNK-42", nm_id=777, skus=("4605550001116",),
                          required=("sgtin",)) for _ in range(orders)]  # fmt: skip
    fake.start()
    settings = ChannelSettings(kind="wildberries", name="wb", base_url=fake.url,
                               api_key_env="X")  # fmt: skip
    waits: list[float] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        db = open_database(f"sqlite:///{tmp / 'station.sqlite'}", auto_upgrade=True)
        with db.unit_of_work() as s:
            add_operator(s, badge="B-1", name="Bench", role="packer", pin_hash=None)
        client = WildberriesMarketplace(settings, api_key=Secret(KEY), now=utcnow)
        sync_channel(db, client, settings, now=utcnow, calls=[])
        rules = PackRules.from_config({})
        results: list[RunResult] = []
        cond = threading.Condition()

        def on_result(result: RunResult) -> None:
            if result.settled:  # a scan's commit went through (its result came before)
                return
            with cond:
                results.append(result)
                cond.notify_all()

        def do(command: Any, until: Callable[[RunResult], bool]) -> RunResult:
            """Submit, then the first result after it that `until` accepts (10 s at most)."""
            seen = len(results)
            runner.submit(command)
            deadline = time.monotonic() + 10
            with cond:
                while time.monotonic() < deadline:
                    for r in results[seen:]:
                        if until(r):
                            return r
                    seen = len(results)
                    cond.wait(0.5)
            raise SystemExit(f"no result for {command!r} within 10 s")

        def key_is(key: str) -> Callable[[RunResult], bool]:
            return lambda r: r.outcome is not None and r.outcome.message.key == key

        runner = StationRunner(
            db, "PS-B", rules, on_result, printer=open_printer(f"dir://{tmp / 'spool'}"),
            marketplaces=lambda record: {"wb": WildberriesMarketplace(
                settings, api_key=Secret(KEY), now=utcnow, recorder=record)},
        )  # fmt: skip
        runner.start()
        any_result: Callable[[RunResult], bool] = lambda r: True  # noqa: E731
        do(Scan(parse_code("B-1")), any_result)
        for n, wb_id in enumerate(ids):
            code = "0104605550001116" + f"21{n:013d}" + "\x1d91EE06\x1d92" + "Q" * 44
            do(Scan(parse_code(f"WB-{wb_id}")), any_result)
            do(Scan(parse_code(code)), any_result)
            state = do(Scan(parse_code(rules.boxes[0].code)), any_result).state
            state = do(ScaleReading(Decimal(780) + rules.boxes[0].tare_g, True), any_result).state

            def pending(st: Any, order: str) -> list[Any]:
                checks = [Key(Action.OK)] * (len(st.checks) - len(st.checks_done))
                docs = [Scan(parse_code(f"DOC:{d}:{order}")) for d in st.documents
                        if d not in st.documents_done]  # fmt: skip
                return [*checks, *docs]

            while len(todo := pending(state, f"WB-{wb_id}")) > 1:
                state = do(todo[0], any_result).state
            # The last check (or document) is the timed action.
            final = todo[0]
            started = time.perf_counter()
            printed = do(final, key_is("label.marketplace_printed"))
            waits.append(time.perf_counter() - started)
            do(Scan(parse_code(printed.state.parcels[0].barcode)), any_result)
        runner.stop()
        db.dispose()
    fake.stop()
    waits.sort()
    p95 = waits[max(0, round(0.95 * len(waits)) - 1)]
    print(f"\n== last check to the marketplace label printed: {len(waits)} WB orders ==")
    print(f"p50 {statistics.median(waits) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {waits[-1] * 1000:.0f} ms; target p95 <= 1000 ms: "
          f"{'met' if p95 <= 1.0 else 'NOT met'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=("wildberries", "ozon"))
    parser.add_argument("--marketplace", choices=("wildberries", "ozon"), default="wildberries")
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--orders", type=int, default=20)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.postings, args.products)
        return
    print(f"load: {os.getloadavg()[0]:.2f} (2 cores); {time.strftime('%H:%M:%S')}")
    sync_figures(args.marketplace, args.postings, args.products)
    label_figures(args.marketplace, args.orders)


if __name__ == "__main__":
    main()
