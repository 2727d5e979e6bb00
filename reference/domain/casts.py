"""Ruby's casts of request strings, as Rails applies them to ids and integer parameters."""

from __future__ import annotations

import re
from typing import Any


def to_i(value: Any) -> int:
    """Ruby's String#to_i: leading digits after an optional sign ("1.5" -> 1, "abc" -> 0)."""
    match = _LEADING_INTEGER.match(str(value if value is not None else ""))
    return int(match.group(0).replace("_", "")) if match else 0


def all_digits(text: str) -> bool:
    r"""Ruby's `text =~ /\A\d+\z/`: ASCII digits only ("5¹" and "١٢" are not ids)."""
    return text.isascii() and text.isdigit()


_LEADING_INTEGER = re.compile(r"\s*[-+]?\d+(?:_\d+)*", re.ASCII)  # Ruby: \d is ASCII
