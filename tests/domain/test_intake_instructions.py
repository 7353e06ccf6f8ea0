"""Order files carry pack instructions (order and line level) and a gift note: JSON in
full, CSV as a line's plain texts ("|"-separated, items step, no confirmation) and the
order's gift note."""

from __future__ import annotations

import json
from typing import Any

import pytest

from packstation.domain.instructions import Instruction
from packstation.domain.intake import OrderFileError, read_orders_csv
from packstation.domain.intake.json_orders import read_orders_json


def order(**fields: Any) -> bytes:
    line = {"sku": "MUG", "qty": 1, "unit_weight_g": 300, **fields.pop("line", {})}
    return json.dumps({"orders": [{"id": "ORD-1", "lines": [line], **fields}]}).encode()


def test_instructions_and_gift_note_are_read() -> None:
    data = order(
        instructions=[
            "No invoice in the box",
            {"text": "Add the gift note", "confirm": True, "step": "checks"},
        ],
        gift_note="  Happy birthday, Anna!\nLove, Ivan  ",
        line={"instructions": [{"text": "Wrap in  bubble\nfilm", "confirm": True}]},
    )
    (read,) = read_orders_json(data)
    assert read.instructions == [
        Instruction("No invoice in the box"),
        Instruction("Add the gift note", confirm=True, step="checks"),
    ]
    assert read.lines[0].instructions == [
        Instruction("Wrap in bubble film", confirm=True, step="items", source="sku:MUG")
    ]
    assert read.gift_note == "Happy birthday, Anna!\nLove, Ivan"


def test_orders_without_them_read_as_before() -> None:
    (read,) = read_orders_json(order())
    assert read.instructions == [] and read.gift_note == "" and read.lines[0].instructions == []


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"instructions": "wrap it"}, "orders[0].instructions: expected a list"),
        ({"instructions": [5]}, "orders[0].instructions[0]: expected a string or an object"),
        ({"instructions": [""]}, "orders[0].instructions[0]: expected a non-empty string"),
        ({"instructions": [{"text": "x", "step": "weight"}]}, "orders[0].instructions[0].step"),
        ({"instructions": [{"text": "x", "confirm": "yes"}]}, "instructions[0].confirm: expected"),
        ({"instructions": [{"text": "x", "when": 1}]}, "orders[0].instructions[0].when: unknown"),
        (
            {"instructions": [{"text": "x", "confirm": True, "step": "label"}]},
            'cannot be at step "label"',
        ),
        ({"instructions": ["x" * 201]}, "longer than 200 characters"),
        ({"line": {"instructions": [{"confirm": True}]}}, "lines[0].instructions[0].text"),
        ({"gift_note": 5}, "orders[0].gift_note: expected a string"),
        ({"gift_note": "x" * 2001}, "orders[0].gift_note: longer than 2000"),
    ],
)
def test_bad_fields_are_named(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(OrderFileError) as caught:
        read_orders_json(order(**fields), "orders.json")
    assert where in str(caught.value)


CSV_HEAD = "order_id,sku,qty,unit_weight_g,instructions,gift_note\n"


def test_csv_carries_line_instructions_and_the_gift_note() -> None:
    data = (
        CSV_HEAD
        + 'ORD-1,MUG,1,300,"Wrap in bubble film | Mug upright",Happy birthday!\n'
        + "ORD-1,TEA,1,100,,\n"
        + "ORD-2,TEA,1,100,,\n"
    ).encode()
    first, second = read_orders_csv(data)
    assert first.lines[0].instructions == [
        Instruction("Wrap in bubble film", source="sku:MUG"),
        Instruction("Mug upright", source="sku:MUG"),
    ]
    assert first.lines[1].instructions == [] and first.gift_note == "Happy birthday!"
    assert second.gift_note == "" and second.lines[0].instructions == []


def test_csv_errors_name_the_line_and_column() -> None:
    long = "x" * 201
    with pytest.raises(OrderFileError) as caught:
        read_orders_csv(f"{CSV_HEAD}ORD-1,MUG,1,300,{long},\n".encode(), "o.csv")
    assert "line 2, column instructions: longer than 200 characters" in str(caught.value)
    with pytest.raises(OrderFileError) as caught:
        read_orders_csv(f"{CSV_HEAD}ORD-1,MUG,1,300,,{'y' * 2001}\n".encode(), "o.csv")
    assert "line 2, column gift_note: longer than 2000 characters" in str(caught.value)
