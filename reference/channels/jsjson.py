"""JSON as JavaScript reads and writes it: what a Node server re-emits after JSON.parse.

records.js parses each Redis message with JSON.parse and socket.io writes it back with
JSON.stringify, so a number loses its written form: `50.0` arrives as `50`, `1e2` as `100`,
`-0` as `0`, and an integer past 2**53 is rounded to the nearest double. NaN and Infinity are
not JSON (JSON.parse throws).
"""

from __future__ import annotations

import json
from typing import Any

# JSON.stringify writes a double without a fraction as an integer below 1e21, else 1e+21.
_INTEGRAL_LIMIT = 1e21


def _number(text: str) -> int | float:
    value = float(text)
    if value.is_integer() and abs(value) < _INTEGRAL_LIMIT:
        return int(value)
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse(text: str | bytes) -> Any:
    """JSON.parse, with numbers as JSON.stringify writes them back; ValueError when invalid."""
    return json.loads(text, parse_float=_number, parse_int=_number, parse_constant=_constant)


def as_javascript(value: Any) -> Any:
    """A decoded JSON value as it reads after JSON.parse(JSON.stringify(...)) in JavaScript."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return _number(repr(float(value)))
    if isinstance(value, list):
        return [as_javascript(item) for item in value]
    return {str(key): as_javascript(item) for key, item in value.items()}
