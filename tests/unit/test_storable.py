"""The edge checks as plain functions: where a NUL is found, and what counts as an amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.collector.storable import amount_of, find_nul, refuse_nul
from shared.errors import BadInput


def test_a_nul_is_found_deep_in_lists_and_objects_with_its_path() -> None:
    value = {"a": [1, {"b": ["ok", "no\x00"]}], "c": "fine"}
    assert find_nul(value, "batch[2]") == "batch[2].a[1].b[1]"


def test_nesting_deeper_than_the_stack_is_walked_without_recursion() -> None:
    value: object = "end\x00"
    for _ in range(5_000):
        value = [value]
    assert find_nul(value) == "[0]" * 5_000


def test_the_text_backslash_u0000_is_not_a_nul_character() -> None:
    text = {"note": "\\u0000 is how JSON escapes NUL"}
    refuse_nul(text)  # the encoded body holds the escape, but the walk finds no NUL
    assert find_nul(text) is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (12, Decimal(12)),
        (" 12.50 ", Decimal("12.50")),
        ("1e3", Decimal(1000)),
        (0.1, Decimal("0.1")),
    ],
)
def test_numbers_and_decimal_strings_are_amounts(given: object, expected: Decimal) -> None:
    assert amount_of(given, field="revenue") == expected


@pytest.mark.parametrize("given", ["0x10", "1,5", "", "nan", "-inf", float("nan"), None, False])
def test_anything_else_is_refused_naming_the_field(given: object) -> None:
    with pytest.raises(BadInput) as caught:
        amount_of(given, field="properties.revenue")
    assert caught.value.field == "properties.revenue"
