"""The spec a run tests against: read once, asked which operations it has.

Every suite takes its operations from the spec the user names (`--spec`, ini `spec`, env
`PARITY_SPEC`; `parity run --extract RAILS_ROOT` names the one it extracts): conformance
generates cases for its operations, the lockstep sends only calls the spec has, and the
report measures coverage against it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from harness.errors import HarnessError

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
_PARAMETER = re.compile(r"\{[^/}]*\}")


# libyaml's loader when PyYAML has it: a spec of 150 kB loads in a quarter of the time of the
# pure-Python one (0.16 s against 0.6 s), and a run reads it several times (suites, report).
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    """`yaml.safe_load`, with libyaml when available (the same documents, faster)."""
    return yaml.load(text, Loader=SAFE_LOADER)


class SpecError(HarnessError):
    """The spec cannot be read; the message names the file and what to do."""


def load_spec(path: Path) -> dict[str, Any]:
    """The OpenAPI document at `path` as a dict; SpecError when it is missing or not YAML."""
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(
            f"{path}: cannot read the spec ({exc.strerror}). Give an OpenAPI file with "
            "--spec (ini spec, env PARITY_SPEC) or extract one: parity extract RAILS_ROOT -o PATH"
        ) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not YAML ({exc}). Regenerate it with parity extract.") from None
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise SpecError(f"{path}: no `paths` mapping: not an OpenAPI document.")
    return data


def operation_ids(spec: dict[str, Any]) -> set[str]:
    """Every operationId of the spec."""
    return {
        str(op["operationId"])
        for item in spec.get("paths", {}).values()
        if isinstance(item, dict)
        for method, op in item.items()
        if method in HTTP_METHODS and isinstance(op, dict) and "operationId" in op
    }


def template_key(method: str, path: str) -> str:
    """`GET /api/v1/discussions/{key}` -> `GET /api/v1/discussions/{}`: parameter names
    do not tell operations apart (Loomio takes an id or a key in the same place)."""
    return f"{method.upper()} {_PARAMETER.sub('{}', path)}"


def operation_templates(spec: dict[str, Any]) -> frozenset[str]:
    """Every operation of the spec as a `template_key`."""
    return frozenset(
        template_key(method, path)
        for path, item in spec.get("paths", {}).items()
        if isinstance(item, dict)
        for method in item
        if method in HTTP_METHODS
    )
