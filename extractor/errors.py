"""The extractor's errors and diagnostics.

Exceptions are for when the run cannot go on (bad arguments, missing tree);
everything else is a `Diagnostic`: a fact with a place, listed in the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from extractor.model import Loc


class ExtractorError(Exception):
    """Root of every error the extractor raises."""


class UsageError(ExtractorError):
    """The command line cannot be honoured (exit 2)."""


@dataclass(frozen=True, slots=True)
class MissingRailsRoot(UsageError):
    """RAILS_ROOT, or its app/ directory, does not exist."""

    path: str
    what: str

    def __str__(self) -> str:
        return (
            f"{self.path}: no {self.what} here. Pass the root of a Rails application "
            "(the directory holding app/, config/ and db/)."
        )


@dataclass(frozen=True, slots=True)
class InvalidSpec(ExtractorError):
    """The generated document is not valid OpenAPI 3.1 (a bug in the extractor or overrides)."""

    reason: str

    def __str__(self) -> str:
        return (
            f"generated spec is not valid OpenAPI 3.1: {self.reason}. "
            "Check spec/overrides.yaml, then report the bug with the extraction report."
        )


class Severity(Enum):
    """How bad a diagnostic is: warnings never stop a run."""

    WARNING = "warning"
    INFO = "info"


class DiagnosticKind(Enum):
    """What a diagnostic is about; the report groups entries by it."""

    UNREADABLE = "unreadable"
    SYNTAX = "syntax"
    UNSUPPORTED = "unsupported"
    UNRESOLVED = "unresolved"
    UNTYPED = "untyped"
    OVERRIDE = "override"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """A warning with a place: `app/serializers/x.rb:14: message`.

    `subject` is the attribute key an untyped-attribute warning is about, so that an
    override of that property can be recognised as resolving it.
    """

    loc: Loc
    kind: DiagnosticKind
    message: str
    severity: Severity = Severity.WARNING
    subject: str = ""

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}"
