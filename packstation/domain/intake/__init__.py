"""Read order files (JSON or CSV, formats in shared/fixtures/) into `OrderData`.

Intake decides only whether a file can be read as orders at all: structure,
types, order ids. Whether an order can be *packed* (postcode, contact, ...) is
`validation`'s job, so one bad postcode sends one order back to the buyer
instead of rejecting the file, while a string quantity or a missing column
rejects the file before anything is stored. Missing fields are therefore not
errors here: they get empty defaults and validation names them.

Per-line work is cheap (no per-line regex compiles, no copies). The
`iter_orders*` generators yield one order at a time (JSON is decoded order by
order, CSV is read in two passes), so an importer working in batches never
holds the whole file as objects: a 100,000-line file stays far below the
300 MB budget. The `read_orders*` functions return the full list.

Hostile or broken files are refused with one line, before anything is stored, in
bounded memory (`IntakeLimits`, each limit a parameter so tests can use small ones):
a file larger than `max_file_bytes` (64 MiB, about 300,000 lines; 100,000 lines are
about 20 MB) is refused from its size, before it is read, and never more than that
is read even from a file that grows or is not a regular file; in JSON, an order (and
any other top-level value) nested deeper than `max_json_depth` levels (32; an order
needs 4), and beyond the decoder's own recursion guard (Python's recursion limit,
about 1,000 levels) the decoder stops at once; in CSV, a physical line longer than
`max_csv_line_bytes` (1 MiB) is refused before it is decoded, and a field longer than
the csv module's `field_size_limit` (131,072 characters by default). What a file
can cost is thus its size (read once), its text (JSON: up to 4 bytes per character),
and one line or one order at a time.

The package: `files` (`read_orders`, `iter_orders`, `is_json_file`, `chunks`, `file_key`), `limits`
(`IntakeLimits`, `read_limited`), `json_orders`, `csv_orders`, `fields` (values shared
by both formats), `decoding` (bytes to text), `errors` (`OrderFileError`).
"""

from packstation.domain.intake.csv_orders import (
    CSV_COLUMNS,
    CSV_REQUIRED_COLUMNS,
    iter_orders_csv,
    read_orders_csv,
)
from packstation.domain.intake.errors import OrderFileError
from packstation.domain.intake.fields import normalise_locale
from packstation.domain.intake.files import (
    CHUNK,
    chunks,
    file_key,
    is_json_file,
    iter_orders,
    read_orders,
)
from packstation.domain.intake.json_orders import iter_orders_json, read_orders_json
from packstation.domain.intake.limits import DEFAULT_LIMITS, IntakeLimits, read_limited

__all__ = [
    "CHUNK",
    "CSV_COLUMNS",
    "CSV_REQUIRED_COLUMNS",
    "DEFAULT_LIMITS",
    "IntakeLimits",
    "chunks",
    "file_key",
    "OrderFileError",
    "is_json_file",
    "normalise_locale",
    "read_orders",
    "read_orders_csv",
    "read_orders_json",
    "iter_orders",
    "iter_orders_csv",
    "iter_orders_json",
    "read_limited",
]
