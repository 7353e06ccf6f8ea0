"""Item sizes in order files (issue 12 part 3): optional, all three or none, clear errors."""

from __future__ import annotations

import pytest

from packstation.domain.intake import OrderFileError, read_orders_csv, read_orders_json

HEADER = b"order_id,sku,qty,length_mm,width_mm,height_mm\n"


def test_csv_sizes_are_read_and_rounded_up_to_whole_mm() -> None:
    [order] = read_orders_csv(HEADER + b"A,X,1,120,80.2,40\nA,Y,2,,,\n")
    assert [line.dims_mm for line in order.lines] == [(120, 81, 40), None]


def test_csv_without_the_columns_has_no_sizes() -> None:
    [order] = read_orders_csv(b"order_id,sku,qty\nA,X,1\n")
    assert order.lines[0].dims_mm is None


def test_json_sizes() -> None:
    data = (
        b'{"orders": [{"id": "A", "lines": ['
        b'{"sku": "X", "length_mm": 300, "width_mm": 20.5, "height_mm": 20},'
        b'{"sku": "Y"}]}]}'
    )
    [order] = read_orders_json(data)
    assert [line.dims_mm for line in order.lines] == [(300, 21, 20), None]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (b"A,X,1,120,,40", "line 2, column width_mm: missing: length_mm, height_mm given"),
        (b"A,X,1,120,abc,40", "line 2, column width_mm: expected a number, got 'abc'"),
        (b"A,X,1,0,10,40", "line 2, column length_mm: must be more than 0 mm, got 0"),
        (b"A,X,1,10,10,-4", "line 2, column height_mm: must be more than 0 mm, got -4"),
        (b"A,X,1,10,10,12000", "line 2, column height_mm: must be at most 10000 mm"),
    ],
)
def test_csv_bad_sizes_name_the_line_and_column(row: bytes, message: str) -> None:
    with pytest.raises(OrderFileError) as info:
        read_orders_csv(HEADER + row + b"\n")
    assert str(info.value).startswith(message)


def test_csv_bad_size_on_a_later_line() -> None:
    with pytest.raises(OrderFileError, match=r"^line 3, column height_mm: expected a number"):
        read_orders_csv(HEADER + b"A,X,1,1,1,1\nA,Y,1,1,1,x1\n")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"sku": "X", "length_mm": "5", "width_mm": 1, "height_mm": 1}',
         'orders[0].lines[1].length_mm: expected a number, got "5"'),
        (b'{"sku": "X", "length_mm": 5}',
         "orders[0].lines[1].width_mm: missing: length_mm given"),
        (b'{"sku": "X", "length_mm": 5, "width_mm": 0, "height_mm": 1}',
         "orders[0].lines[1].width_mm: must be more than 0 mm"),
        (b'{"sku": "X", "length_mm": true, "width_mm": 1, "height_mm": 1}',
         "orders[0].lines[1].length_mm: expected a number, got true"),
    ],
)  # fmt: skip
def test_json_bad_sizes_name_the_path(line: bytes, message: str) -> None:
    data = b'{"orders": [{"id": "A", "lines": [{"sku": "Y"}, ' + line + b"]}]}"
    with pytest.raises(OrderFileError) as info:
        read_orders_json(data)
    assert str(info.value).startswith(message)
