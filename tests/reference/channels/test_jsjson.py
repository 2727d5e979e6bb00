"""reference.channels.jsjson: numbers as records.js re-emits them after JSON.parse."""

from __future__ import annotations

import pytest

from reference.channels.jsjson import as_javascript, parse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("1.0", 1),
        ("50.0", 50),
        ("2.5", 2.5),
        ("1e2", 100),
        ("-0.0", 0),
        ("9007199254740993", 9007199254740992),
        ("1e21", 1e21),
    ],
    ids=[
        "int",
        "float-integral",
        "fifty",
        "fraction",
        "exponent",
        "minus-zero",
        "past-2^53",
        "1e21",
    ],
)
def test_numbers_read_as_javascript_writes_them(text: str, expected: object) -> None:
    value = parse(f'{{"n": {text}}}')["n"]
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "{", "{'a': 1}", ""])
def test_what_json_parse_rejects_raises(text: str) -> None:
    with pytest.raises(ValueError):
        parse(text)


def test_as_javascript_keeps_structure_and_normalizes_numbers() -> None:
    assert as_javascript({"a": [1.0, 2.5, True, None, "x"], "b": {"c": -0.0}}) == {
        "a": [1, 2.5, True, None, "x"],
        "b": {"c": 0},
    }
    assert type(as_javascript(True)) is bool
