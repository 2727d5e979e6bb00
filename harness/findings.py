"""Findings: what a check found, written at once to a per-worker JSON Lines file.

A finding is data (a frozen `Finding`), not an exception. Each worker (pytest-xdist, or a
matrix shard) appends to its own `findings-<worker>.jsonl` and flushes after every line,
so an interrupted run keeps what it found; the controller merges the files, dropping
repeats by stable id. Secrets are redacted on the way to disk (`redact`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from harness.compare import Difference
from harness.errors import HarnessError
from harness.noise import generalize
from harness.redact import redact_value


class FindingKind(StrEnum):
    """Which suite found it; the report groups by kind."""

    CONFORMANCE = "conformance"
    DIFFERENTIAL = "differential"
    SPEC_DRIFT = "spec_drift"
    THREADING = "threading"
    TALLY = "tally"
    PERMISSION = "permission"
    DATA = "data"  # the two databases after the same actions (harness/data_check.py)
    BACKEND_FAILURE = "backend_failure"
    CHANNEL = "channel"  # the channel servers' deliveries (contracts/channels)


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One problem, with what is needed to see it again (`repro`, `steps`)."""

    id: str  # stable: the same problem found twice (two workers, two runs) has the same id
    kind: FindingKind
    check: str  # e.g. "status_codes_match", "lockstep", "tally_oracle"
    title: str
    operation: str = ""  # "GET /api/v1/discussions/{key}"
    backend: str = ""  # "rails", "go", or "rails,go" for a difference between them
    detail: str = ""
    pointer: str = ""  # JSON Pointer into the (normalized) body, "" for none
    rails: Any = field(default=None, hash=False)
    go: Any = field(default=None, hash=False)
    repro: str = ""  # a runnable script (curl or Python)
    steps: tuple[str, ...] = ()  # the shrunk action sequence, one line per step
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @classmethod
    def create(cls, *, kind: FindingKind, check: str, title: str, **fields: Any) -> Finding:
        """A finding whose id is derived from kind, check, operation, backend, pointer, title."""
        key = [kind, check, fields.get("operation", ""), fields.get("backend", "")]
        pointer = str(fields.get("pointer", ""))
        key += [generalize(pointer) if pointer.startswith("/") else pointer, title]
        digest = hashlib.sha256("\x1f".join(map(str, key)).encode()).hexdigest()[:16]
        return cls(id=digest, kind=kind, check=check, title=title, **fields)

    @classmethod
    def from_difference(
        cls, difference: Difference, *, operation: str, check: str = "lockstep", **fields: Any
    ) -> Finding:
        """A differential finding from one compare() difference."""
        return cls.create(
            kind=FindingKind.DIFFERENTIAL,
            check=check,
            title=f"{difference.kind} at {generalize(difference.pointer) or 'the response'}",
            operation=operation,
            backend="rails,go",
            detail=difference.detail,
            pointer=difference.pointer,
            rails=difference.rails,
            go=difference.go,
            extra={"difference_kind": str(difference.kind), **fields.pop("extra", {})},
            **fields,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        data = asdict(self)
        data["kind"] = str(self.kind)
        data["steps"] = list(self.steps)
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Inverse of `to_dict`; raises KeyError/ValueError on a malformed record."""
        values = dict(data)
        values["kind"] = FindingKind(values["kind"])
        values["steps"] = tuple(values.get("steps", ()))
        return cls(**values)


# -- files -----------------------------------------------------------------------------


class FindingsWriter:
    """Appends findings to one JSON Lines file, flushed and synced after each line."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] = path.open("a", encoding="utf-8")

    @classmethod
    def for_worker(cls, directory: Path, worker: str = "main") -> FindingsWriter:
        """`directory/findings-<worker>.jsonl` (worker: the xdist id `gw0`, or a shard name)."""
        return cls(directory / f"findings-{worker}.jsonl")

    def write(self, finding: Finding) -> None:
        """Write one finding now: an interrupted run keeps every finding written before."""
        line = json.dumps(redact_value(finding.to_dict()), sort_keys=True, default=str)
        self._file.write(line + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> FindingsWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def read_findings(path: Path) -> list[Finding]:
    """The findings in one file; a torn last line (the writer was killed mid-line) is dropped."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    findings = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            findings.append(Finding.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            if number == len(lines):  # no newline after it: written partly, then killed
                break
            raise HarnessError(
                f"{path}:{number}: not a finding ({exc}). The file is written by "
                "FindingsWriter; remove the line or the file to merge the others."
            ) from None
    return findings


def merge_findings(paths: Iterable[Path]) -> list[Finding]:
    """Findings of several files (workers, shards), each id once, in file-name order."""
    seen: dict[str, Finding] = {}
    for path in sorted(paths):
        for finding in read_findings(path):
            seen.setdefault(finding.id, finding)
    return list(seen.values())


def findings_files(directory: Path) -> Sequence[Path]:
    """The per-worker files in `directory`."""
    return sorted(directory.glob("findings-*.jsonl"))
