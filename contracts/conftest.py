"""Fixtures of the conformance suite: the spec as a schemathesis schema, the world, the runner.

Options (group "conformance"): `--conformance-expectations PATH` / ini
`conformance_expectations` — the per-operation expectations file (default
contracts/expectations.yaml); `--conformance-operations IDS` — only these operationIds.
Examples per operation follow the Hypothesis profile (`--hypothesis-profile dev|ci|nightly`,
see `EXAMPLES_SHARE`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from contracts.conformance import Conformance
from contracts.expectations import (
    DEFAULT_PATH,
    EMBEDDED_KNOWN,
    Expectations,
    ExpectationsError,
    load_expectations,
)
from contracts.world import World
from harness.backends import Backends
from harness.config import HarnessConfig
from harness.findings import FindingsWriter
from harness.isolation import Scope
from harness.report.options import recorder
from harness.routing.manifest import subset_operations
from harness.spec import SpecError, load_spec, operation_ids
from harness.vocabulary import Vocabulary

# What every operation shares; per-operation checks come from the expectations file.
# No NUL bytes in generated strings: Rails' PostgreSQL adapter raises ArgumentError ("string
# contains null byte") on any string written to a column, a 500 in Loomio for every write.
BASE_CONFIG: dict[str, Any] = {"generation": {"mode": "all", "allow-x00": False}}
# Fuzzed examples per operation: a fifth of the Hypothesis profile's max_examples (dev 25 ->
# 8, ci 200 -> 40, nightly 2000 -> 400). Conformance sends every example twice (both
# backends) with records made through the API; schemathesis' coverage phase adds its own
# deterministic cases on top.
EXAMPLES_SHARE, MIN_EXAMPLES = 5, 8


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "loomio-parity conformance suite")
    group.addoption(
        "--conformance-expectations",
        dest="conformance_expectations",
        metavar="PATH",
        default=None,
        help="per-operation expectations (actors, references, expected statuses); "
        f"default {DEFAULT_PATH.relative_to(DEFAULT_PATH.parents[1])}",
    )
    group.addoption(
        "--conformance-operations",
        dest="conformance_operations",
        metavar="IDS",
        default=None,
        help="comma-separated operationIds to test (default: every operation of the spec)",
    )
    parser.addini(
        "conformance_expectations", "per-operation expectations file of the conformance suite"
    )


def _expectations_path(config: pytest.Config) -> Path:
    given = config.getoption("conformance_expectations") or config.getini(
        "conformance_expectations"
    )
    if not given:
        return DEFAULT_PATH
    path = Path(given)
    return path if path.is_absolute() else config.invocation_params.dir / path


@pytest.fixture(scope="session")
def api_spec(harness_config: HarnessConfig) -> dict[str, Any]:
    """The spec the user named (--spec, ini spec, env PARITY_SPEC), read once."""
    try:
        return load_spec(harness_config.spec)
    except SpecError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def expectations(
    pytestconfig: pytest.Config, harness_config: HarnessConfig, api_spec: dict[str, Any]
) -> Expectations:
    """The per-operation expectations, checked against the spec's operationIds; with the
    embedded reference as rails, its own quirks (EMBEDDED_KNOWN) too."""
    operations = operation_ids(api_spec)
    try:
        path = _expectations_path(pytestconfig)
        strict = path != DEFAULT_PATH  # the bundled file also names the bundled spec's others
        loaded = load_expectations(path, operations, strict=strict)
        if harness_config.rails.mode == "embedded":
            loaded = loaded.with_known(EMBEDDED_KNOWN, operations)
        return loaded
    except ExpectationsError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def api_schema(
    pytestconfig: pytest.Config, api_spec: dict[str, Any], expectations: Expectations
) -> Any:
    """The user's spec as a schemathesis schema, configured by the expectations file."""
    import copy

    spec = copy.deepcopy(api_spec)
    try:
        spec = expectations.patch_spec(spec)
    except ExpectationsError as exc:
        pytest.fail(str(exc), pytrace=False)
    examples = max(MIN_EXAMPLES, hypothesis.settings.default.max_examples // EXAMPLES_SHARE)
    base = {"generation": {**BASE_CONFIG["generation"], "max-examples": examples}}
    settings = expectations.schemathesis_config(base)
    chosen = pytestconfig.getoption("conformance_operations")
    if chosen:
        names = {name.strip() for name in chosen.split(",") if name.strip()}
        unknown = sorted(names - operation_ids(spec))
        if unknown:
            pytest.fail(f"--conformance-operations: not in the spec: {unknown}", pytrace=False)
        left_out = sorted(operation_ids(spec) - names)
        if left_out:
            settings["operations"].append({"include-operation-id": left_out, "enabled": False})
    config = SchemathesisConfig.from_dict(settings)
    return schemathesis.openapi.from_dict(spec, config=config)


@pytest.fixture(scope="session")
def conformance_world(
    backends: Backends, isolated_example: Callable[..., ContextManager[Scope]]
) -> Iterator[World]:
    """Scopes and records of every operation, on both backends, made on first use."""
    world = World(backends=backends, open_scope=lambda: isolated_example("scoped"))
    try:
        yield world
    finally:
        world.close()


@pytest.fixture(scope="session")
def conformance_findings(
    request: pytest.FixtureRequest, harness_config: HarnessConfig, backends: Backends
) -> Iterator[FindingsWriter]:
    """The report's findings writer (with --report), else findings-main.jsonl in the run dir."""
    if "findings_writer" in request.fixturenames or _has_fixture(request, "findings_writer"):
        yield request.getfixturevalue("findings_writer")
        return
    # harness.plugin does not load harness.report.options: without `-p harness.report.options`
    # there is no findings_writer fixture, so the findings go next to the backend logs.
    with FindingsWriter.for_worker(harness_config.run_dir / "findings", _worker(request)) as w:
        yield w


def _has_fixture(request: pytest.FixtureRequest, name: str) -> bool:
    manager = request.session._fixturemanager  # no public lookup of a fixture by name
    return bool(manager.getfixturedefs(name, request.node))


def _worker(request: pytest.FixtureRequest) -> str:
    return str(getattr(request.config, "workerinput", {}).get("workerid", "main"))


@pytest.fixture(scope="session")
def subset(
    harness_config: HarnessConfig, api_spec: dict[str, Any]
) -> frozenset[tuple[str, str, str]] | None:
    """A subset run's ported operations (operationId, METHOD, path); None: all compared."""
    go = harness_config.go
    return subset_operations(go.ported, go.ported_mode, api_spec)


@pytest.fixture(params=["rails", "go"])
def side(request: pytest.FixtureRequest) -> str:
    """The backend under test: each conformance item runs against one side."""
    return str(request.param)


@pytest.fixture
def conformance(
    pytestconfig: pytest.Config,
    harness_config: HarnessConfig,
    conformance_world: World,
    expectations: Expectations,
    conformance_findings: FindingsWriter,
    api_spec: dict[str, Any],
    subset: frozenset[tuple[str, str, str]] | None,
) -> Iterator[Conformance]:
    """The runner of one test item; its findings are written when the item ends."""
    runner = Conformance(
        world=conformance_world,
        expectations=expectations,
        recorder=recorder(pytestconfig),
        writer=conformance_findings,
        timeout=harness_config.request_timeout,
        creates=Vocabulary.from_spec(api_spec).creates,  # create -> show pairs of the spec
        go_serves=None if subset is None else frozenset(op for op, _, _ in subset),
    )
    try:
        yield runner
    finally:
        runner.close()
