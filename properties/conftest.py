"""Fixtures of the property suites: where findings and figures go, and the property runner.

Findings go to the report's findings file with `--report`, otherwise to
`<run dir>/findings/findings-<worker>.jsonl` (default run dir `.parity/run`, `--run-dir`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from harness.backends import Backends
from harness.data_check import SUITE, DataParity, listed, load_declared_data
from harness.findings import FindingsWriter
from harness.plugins.options import harness_config
from harness.report.model import DATA_SKIPPED
from harness.report.options import PLUGIN_NAME, recorder
from harness.report.plugin import ReportPlugin
from harness.report.recorder import Recorder
from properties.findings import PropertyRun


@pytest.fixture(autouse=True)
def _not_in_a_subset_run(pytestconfig: pytest.Config) -> None:
    """A subset run (Go alone on its own schema) compares only the operations Go has ported;
    the property suites act through threads, polls and memberships end to end, so they run
    on a full port or a mixed stack (--go-ported-mode mixed), never on a subset."""
    go = harness_config(pytestconfig).go
    if go.ported is not None and go.ported_mode == "subset":
        pytest.skip(
            "--go-ported-mode subset compares only ported operations; the property suites "
            "need the whole domain: run them on a mixed stack (--go-ported-mode mixed)"
        )


@pytest.fixture(scope="session")
def property_findings(pytestconfig: pytest.Config, backends: Backends) -> Iterator[FindingsWriter]:
    """The findings writer of this process (the report's when `--report` is given).

    After `backends`: provisioning empties the run directory."""
    plugin = pytestconfig.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, ReportPlugin):
        yield plugin.findings
        return
    worker = getattr(pytestconfig, "workerinput", {}).get("workerid", "main")
    directory = harness_config(pytestconfig).run_dir / "findings"
    with FindingsWriter.for_worker(directory, f"properties-{worker}") as writer:
        yield writer


@pytest.fixture(scope="session")
def property_data(
    pytestconfig: pytest.Config, backends: Backends, property_recorder: Recorder
) -> Iterator[DataParity]:
    """Both databases, compared at the end of examples that write (properties/data_checks.py);
    declared data ignores from contracts/ignore.yaml. Says so when a side's is unknown."""
    noise = load_declared_data(pytestconfig.rootpath / "contracts" / "ignore.yaml")
    parity = DataParity.from_backends(backends, tuple(noise))
    if parity.skipped:
        property_recorder.count(SUITE, f"{DATA_SKIPPED}{parity.skipped}", 1)
        reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"data parity skipped: {parity.skipped}", yellow=True)
    try:
        yield parity
    finally:
        for name, value in parity.figures.items():
            property_recorder.count(SUITE, name, value)
        property_recorder.exclude(listed(parity.ignored.values()))
        parity.close()


@pytest.fixture(scope="session")
def property_recorder(pytestconfig: pytest.Config) -> Recorder:
    """Figures for the report (`count`, `cell`); idle without `--report`."""
    return recorder(pytestconfig)


@pytest.fixture
def run_property(
    request: pytest.FixtureRequest, property_findings: FindingsWriter, property_recorder: Recorder
) -> PropertyRun:
    """`run_property(check)`: run a Hypothesis property, turn its shrunk failures into findings."""
    suite = f"properties/{request.path.stem.removeprefix('test_')}"
    return PropertyRun(property_findings, property_recorder, suite)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """One line with the permission cells exercised (the figure the issue asks for).
    Only when the permission suite was collected: importing it costs seconds (its table)."""
    module = sys.modules.get("properties.test_permissions")
    found = config.stash.get(module.EXERCISED, None) if module else None
    if found is not None:
        terminalreporter.write_line(
            f"permission cells exercised: {len(found)} distinct (actor, configuration, action)"
            f" of the {len(module.CELLS)} the suite can seed"
            f" ({len(module.TABLE)} in the decision table)"
        )
