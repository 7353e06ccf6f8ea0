"""Order import as a whole process: `packstation orders import FILE` from spawn to exit.

The file is what a marketplace export looks like: UTF-8 with a BOM, CRLF line ends, the
22 columns of `packstation/data/orders-sample.csv`, orders of 1 to 6 lines (one row per
line, order fields repeated), quoted cells (commas in addresses, quotes in names), and
about 3% of the orders invalid (bad postcode, a national phone number without an email,
a barcode with a wrong check digit). Seeded: every run reads the same file.

Cases (each `--runs` times; min / median / max wall time, lines/s, peak RSS of the child):

* empty:     into a migrated database holding no orders (`packstation db upgrade` first);
* unchanged: the same file again into the database the empty run left (nothing to write);
* filled:    into a database already holding `--filled-orders` other orders (imported
             beforehand through the same command);
* bare:      a plain Python script (csv + sqlite3 executemany, or psycopg COPY) parsing the
             same file and storing its orders, lines and barcodes into the same tables
             (the same migrated schema, same durability: WAL + synchronous=FULL on SQLite,
             PostgreSQL's defaults), without validation, events or notifications: the floor.
             Run into an empty and into a filled database; the ratio is ours / bare.

Also `packstation --help` (the command's own start-up) and `python -c pass`.
Target (issue 16): >= 20,000 lines/s, <= 3x the bare program, unchanged < 1 s, < 300 MB.

    python benchmarks/import_process.py [--lines 50000] [--filled-orders 100000] [--runs 3]
        [--pg postgresql+psycopg://root@127.0.0.1:5432/test | --no-pg]

PostgreSQL (default server: $PACKSTATION_TEST_PG) uses databases of its own, psbench_*,
made from a template per case and dropped afterwards (the user needs CREATE DATABASE).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACKSTATION = str(BIN / "packstation")

#: The sample export's header: 22 columns.
COLUMNS = (
    (ROOT / "packstation" / "data" / "orders-sample.csv")
    .read_text(encoding="utf-8-sig")
    .splitlines()[0]
    .split(",")
)
assert len(COLUMNS) == 22, COLUMNS

FIRST = ["Мария", "Анна", "Иван", "Пётр", "Ольга", "Дмитрий", "Елена", "Сергей", "Наталья"]
LAST = ["Кузнецова", "Иванов", "Петрова", "Смирнов", "Соколова", "Попов", "Лебедева", "Козлов"]
PLACES = [
    ("RU", "Москва", "Москва", "1"),
    ("RU", "Санкт-Петербург", "Санкт-Петербург", "19"),
    ("RU", "Республика Татарстан", "Казань", "42"),
    ("RU", "Свердловская область", "Екатеринбург", "62"),
    ("RU", "Новосибирская область", "Новосибирск", "63"),
    ("KZ", "", "Алматы", "05"),
    ("BY", "", "Минск", "22"),
]
STREETS = ["ул. Арбат", "ул. Ленина", "пр. Мира", "ул. Баумана", "Невский пр.", "ул. Гагарина"]
PRODUCTS = [
    "USB-C cable 1 m",
    "Charger 20 W",
    'Кружка "Утро" 350 мл',
    "Футболка, хлопок, L",
    "Power bank 10000 mAh",
    "Чай зелёный 100 г",
    "Notebook A5, 96 pages",
    "Шампунь 250 мл",
]
HS_CODES = ["", "", "", "8544429009", "6912002300", "6109100000", "3305100000"]


def ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


@dataclass
class Generated:
    orders: int = 0
    lines: int = 0
    invalid_orders: int = 0
    invalid_lines: int = 0
    bytes: int = 0


def generate(
    path: Path,
    n_lines: int,
    *,
    prefix: str = "ORD",
    seed: int = 16,
    invalid: float = 0.03,
    max_lines: int = 6,
    max_orders: int | None = None,
) -> Generated:
    """A realistic export of `n_lines` order lines, or of `max_orders` orders (see the module
    docstring)."""
    rng = random.Random(seed)
    catalog = [
        (
            f"SKU-{k:05d}",
            PRODUCTS[k % len(PRODUCTS)],
            [ean13(f"460{k:09d}")] + ([ean13(f"461{k:09d}")] if k % 7 == 0 else []),
            HS_CODES[k % len(HS_CODES)],
        )
        for k in range(5000)
    ]
    weights = [35, 25, 15, 10, 8, 7][:max_lines]
    sizes = list(range(1, max_lines + 1))
    g = Generated()
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(COLUMNS)
        while g.lines < n_lines and g.orders != max_orders:
            g.orders += 1
            i = g.orders
            n = min(rng.choices(sizes, weights)[0], n_lines - g.lines)
            country, region, city, post = rng.choice(PLACES)
            postcode = f"{post}{rng.randrange(10 ** (6 - len(post))):0{6 - len(post)}d}"
            phone = f"+7916{rng.randrange(10**7):07d}"
            if rng.random() < 0.2:
                phone = f"+7 (916) {phone[5:8]}-{phone[8:10]}-{phone[10:]}"
            email = f"c{i}@example.ru" if rng.random() < 0.8 else ""
            items = rng.sample(catalog, n)
            codes = [list(item[2]) for item in items]
            defect = rng.random() < invalid
            if defect:
                g.invalid_orders += 1
                g.invalid_lines += n
                kind = rng.randrange(3)
                if kind == 0:
                    postcode = postcode[:5]  # 5 digits for a 6-digit country
                elif kind == 1:
                    phone, email = f"8 916 {phone[-7:]}", ""  # national format, nothing else
                else:
                    code = codes[0][0]  # a wrong check digit
                    codes[0][0] = code[:-1] + str((int(code[-1]) + 1) % 10)
            order = [
                f"{prefix}-{i:07d}",
                f"TOTE-{i % 4000:04d}" if rng.random() < 0.9 else "",
                rng.choice((0, 0, 0, 1, 2)),
                f"2026-12-{1 + i % 28:02d}T{8 + i % 12:02d}:{rng.choice(('00', '30'))}:00+03:00",
                f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                phone,
                email,
                rng.choice(("ru", "ru", "ru", "en", "ru-RU")),
                country,
                region,
                city,
                postcode,
                f"{rng.choice(STREETS)}, д. {rng.randint(1, 200)}, кв. {rng.randint(1, 300)}",
            ]
            for (sku, name, _, hs), line_codes in zip(items, codes, strict=True):
                weight = rng.randint(10, 3000)
                w.writerow(
                    [
                        *order,
                        sku,
                        name,
                        "|".join(line_codes),
                        rng.choice((1, 1, 1, 2, 3)),
                        weight if rng.random() < 0.9 else f"{weight}.5",
                        "true" if rng.random() < 0.1 else "false",
                        "true" if rng.random() < 0.05 else "false",
                        "false",
                        hs,
                    ]
                )
            g.lines += n
    g.bytes = path.stat().st_size
    return g


# --------------------------------------------------------------------------- bare programs

BARE_SQLITE = r'''
"""Bare: csv + sqlite3 executemany, same tables and durability, no validation."""
import csv, sqlite3, sys
from datetime import datetime, timezone

path, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db, isolation_level=None)
con.execute("PRAGMA foreign_keys=ON")
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA synchronous=FULL")
now = str(datetime.now(timezone.utc).replace(tzinfo=None))
orders, lines, codes, position = {}, [], [], {}
con.execute("BEGIN IMMEDIATE")
line_id = con.execute("SELECT coalesce(max(id), 0) FROM order_lines").fetchone()[0]
with open(path, encoding="utf-8-sig", newline="") as fh:
    rows = csv.reader(fh)
    ix = {name: i for i, name in enumerate(next(rows))}
    c = [ix[n] for n in ("order_id", "tote", "priority", "ship_by", "customer_name", "phone",
                         "email", "locale", "country", "region", "city", "postcode", "line1",
                         "sku", "name", "barcodes", "qty", "unit_weight_g", "fragile",
                         "liquid", "marked", "hs_code")]
    for r in rows:
        oid = r[c[0]]
        if oid not in orders:
            ship_by = datetime.fromisoformat(r[c[3]]).astimezone(timezone.utc)
            orders[oid] = (oid, r[c[1]] or None, "ready", int(r[c[2]]),
                           str(ship_by.replace(tzinfo=None)), r[c[4]], r[c[5]], r[c[6]],
                           r[c[7]][:2], r[c[8]], r[c[9]], r[c[10]], r[c[11]], r[c[12]], "",
                           "", "[]", "", now, now, now, "{}")
        pos = position.get(oid, 0)
        position[oid] = pos + 1
        line_id += 1
        lines.append((line_id, oid, pos, r[c[13]], r[c[14]], int(r[c[16]]),
                      float(r[c[17]]), r[c[18]] == "true", r[c[19]] == "true",
                      r[c[20]] == "true", r[c[21]]))
        for code in r[c[15]].split("|"):
            codes.append((line_id, oid, code, code.zfill(14)))
con.executemany(
    "INSERT INTO orders (id, tote, status, priority, ship_by, customer_name, phone, email, "
    "locale, country, region, city, postcode, line1, line2, currency, problems, content_hash, "
    "status_changed_at, created_at, updated_at, extra) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", orders.values())
con.executemany(
    "INSERT INTO order_lines (id, order_id, position, sku, name, qty, unit_weight_g, fragile, "
    "liquid, marked, hs_code) VALUES (?,?,?,?,?,?,?,?,?,?,?)", lines)
con.executemany("INSERT INTO barcodes (line_id, order_id, code, gtin) VALUES (?,?,?,?)", codes)
con.execute("COMMIT")
con.close()
print(len(orders), len(lines))
'''

BARE_PG = r'''
"""Bare: csv + psycopg COPY, same tables, no validation."""
import csv, sys
from datetime import datetime, timezone
import psycopg

path, url = sys.argv[1], sys.argv[2]
now = datetime.now(timezone.utc)
orders, lines, codes, position = {}, [], [], {}
with psycopg.connect(url) as con:
    line_id = con.execute("SELECT coalesce(max(id), 0) FROM order_lines").fetchone()[0]
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        ix = {name: i for i, name in enumerate(next(rows))}
        c = [ix[n] for n in ("order_id", "tote", "priority", "ship_by", "customer_name",
                             "phone", "email", "locale", "country", "region", "city",
                             "postcode", "line1", "sku", "name", "barcodes", "qty",
                             "unit_weight_g", "fragile", "liquid", "marked", "hs_code")]
        for r in rows:
            oid = r[c[0]]
            if oid not in orders:
                orders[oid] = (oid, r[c[1]] or None, "ready", int(r[c[2]]),
                               datetime.fromisoformat(r[c[3]]), r[c[4]], r[c[5]], r[c[6]],
                               r[c[7]][:2], r[c[8]], r[c[9]], r[c[10]], r[c[11]], r[c[12]],
                               "", "", "[]", "", now, now, now, "{}")
            pos = position.get(oid, 0)
            position[oid] = pos + 1
            line_id += 1
            lines.append((line_id, oid, pos, r[c[13]], r[c[14]], int(r[c[16]]), r[c[17]],
                          r[c[18]] == "true", r[c[19]] == "true", r[c[20]] == "true",
                          r[c[21]]))
            for code in r[c[15]].split("|"):
                codes.append((line_id, oid, code, code.zfill(14)))
    with con.cursor() as cur:
        copies = (
            ("orders (id, tote, status, priority, ship_by, customer_name, phone, email, "
             "locale, country, region, city, postcode, line1, line2, currency, problems, "
             "content_hash, status_changed_at, created_at, updated_at, extra)", orders.values()),
            ("order_lines (id, order_id, position, sku, name, qty, unit_weight_g, fragile, "
             "liquid, marked, hs_code)", lines),
            ("barcodes (line_id, order_id, code, gtin)", codes),
        )
        for target, rows in copies:
            with cur.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cur.execute("SELECT setval(pg_get_serial_sequence('order_lines', 'id'), %s)", (line_id,))
print(len(orders), len(lines))
'''


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    seconds: float
    rss_mb: float
    out: str


def timed(argv: Sequence[str], out_file: Path) -> Run:
    """Spawn to exit, wall time; peak RSS of that child alone (wait4)."""
    with out_file.open("w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = out_file.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{text[-2000:]}")
    return Run(seconds, usage.ru_maxrss / 1024, text)


def import_argv(file: Path, url: str) -> list[str]:
    return [PACKSTATION, "orders", "import", str(file), "--db", url]


def summary_line(out: str) -> str:
    return out.rstrip().splitlines()[-1]


@dataclass
class Case:
    name: str
    lines: int
    runs: list[Run] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)


def report(cases: Sequence[Case], bare_of: dict[str, str]) -> None:
    by_name = {c.name: c for c in cases}
    print()
    print(
        f"{'case':<26} {'min s':>7} {'median':>7} {'max s':>7}   {'lines/s (min/med/max time)':<28}"
        f" {'x bare':>6} {'RSS MB':>7}"
    )
    for c in cases:
        times = sorted(r.seconds for r in c.runs)
        med = c.median()
        rates = (
            "/".join(f"{c.lines / t:,.0f}" for t in (times[0], med, times[-1])) if c.lines else ""
        )
        bare = by_name.get(bare_of.get(c.name, ""))
        ratio = f"{med / bare.median():.2f}" if bare else ""
        rss = max(r.rss_mb for r in c.runs)
        print(
            f"{c.name:<26} {times[0]:>7.2f} {med:>7.2f} {times[-1]:>7.2f}   {rates:<28}"
            f" {ratio:>6} {rss:>7.0f}"
        )


def copy_sqlite(template: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{template}{suffix}")
        dst = Path(f"{target}{suffix}")
        if dst.exists():
            dst.unlink()
        if src.exists():
            shutil.copyfile(src, dst)


def fill(url: str, files: Sequence[Path], tmp: Path, label: str) -> None:
    for k, file in enumerate(files):
        run = timed(import_argv(file, url), tmp / "fill.out")
        print(f"  fill {label} {k + 1}/{len(files)}: {run.seconds:.1f} s, {summary_line(run.out)}")


# --------------------------------------------------------------------------- PostgreSQL


class Pg:
    """Databases psbench_* on the server: templates, and a copy per run."""

    def __init__(self, base: str) -> None:
        from sqlalchemy.engine import make_url

        self.base = make_url(base)
        self.made: list[str] = []

    def url(self, db: str, driver: bool = True) -> str:
        url = self.base.set(database=db)
        if not driver:
            url = url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres", driver=False), autocommit=True) as con:
            con.execute(sql)  # type: ignore[arg-type]

    def create(self, name: str, template: str | None = None) -> str:
        self.drop(name)
        self.admin(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        self.made.append(name)
        return self.url(name)

    def drop(self, name: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def cleanup(self) -> None:
        for name in reversed(self.made):
            self.drop(name)


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--filled-orders", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("PACKSTATION_TEST_PG"))
    ap.add_argument("--no-pg", action="store_true")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--workdir", type=Path, help="keep the files here (default: a temp dir)")
    args = ap.parse_args()
    tmp = args.workdir or Path(tempfile.mkdtemp(prefix="import_process_"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        bench(args, tmp)
    finally:
        if not args.workdir:
            shutil.rmtree(tmp, ignore_errors=True)


def bench(args: argparse.Namespace, tmp: Path) -> None:
    file = tmp / "orders.csv"
    g = generate(file, args.lines)
    print(
        f"file: {g.lines:,} lines, {g.orders:,} orders ({g.invalid_orders} invalid, "
        f"{g.invalid_lines} of their lines), {g.bytes / 1e6:.1f} MB, BOM + CRLF, 22 columns"
    )
    fillers: list[Path] = []
    remaining, k = args.filled_orders, 0
    while remaining > 0:  # other orders, 1-3 lines, in files well under the size limit
        k += 1
        part = min(remaining, 40_000)
        fillers.append(tmp / f"filler-{k}.csv")
        made = generate(
            fillers[-1], part * 3, prefix=f"OLD{k}", seed=100 + k, max_lines=3, max_orders=part
        )
        remaining -= made.orders
    bare_sqlite = tmp / "bare_sqlite.py"
    bare_sqlite.write_text(BARE_SQLITE, encoding="utf-8")
    bare_pg = tmp / "bare_pg.py"
    bare_pg.write_text(BARE_PG, encoding="utf-8")
    expected = f"{g.invalid_orders} needs correction"
    out = tmp / "run.out"

    startup = [Case("python -c pass", 0), Case("packstation --help", 0)]
    for _ in range(args.runs):
        startup[0].runs.append(timed([sys.executable, "-c", "pass"], out))
        startup[1].runs.append(timed([PACKSTATION, "--help"], out))
    for c in startup:
        times = sorted(r.seconds for r in c.runs)
        print(
            f"start-up {c.name:<20} min {times[0]:.3f} s  median {c.median():.3f} s  "
            f"max {times[-1]:.3f} s  peak RSS {max(r.rss_mb for r in c.runs):.0f} MB"
        )

    cases: list[Case] = []
    bare_of: dict[str, str] = {}

    def case(name: str, bare: str | None = None) -> Case:
        c = Case(name, g.lines)
        cases.append(c)
        if bare:
            bare_of[name] = bare
        return c

    def check(run: Run, want: str) -> Run:
        line = summary_line(run.out)
        if want not in line:
            raise SystemExit(f"unexpected result (wanted {want!r}): {line}")
        return run

    if not args.no_sqlite:
        empty_t, filled_t = tmp / "empty.db", tmp / "filled.db"
        timed([PACKSTATION, "db", "upgrade", "--db", f"sqlite:///{empty_t}"], out)
        copy_sqlite(empty_t, filled_t)
        print(f"filling SQLite with {args.filled_orders:,} other orders:")
        fill(f"sqlite:///{filled_t}", fillers, tmp, "sqlite")
        empty, unchanged, filled = (
            case("sqlite empty", "sqlite bare empty"),
            case("sqlite unchanged"),
            case("sqlite filled", "sqlite bare filled"),
        )
        bare_e, bare_f = case("sqlite bare empty"), case("sqlite bare filled")
        db = tmp / "run.db"
        for _ in range(args.runs):
            copy_sqlite(empty_t, db)
            url = f"sqlite:///{db}"
            empty.runs.append(check(timed(import_argv(file, url), out), expected))
            unchanged.runs.append(check(timed(import_argv(file, url), out), f"{g.orders} unch"))
            copy_sqlite(filled_t, db)
            filled.runs.append(check(timed(import_argv(file, url), out), expected))
            copy_sqlite(empty_t, db)
            bare_e.runs.append(timed([sys.executable, str(bare_sqlite), str(file), str(db)], out))
            copy_sqlite(filled_t, db)
            bare_f.runs.append(timed([sys.executable, str(bare_sqlite), str(file), str(db)], out))
        print(f"last import said: {summary_line(filled.runs[-1].out)}")

    if args.pg and not args.no_pg:
        pg = Pg(args.pg)
        try:
            pg_bench(pg, args, tmp, file, fillers, case, check, expected, g)
        finally:
            pg.cleanup()

    report(startup, {})
    report(cases, bare_of)
    for c in cases:
        if c.name.endswith("empty") or c.name.endswith("filled"):
            if "bare" not in c.name:
                rate = c.lines / c.median()
                ratio = c.median() / next(x for x in cases if x.name == bare_of[c.name]).median()
                rss = max(r.rss_mb for r in c.runs)
                ok = rate >= 20_000 and ratio <= 3 and rss < 300
                print(
                    f"{c.name}: {rate:,.0f} lines/s, {ratio:.2f}x bare, {rss:.0f} MB: "
                    f"{'met' if ok else 'NOT met'} (>= 20,000 lines/s, <= 3x, < 300 MB)"
                )
        elif c.name.endswith("unchanged"):
            print(f"{c.name}: median {c.median():.2f} s: {'met' if c.median() < 1 else 'NOT met'}")


def pg_bench(
    pg: Pg,
    args: argparse.Namespace,
    tmp: Path,
    file: Path,
    fillers: Sequence[Path],
    case: Callable[..., Case],
    check: Callable[[Run, str], Run],
    expected: str,
    g: Generated,
) -> None:
    out = tmp / "run.out"
    empty_t = pg.create("psbench_empty")
    timed([PACKSTATION, "db", "upgrade", "--db", empty_t], out)
    filled_t = pg.create("psbench_filled", template="psbench_empty")
    print(f"filling PostgreSQL with {args.filled_orders:,} other orders:")
    fill(filled_t, fillers, tmp, "pg")
    empty, unchanged, filled = (
        case("pg empty", "pg bare empty"),
        case("pg unchanged"),
        case("pg filled", "pg bare filled"),
    )
    bare_e, bare_f = case("pg bare empty"), case("pg bare filled")
    for _ in range(args.runs):
        url = pg.create("psbench_run", template="psbench_empty")
        empty.runs.append(check(timed(import_argv(file, url), out), expected))
        unchanged.runs.append(check(timed(import_argv(file, url), out), f"{g.orders} unch"))
        url = pg.create("psbench_run", template="psbench_filled")
        filled.runs.append(check(timed(import_argv(file, url), out), expected))
        for template, c in (("psbench_empty", bare_e), ("psbench_filled", bare_f)):
            pg.create("psbench_run", template=template)
            plain = pg.url("psbench_run", driver=False)
            c.runs.append(timed([sys.executable, str(tmp / "bare_pg.py"), str(file), plain], out))
        pg.drop("psbench_run")


if __name__ == "__main__":
    main()
