"""Queue screen at warehouse scale: 100,000 orders and 50 stations.

Generates the floor (bulk Core executemany) in SQLite (temp dir) and, with
$PACKSTATION_TEST_PG or --pg URL, in a private PostgreSQL schema dropped
afterwards. Then a child process (so the RSS figure is the queue screen's
own, not the generator's) times:

- one refresh = the three reads of the screen (`load_snapshot`: queue page,
  stations panel, floor stats) for several views (default, late only, one
  station, an order-id search), p50 and max over --runs;
- the same refresh end to end in the real app, headless: the feed's threads →
  SQL → messages → cells → keyed-table diff, until the screen has rendered the
  page and the floor (`queue_keys.py` times a filter key to its rows on a
  terminal);
- a baseline in the same run: a bare `SELECT count(*) FROM orders`;

and prints the child's peak RSS (resource.getrusage). Target (issue 2):
refresh <= 150 ms (judged on the p50; the max is printed beside it), RSS <= 250 MB.

    python benchmarks/queue_scale.py [--orders 100000] [--stations 50] [--runs 20]
                                     [--pg URL] [--no-sqlite] [--explain]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHUNK = 10_000
TARGET_MS = 150.0
TARGET_RSS_MB = 250.0


# --- generating the floor ------------------------------------------------------------------


def _chunks(rows: Iterator[dict[str, Any]], size: int = CHUNK) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def generate(
    url: str, n_orders: int, n_stations: int, now: datetime, seed: int = 11
) -> dict[str, int]:
    """Orders: 60% packed/shipped over the last 30 days, the rest open (one packing per
    station); 1-5 lines each; events for every packed order; defects; stations."""
    from sqlalchemy import insert

    from packstation.domain.pins import hash_pin
    from packstation.models import Base
    from packstation.models.db import open_database

    tables = Base.metadata.tables
    orders_t, lines_t, events_t = tables["orders"], tables["order_lines"], tables["events"]
    defects_t, stations_t, ops_t = tables["defects"], tables["stations"], tables["operators"]
    sessions_t = tables["pack_sessions"]
    rng = random.Random(seed)
    db = open_database(url, auto_upgrade=True)
    counts = {"orders": 0, "lines": 0, "events": 0, "defects": 0}
    carriers = ["OZON-COURIER", "CDEK", "POCHTA", "BOXBERRY", None]
    n_packed = int(n_orders * 0.6)
    station_ids = [f"PS-{i:02d}" for i in range(1, n_stations + 1)]
    # Event ids must follow time, as the stations write them: packed orders oldest first.
    packed_at = sorted(now - timedelta(seconds=rng.uniform(0, 30 * 86400)) for _ in range(n_packed))
    # A busy shift: ~3,000 orders in the last 8 hours.
    for k in range(min(3000, n_packed)):
        packed_at[n_packed - 1 - k] = now - timedelta(seconds=(k + 1) * 9.6)
    packed_at.sort()
    n_lines_of = [rng.randint(1, 5) for _ in range(n_orders)]

    def order_rows() -> Iterator[dict[str, Any]]:
        for i in range(n_orders):
            oid = f"ORD-{i + 1:07d}"
            if i < n_packed:
                status = "shipped" if rng.random() < 0.5 else "packed"
                changed = packed_at[i]
                ship_by = changed + timedelta(hours=rng.uniform(1, 30))
                station = operator = None
            else:
                j = i - n_packed
                status = (
                    "packing"
                    if j < n_stations
                    else "new"
                    if j % 25 == 1
                    else "needs_correction"
                    if j % 25 == 2
                    else "ready"
                )
                changed = now - timedelta(minutes=rng.uniform(1, 600))
                ship_by = now + timedelta(hours=rng.uniform(-3, 48))
                station = station_ids[j] if status == "packing" else None
                operator = (j % n_stations) + 2 if status == "packing" else None
            yield {
                "id": oid,
                "tote": f"TOTE-{i % 5000:04d}",
                "status": status,
                "priority": rng.choice((0, 0, 0, 1, 1, 2, 3)),
                "ship_by": ship_by,
                "customer_name": "Анна Петрова",
                "phone": f"+7916{i % 10_000_000:07d}",
                "email": f"c{i}@example.ru",
                "locale": "ru",
                "country": "RU",
                "city": "Москва",
                "postcode": "119019",
                "line1": f"ул. Тверская, д. {i % 200 + 1}",
                "carrier": carriers[i % len(carriers)],
                "problems": [],
                "content_hash": "",
                "station_id": station,
                "operator_id": operator,
                "status_changed_at": changed,
                "created_at": changed - timedelta(hours=2),
                "updated_at": changed,
                "extra": {},
            }

    def line_rows() -> Iterator[dict[str, Any]]:
        for i in range(n_orders):
            for k in range(n_lines_of[i]):
                yield {
                    "order_id": f"ORD-{i + 1:07d}",
                    "position": k,
                    "sku": f"SKU-{k}",
                    "name": f"Товар {k}",
                    "qty": 1 + k % 3,
                    "unit_weight_g": 100 + k,
                    "fragile": False,
                    "liquid": False,
                    "marked": False,
                    "hs_code": "",
                }

    def event_rows() -> Iterator[dict[str, Any]]:
        for i in range(n_packed):
            at = packed_at[i]
            oid = f"ORD-{i + 1:07d}"
            station = station_ids[i % n_stations]
            for kind, back in (
                ("order.claimed", 240),
                ("scan.accepted", 180),
                ("scan.accepted", 120),
                ("order.packed", 0),
            ):
                yield {
                    "kind": kind,
                    "at": at - timedelta(seconds=back),
                    "order_id": oid,
                    "station_id": station,
                    "operator_id": (i % n_stations) + 2,
                    "payload": {},
                }

    def defect_rows() -> Iterator[dict[str, Any]]:
        kinds = ["missing", "damaged", "wrong_item", "expired", "other"]
        for i in range(0, n_packed, 30):
            yield {
                "order_id": f"ORD-{i + 1:07d}",
                "kind": kinds[i % len(kinds)],
                "qty": 1,
                "note": "",
                "resolution": "ship_short",
                "at": packed_at[i],
            }

    with db.engine.begin() as conn:
        conn.execute(
            insert(ops_t),
            [
                {
                    "badge": "BADGE-LEAD-01",
                    "name": "Мария Л.",
                    "role": "lead",
                    "pin_hash": hash_pin("1234"),
                    "active": True,
                    "created_at": now,
                }
            ]
            + [
                {
                    "badge": f"BADGE-{k:04d}",
                    "name": f"Упаковщик {k}",
                    "role": "packer",
                    "pin_hash": None,
                    "active": True,
                    "created_at": now,
                }
                for k in range(1, n_stations + 1)
            ],
        )
        for chunk in _chunks(order_rows()):
            conn.execute(insert(orders_t), chunk)
            counts["orders"] += len(chunk)
        for chunk in _chunks(line_rows()):
            conn.execute(insert(lines_t), chunk)
            counts["lines"] += len(chunk)
        for chunk in _chunks(event_rows()):
            conn.execute(insert(events_t), chunk)
            counts["events"] += len(chunk)
        for chunk in _chunks(defect_rows()):
            conn.execute(insert(defects_t), chunk)
            counts["defects"] += len(chunk)
        packing = [f"ORD-{n_packed + j + 1:07d}" for j in range(n_stations)]
        conn.execute(
            insert(sessions_t),
            [
                {
                    "order_id": packing[j],
                    "station_id": sid,
                    "operator_id": j + 2,
                    "step": "items",
                    "started_at": now - timedelta(minutes=5),
                }
                for j, sid in enumerate(station_ids)
            ],
        )
        conn.execute(
            insert(stations_t),
            [
                {
                    "id": sid,
                    "name": f"Station {j + 1}",
                    "operator_id": j + 2,
                    "current_order_id": packing[j] if j < len(packing) else None,
                    "step": "items",
                    # Every tenth station went quiet two minutes ago.
                    "heartbeat_at": now - timedelta(seconds=120 if j % 10 == 9 else 3),
                    "lease_until": now + timedelta(seconds=30),
                    "devices": {
                        "scanner": {"state": "connected", "detail": ""},
                        "scale": {"state": "connected" if j % 7 else "disconnected", "detail": ""},
                        "printer": {"state": "connected", "detail": ""},
                    },
                    "created_at": now,
                }
                for j, sid in enumerate(station_ids)
            ],
        )
    # What autovacuum does after a bulk load: statistics, and PostgreSQL's visibility map
    # (without it no index-only scan is possible and every count reads the table).
    names = ", ".join(t.name for t in (orders_t, lines_t, events_t, defects_t, stations_t, ops_t))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"VACUUM ANALYZE {names}")
        else:
            conn.exec_driver_sql("ANALYZE")
    db.dispose()
    return counts


# --- measuring (child process) ------------------------------------------------------------


def _ms(samples: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(samples) * 1000, 1),
        "max": round(max(samples) * 1000, 1),
    }


def _time(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: the first run compiles and caches statements
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return samples


def measure(url: str, runs: int, now_iso: str, explain: bool) -> dict[str, Any]:
    from sqlalchemy import text

    from packstation.models.db import open_database
    from packstation.models.queue_page import QueueFilters
    from packstation.models.queue_repo import load_snapshot

    now = datetime.fromisoformat(now_iso)
    shift = now - timedelta(hours=8)
    db = open_database(url, auto_upgrade=False)
    out: dict[str, Any] = {}
    with db.sessions() as session:
        out["baseline count(*)"] = _ms(
            _time(lambda: session.execute(text("SELECT count(*) FROM orders")).scalar(), runs)
        )
        views = {
            "refresh: open orders": QueueFilters(),
            "refresh: late only": QueueFilters(late_only=True),
            "refresh: station PS-07": QueueFilters(station="PS-07"),
            "refresh: carrier CDEK": QueueFilters(carrier="CDEK"),
            "refresh: search ORD-00012": QueueFilters(search="ORD-00012"),
        }
        for name, filters in views.items():

            def one(f: QueueFilters = filters) -> object:
                return load_snapshot(session, f, now, shift)

            out[name] = _ms(_time(one, runs))
        snap = load_snapshot(session, QueueFilters(), now, shift)
        out["rows"] = len(snap.page.rows)
        out["open orders"] = snap.page.total
        out["stations"] = len(snap.stations)
        out["packed last hour"] = snap.stats.orders_last_hour
        out["packed in shift"] = snap.stats.orders_shift
        if explain:
            out["plans"] = _plans(session, now, shift)
    out["app end-to-end"] = _ms(_app_refreshes(db, runs, now, shift))
    db.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak RSS MB"] = round(rss, 1)
    # Timings on a shared machine mean little without it.
    out["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return out


def _app_refreshes(db: Any, runs: int, now: datetime, shift: datetime) -> list[float]:
    """Refresh requested → rendered, in the real (headless) app."""
    import asyncio

    from packstation.screens.queue_app import QueueApp, QueueSetup

    samples: list[float] = []

    async def drive() -> None:
        app = QueueApp(
            QueueSetup(
                db=db,
                locale="en",
                refresh_s=3600,
                clock=lambda: now,
                tz=UTC,
                shift_start=lambda _now: shift,
            )
        )
        async with app.run_test(size=(120, 40)) as pilot:
            screen = app.queue_screen
            while screen.renders < 1:
                await pilot.pause(0.01)
            for _ in range(runs):
                # A full refresh renders twice: the page (from the page thread) and the
                # stations and floor stats (from the floor thread).
                before = screen.renders
                t0 = time.perf_counter()
                screen.feed.refresh_now()
                while screen.renders < before + 2:
                    await asyncio.sleep(0.001)
                samples.append(time.perf_counter() - t0)

    asyncio.run(drive())
    return samples


def _plans(session: Any, now: datetime, shift: datetime) -> dict[str, list[str]]:
    """The database's plan for each statement of one refresh."""
    from sqlalchemy import event

    from packstation.models.queue_page import QueueFilters
    from packstation.models.queue_repo import load_snapshot

    statements: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def capture(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        statements.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        load_snapshot(session, QueueFilters(), now, shift)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    plans = {}
    raw = session.connection().connection.driver_connection
    for n, (statement, params) in enumerate(statements):
        cur = raw.cursor()
        cur.execute(prefix + statement, params)
        plans[f"{n}: {' '.join(statement.split())[:90]}"] = [
            " | ".join(str(c) for c in row) for row in cur.fetchall()
        ]
        cur.close()
    return plans


# --- driver ----------------------------------------------------------------------------------


def run_backend(name: str, url: str, args: argparse.Namespace, now: datetime) -> dict[str, Any]:
    t0 = time.perf_counter()
    counts = generate(url, args.orders, args.stations, now)
    gen_s = time.perf_counter() - t0
    print(
        f"[{name}] generated {counts['orders']:,} orders, {counts['lines']:,} lines, "
        f"{counts['events']:,} events, {counts['defects']:,} defects, {args.stations} stations "
        f"in {gen_s:.1f} s",
        flush=True,
    )
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            url,
            "--runs",
            str(args.runs),
            "--now",
            now.isoformat(),
        ]
        + (["--explain"] if args.explain else []),
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if child.returncode != 0:
        raise SystemExit(f"[{name}] measuring failed:\n{child.stderr}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def report(name: str, result: dict[str, Any]) -> bool:
    ok = True
    print(
        f"[{name}] open orders {result['open orders']:,}, page {result['rows']} rows, "
        f"{result['stations']} stations, packed last hour {result['packed last hour']}, "
        f"in shift {result['packed in shift']}"
    )
    for key, value in result.items():
        if isinstance(value, dict) and "p50" in value:
            flag = ""
            if key.startswith(("refresh", "app")):
                # The target is the typical refresh (p50); a max over it is flagged, since a
                # shared machine's scheduler alone can add that much to one run.
                good = value["p50"] <= TARGET_MS
                ok = ok and good
                if not good:
                    flag = f"  ✗ p50 over {TARGET_MS:.0f} ms"
                elif value["max"] > TARGET_MS:
                    flag = "  (max over target)"
            p50, worst = value["p50"], value["max"]
            print(f"[{name}]   {key:<28} p50 {p50:>7.1f} ms   max {worst:>7.1f} ms{flag}")
    rss = result["peak RSS MB"]
    print(f"[{name}]   load average during the run: {result['load']}")
    good = rss <= TARGET_RSS_MB
    ok = ok and good
    mark = "" if good else "  ✗"
    print(f"[{name}]   peak RSS {rss:.0f} MB (target <= {TARGET_RSS_MB:.0f} MB){mark}")
    for stmt, plan in result.get("plans", {}).items():
        print(f"[{name}]   plan {stmt}")
        for row in plan:
            print(f"[{name}]       {row}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--pg", metavar="URL", default=os.environ.get("PACKSTATION_TEST_PG"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.runs, args.now, args.explain)))
        return 0
    now = datetime.now(UTC).replace(microsecond=0)
    ok = True
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="queue-scale-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'queue.db'}"
            ok = report("sqlite", run_backend("sqlite", url, args, now)) and ok
    if args.pg:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        schema = f"queue_scale_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            url = (
                make_url(args.pg)
                .update_query_dict({"options": f"-csearch_path={schema}"})
                .render_as_string(hide_password=False)
            )
            ok = report("postgresql", run_backend("postgresql", url, args, now)) and ok
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
