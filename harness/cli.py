"""The `parity` command: one entry point, a subcommand per pipeline."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable

# command -> (module with `main(argv) -> int`, arguments, what it does)
COMMANDS = {
    "run": ("harness.run", "[--profile ci] [PYTEST ARGS]", "the main job: suites + report"),
    "extract": ("extractor.cli", "RAILS_ROOT -o spec/openapi.yaml", "Rails tree -> OpenAPI 3.1"),
    "diff-spec": ("harness.spec_drift", "OLD NEW [--json]", "spec drift; exit 1 if breaking"),
    "routes": (
        "harness.routing.cli",
        "--from-nginx CONF | --discover",
        "write or show a routing manifest",
    ),
    "test": ("harness.cli", "[PYTEST ARGS]", "the tool's own tests (pytest tests)"),
}
USAGE = "usage: parity COMMAND [ARGS]\n\ncommands:\n" + "".join(
    f"  {name:<10}{args:<34}{what}\n" for name, (_, args, what) in COMMANDS.items()
)


def run_own_tests(argv: list[str]) -> int:
    """`parity test`: the tool's own tests, what CI runs; one xdist worker per core unless -n."""
    import pytest

    parallel = [] if any(a.startswith(("-n", "--numprocesses")) for a in argv) else ["-n", "auto"]
    return int(pytest.main(["tests", *parallel, *argv]))


def _entry(command: str) -> Callable[[list[str]], int]:
    if command == "test":
        return run_own_tests
    module = importlib.import_module(COMMANDS[command][0])
    entry: Callable[[list[str]], int] = module.main
    return entry


def main(argv: list[str] | None = None) -> int:
    """Dispatch `parity <command>`; exit 2 on an unknown command."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in {"-h", "--help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"parity: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    return _entry(command)(rest)


if __name__ == "__main__":
    raise SystemExit(main())
