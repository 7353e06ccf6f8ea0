"""Carrier status files: both formats, aliases, encodings, and every malformed case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from packstation.domain.deliveries import (
    Condition,
    DeliveryFileError,
    DeliveryStatus,
    DeliveryUpdate,
    iter_deliveries_csv,
    iter_deliveries_json,
    normalise_status,
    read_deliveries,
)

DATA = Path(__file__).resolve().parent.parent / "data"
MSK = timezone(timedelta(hours=3))

EXPECTED = [
    ("P-1001", DeliveryStatus.DELIVERED, datetime(2024, 5, 3, 9, 0, tzinfo=UTC), "", "intact"),
    ("P-1002", DeliveryStatus.DELIVERED, datetime(2024, 5, 4, 9, 30, tzinfo=UTC), "", "damaged"),
    (
        "P-1003",
        DeliveryStatus.FAILED,
        datetime(2024, 5, 3, 15, 0, tzinfo=UTC),
        "recipient not at home",
        "unknown",
    ),
    ("P-1004", DeliveryStatus.RETURNED, datetime(2024, 5, 6, 10, 0, tzinfo=UTC), "", "unknown"),
    ("P-9999", DeliveryStatus.DELIVERED, datetime(2024, 5, 3, 12, 0, tzinfo=UTC), "", "unknown"),
]


def _plain(updates: list[DeliveryUpdate]) -> list[tuple[str, DeliveryStatus, datetime, str, str]]:
    return [(u.parcel_id, u.status, u.at, u.reason, u.condition.value) for u in updates]


@pytest.mark.parametrize("name", ["deliveries-sample.csv", "deliveries-sample.json"])
def test_sample_files_read_the_same(name: str) -> None:
    updates = read_deliveries(DATA / name)
    assert _plain(updates) == EXPECTED
    assert all(u.at.tzinfo is not None for u in updates)


def test_csv_sample_has_bom_crlf_and_aliases() -> None:
    raw = (DATA / "deliveries-sample.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # what the test above covers
    updates = read_deliveries(DATA / "deliveries-sample.csv")
    assert updates[0].source == "line 2"
    assert updates[0].at.utcoffset() == timedelta(hours=3)


def test_format_is_guessed_without_a_suffix(tmp_path: Path) -> None:
    path = tmp_path / "statuses"
    path.write_text('[{"parcel": "P1", "state": "RTS", "timestamp": "2024-05-01T10:00:00Z"}]')
    [update] = read_deliveries(path)
    assert (update.parcel_id, update.status, update.source) == ("P1", "returned", "[0]")
    path.write_text("parcel_id,status,time\nP2,failed,2024-05-01T10:00:00+03:00\n")
    [update] = read_deliveries(path)
    assert (update.parcel_id, update.status) == ("P2", "failed")


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("delivered", "delivered"),
        (" DELIVERED ", "delivered"),
        ("failed", "failed"),
        ("Undeliverable", "failed"),
        ("returned-to-sender", "returned"),
        ("returned_to_sender", "returned"),
        ("Returned to sender", "returned"),
        ("RTS", "returned"),
        ("lost", None),
    ],
)
def test_status_spellings(word: str, status: str | None) -> None:
    assert normalise_status(word) == status


def test_semicolon_csv_and_json_deliveries_key() -> None:
    data = (
        "Tracking Number;Delivery-Status;Event Time;Comment\nT-1;failed;2024-05-01T10:00Z;no one\n"
    )
    [u] = list(iter_deliveries_csv(data.encode()))
    assert (u.parcel_id, u.status, u.reason) == ("T-1", DeliveryStatus.FAILED, "no one")
    doc = b'{"deliveries": [{"parcel_id": 12345, "status": "delivered", '
    doc += b'"time": "2024-05-01T10:00Z"}]}'
    [u] = list(iter_deliveries_json(doc))
    assert (u.parcel_id, u.condition) == ("12345", Condition.UNKNOWN)


def test_blank_lines_are_skipped_and_reason_whitespace_collapsed() -> None:
    data = b'parcel_id,status,time,reason\n\nP1,failed,2024-05-01T10:00Z,"  no\n  answer "\n,,,\n'
    [u] = list(iter_deliveries_csv(data))
    assert u.reason == "no answer"


def _csv_error(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(DeliveryFileError) as info:
        list(iter_deliveries_csv(data, "f.csv"))
    assert info.value.file == "f.csv"
    return str(info.value)


HEAD = "parcel_id,status,time,reason,condition\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("\ufeff  \r\n", "the file is empty"),
        ("parcel_id,status\nP1,delivered\n", "line 1: missing column(s): time"),
        ("parcel,parcel_id,status,time\n", "line 1: columns 'parcel' and 'parcel_id' both give"),
        (HEAD + "P1,delivered,2024-05-01T10:00Z,\n", "line 2: 4 cells, the header has 5"),
        (HEAD + ",delivered,2024-05-01T10:00Z,,\n", "line 2, column parcel_id: parcel id is empty"),
        (HEAD + "P1,lost,2024-05-01T10:00Z,,\n", 'line 2, column status: unknown status "lost"'),
        (HEAD + "P1,delivered,,,\n", "line 2, column time: time is empty"),
        (
            HEAD + "P1,delivered,yesterday,,\n",
            'line 2, column time: expected an ISO-8601 date-time with a timezone, got "yesterday"',
        ),
        (
            HEAD + "P1,delivered,2024-05-01T10:00,,\n",
            'line 2, column time: "2024-05-01T10:00" has no timezone',
        ),
        (
            HEAD + "P1,delivered,2024-05-01T10:00Z,,squashed\n",
            'line 2, column condition: unknown condition "squashed"',
        ),
        (HEAD + 'P1,"delivered,2024-05-01T10:00Z,,\n', "line 2: malformed CSV"),
        (
            "parcel,status,delivered_at\n\nP1,delivered,2024-05-01T10:00Z\nP2,delivered,soon\n",
            "line 4, column delivered_at: expected an ISO-8601",
        ),
    ],
)
def test_csv_errors_name_line_and_column(text: str, message: str) -> None:
    assert message in _csv_error(text)


def test_csv_invalid_utf8_names_the_line() -> None:
    assert _csv_error(HEAD.encode() + b"P\xff,delivered,2024-05-01T10:00Z,,\n") == (
        "line 2: invalid UTF-8"
    )


def _json_error(text: str) -> str:
    with pytest.raises(DeliveryFileError) as info:
        list(iter_deliveries_json(text.encode(), "f.json"))
    return str(info.value)


OK = '"status": "delivered", "time": "2024-05-01T10:00Z"'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  ", "the file is empty"),
        ('{"statuses": [', "line 1 column 15: Expecting value"),
        ('{"orders": []}', 'top level: expected an object with a "statuses" list'),
        (
            '"x"',
            'top level: expected an object with a "statuses" list, or a list of statuses, got "x"',
        ),
        ('{"statuses": {}}', "statuses: expected a list, got an object"),
        ('{"statuses": [7]}', "statuses[0]: expected an object, got 7"),
        (
            '[{"status": "delivered", "time": "2024-05-01T10:00Z"}]',
            "[0].parcel_id: parcel_id is missing",
        ),
        ('[{"parcel_id": "P1", "time": "2024-05-01T10:00Z"}]', "[0].status: status is missing"),
        ('[{"parcel_id": "P1", "status": "delivered"}]', "[0].time: time is missing"),
        (
            f'[{{"parcel_id": "P1", {OK}}}, {{"parcel_id": true, {OK}}}]',
            "[1].parcel_id: expected a string, got true",
        ),
        (f'[{{"parcel_id": "", {OK}}}]', "[0].parcel_id: parcel id is empty"),
        (
            f'[{{"parcel": "P1", "parcel_id": "P1", {OK}}}]',
            "[0].parcel_id: 'parcel_id' and 'parcel' both give",
        ),
        (
            '[{"parcel": "P1", "status": "gone", "time": "2024-05-01T10:00Z"}]',
            '[0].status: unknown status "gone"',
        ),
        (
            '[{"parcel": "P1", "status": "failed", "at": "2024-05-01"}]',
            '[0].at: "2024-05-01" has no timezone',
        ),
        (
            '[{"parcel": "P1", "status": "failed", "at": 1714557600}]',
            "[0].at: expected a string, got 1714557600",
        ),
        (
            f'{{"statuses": [{{"parcel": "P1", {OK}, "condition": "meh"}}]}}',
            'statuses[0].condition: unknown condition "meh"',
        ),
    ],
)
def test_json_errors_name_the_path(text: str, message: str) -> None:
    assert message in _json_error(text)


def test_unreadable_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(DeliveryFileError, match="cannot read the file"):
        read_deliveries(tmp_path / "missing.csv")


def test_times_keep_their_offset() -> None:
    [u] = list(iter_deliveries_csv(b"parcel_id,status,time\nP1,delivered,2024-05-01T13:00+03:00\n"))
    assert u.at == datetime(2024, 5, 1, 13, 0, tzinfo=MSK)
