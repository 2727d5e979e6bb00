"""Text helpers of the report (pure): redaction of a whole model, JSON values, diffs."""

from __future__ import annotations

import dataclasses
import difflib
import html
import json
import re
from enum import Enum
from typing import Any

from harness.compare import ABSENT
from harness.findings import Finding
from harness.redact import MASK, is_secret_key, redact


def scrub(value: Any) -> Any:
    """`value` with every string redacted and every secret-named key's value masked.

    Like `harness.redact.redact_value`, but through dataclasses, tuples and map keys, so
    that one call covers the whole report model.
    """
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return redact(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: scrub(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        return {
            scrub(str(k)): MASK if is_secret_key(str(k)) and _scalar(v) else scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | frozenset | set):
        return type(value)(scrub(v) for v in value)
    return value


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool)


def pretty(value: Any) -> str:
    """A JSON value as the report shows it: indented, keys sorted; `<absent>` as is."""
    if value == ABSENT:
        return ABSENT
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def sides(finding: Finding) -> tuple[tuple[str, Any], ...]:
    """The values worth showing, labelled: expected vs actual when a single backend broke
    a rule (the property suites' `extra`), else the backends' values — none when neither
    is given; a differential `null` is a value."""
    extra = finding.extra
    if "expected" in extra and "actual" in extra and "," not in finding.backend:
        return (("expected", extra["expected"]), (f"{finding.backend} (actual)", extra["actual"]))
    if finding.rails is None and finding.go is None:
        return ()
    return tuple(
        (name, value)
        for name, value in (("rails", finding.rails), ("go", finding.go))
        if value is not None or name in finding.backend.split(",")
    )


def diff_lines(shown: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, str], ...]:
    """A unified diff of two shown values, as (css class, line) pairs; none for two
    scalars, which the side-by-side values already show."""
    if len(shown) != 2:
        return ()
    (old_label, old), (new_label, new) = shown
    if not isinstance(old, dict | list) and not isinstance(new, dict | list):
        return ()
    lines = difflib.unified_diff(
        pretty(old).splitlines(), pretty(new).splitlines(), old_label, new_label, lineterm=""
    )
    kinds = {"+": "add", "-": "del", "@": "hunk"}
    return tuple(
        ("hunk" if line[:4] in {"--- ", "+++ "} else kinds.get(line[:1], "ctx"), line)
        for line in lines
    )


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def md_inline(text: str) -> str:
    """Text safe inside a Markdown table cell or summary line (no HTML, no cell break)."""
    return html.escape(text).replace("|", "\\|").replace("\n", " ")


def fenced(text: str, info: str = "") -> str:
    """A Markdown code block whose fence no backtick run in `text` can close."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"
