"""The `parity` command: one entry point, a subcommand per pipeline."""

from __future__ import annotations

import sys

USAGE = """usage: parity COMMAND [ARGS]

commands:
  extract RAILS_ROOT -o spec/openapi.yaml   Rails source tree -> OpenAPI 3.1 spec
  test [PYTEST ARGS]                        the tool's own tests (pytest tests)
  diff-spec OLD NEW [--json]                spec drift for the front end; exit 1 if breaking
"""


def main(argv: list[str] | None = None) -> int:
    """Dispatch `parity <command>`; exit 2 on an unknown command."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "extract":
        from extractor.cli import main as extract

        return extract(rest)
    if command == "diff-spec":
        from harness.spec_drift import main as diff_spec

        return diff_spec(rest)
    if command == "test":
        import pytest

        return int(pytest.main(["tests", *rest]))
    print(f"parity: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
