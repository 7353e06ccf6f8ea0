"""Order intake speed: a generated 100,000-line file imported into SQLite.

Prints lines/s and peak RSS of the import (run in a child process so the
figure is the importer's own), next to a floor measured in the same run: the
same rows written with bare sqlite3 executemany, no parsing or validation.
Target (issue 2): >= 5,000 lines/s and < 300 MB peak RSS.

    python benchmarks/import_orders.py [--lines 100000] [--format json|csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def generate(path: Path, n_lines: int, fmt: str, seed: int = 7) -> int:
    rng = random.Random(seed)
    orders = []
    made = 0
    i = 0
    while made < n_lines:
        n = min(rng.randint(1, 9), n_lines - made)
        i += 1
        orders.append(
            {
                "id": f"ORD-{i:07d}",
                "tote": f"TOTE-{i % 5000:04d}",
                "priority": rng.randint(0, 3),
                "ship_by": f"2026-12-{1 + i % 28:02d}T{8 + i % 12:02d}:00:00+03:00",
                "customer": {
                    "name": "Анна Петрова",
                    "phone": f"+7916{i % 10_000_000:07d}",
                    "email": f"c{i}@example.ru",
                    "locale": "ru",
                },
                "address": {
                    "country": "RU",
                    "city": "Москва",
                    "postcode": f"{100000 + i % 800000}",
                    "line1": f"ул. Тверская, д. {i % 200 + 1}",
                },
                "lines": [
                    {
                        "sku": f"SKU-{i}-{k}",
                        "name": f"Товар {k}",
                        "barcodes": [ean13(f"460{(i * 10 + k) % 10**9:09d}")],
                        "qty": rng.randint(1, 3),
                        "unit_weight_g": rng.randint(10, 2000),
                        "fragile": k % 4 == 0,
                    }
                    for k in range(n)
                ],
            }
        )
        made += n
    if fmt == "json":
        path.write_text(json.dumps({"orders": orders}, ensure_ascii=False), encoding="utf-8")
    else:
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(
                [
                    "order_id",
                    "tote",
                    "priority",
                    "ship_by",
                    "customer_name",
                    "phone",
                    "email",
                    "locale",
                    "country",
                    "city",
                    "postcode",
                    "line1",
                    "sku",
                    "name",
                    "barcodes",
                    "qty",
                    "unit_weight_g",
                    "fragile",
                ]
            )
            for o in orders:
                c, a = o["customer"], o["address"]
                for ln in o["lines"]:
                    w.writerow(
                        [
                            o["id"],
                            o["tote"],
                            o["priority"],
                            o["ship_by"],
                            c["name"],
                            c["phone"],
                            c["email"],
                            c["locale"],
                            a["country"],
                            a["city"],
                            a["postcode"],
                            a["line1"],
                            ln["sku"],
                            ln["name"],
                            "|".join(ln["barcodes"]),
                            ln["qty"],
                            ln["unit_weight_g"],
                            str(ln["fragile"]).lower(),
                        ]
                    )
    return len(orders)


def child_import(file: Path, db: Path) -> None:
    from packstation.cli.orders_cmd import validate
    from packstation.domain.intake import iter_orders
    from packstation.models.db import open_database
    from packstation.models.orders_repo import import_orders

    database = open_database(f"sqlite:///{db}")
    start = time.perf_counter()
    with database.unit_of_work() as session:
        report = import_orders(session, iter_orders(file), validate, source=file.name)
    done = time.perf_counter()
    database.dispose()
    print(
        json.dumps(
            {
                "lines": report.lines,
                "ready": report.ready,
                "total_s": done - start,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def child_floor(file: Path, db: Path) -> None:
    """The same number of line rows through bare sqlite3: what the disk and SQLite cost."""
    data = json.loads(file.read_text(encoding="utf-8")) if file.suffix == ".json" else None
    rows = []
    if data is not None:
        for o in data["orders"]:
            for pos, ln in enumerate(o["lines"]):
                rows.append((o["id"], pos, ln["sku"], ln["name"], ln["qty"], ln["unit_weight_g"]))
    else:
        with file.open(encoding="utf-8") as fh:
            for pos, r in enumerate(csv.DictReader(fh)):
                rows.append(
                    (
                        r["order_id"],
                        pos,
                        r["sku"],
                        r["name"],
                        int(r["qty"]),
                        int(r["unit_weight_g"]),
                    )
                )
    start = time.perf_counter()
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("CREATE TABLE l (o TEXT, p INT, sku TEXT, name TEXT, qty INT, w NUMERIC)")
    with con:
        con.executemany("INSERT INTO l VALUES (?,?,?,?,?,?)", rows)
    con.close()
    print(json.dumps({"lines": len(rows), "total_s": time.perf_counter() - start}))


def run_child(mode: str, file: Path, db: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, f"--{mode}", str(file), str(db)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--format", choices=["json", "csv"], default="json")
    ap.add_argument("--child", nargs=2, type=Path)
    ap.add_argument("--floor", nargs=2, type=Path)
    args = ap.parse_args()
    if args.child:
        return child_import(*args.child)
    if args.floor:
        return child_floor(*args.floor)
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / f"orders.{args.format}"
        n_orders = generate(file, args.lines, args.format)
        size_mb = file.stat().st_size / 1e6
        imp = run_child("child", file, Path(tmp) / "import.db")
        floor = run_child("floor", file, Path(tmp) / "floor.db")
    rate = imp["lines"] / imp["total_s"]
    floor_rate = floor["lines"] / floor["total_s"]
    print(f"file: {args.lines} lines in {n_orders} orders, {args.format}, {size_mb:.1f} MB")
    print(f"import:  {imp['total_s']:.2f} s  {rate:,.0f} lines/s  peak RSS {imp['rss_mb']:.0f} MB")
    print(f"floor (bare sqlite3 executemany of the lines): {floor_rate:,.0f} lines/s")
    print(f"import is {floor_rate / rate:.1f}x the floor's time per line")
    ok = rate >= 5000 and imp["rss_mb"] < 300
    print(f"target >= 5,000 lines/s and < 300 MB: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
