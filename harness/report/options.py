"""The report's always-loaded pytest plugin: the `--report` options and the recorder fixture.

It registers `harness.report.plugin.ReportPlugin` in `pytest_configure` only when
`--report DIR` is given; without it, `report_recorder` is a recorder that keeps nothing
costly, so suites feed it unconditionally.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.findings import FindingsWriter
from harness.report.plugin import ReportPlugin
from harness.report.recorder import Recorder

PLUGIN_NAME = "parity-report"
DEFAULT_SPEC = "spec/openapi.yaml"
_IDLE = pytest.StashKey[Recorder]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("report", "loomio-parity report")
    group.addoption(
        "--report",
        dest="report_dir",
        metavar="DIR",
        default=None,
        help="write index.html, junit.xml, findings.json and summary.md into DIR at the end "
        "of the session (also when it is interrupted); workers' records go to DIR/parts",
    )
    group.addoption(
        "--report-spec",
        dest="report_spec",
        metavar="PATH",
        default=None,
        help="OpenAPI spec that coverage is measured against (default: the spec the suites "
        f"test, --spec, itself {DEFAULT_SPEC} by default; the extraction report is read from "
        "extraction-report.json next to it)",
    )


def pytest_configure(config: pytest.Config) -> None:
    workerinput = getattr(config, "workerinput", {})
    if "parity_report_dir" in workerinput:  # an xdist worker: paths as the controller resolved
        out_dir, spec = Path(workerinput["parity_report_dir"]), Path(workerinput["parity_spec"])
    elif config.getoption("report_dir"):
        here = config.invocation_params.dir
        out_dir = here / config.getoption("report_dir")
        given = config.getoption("report_spec")
        spec = here / given if given else _suites_spec(config)
    else:
        return
    if out_dir.exists() and not out_dir.is_dir():
        raise pytest.UsageError(
            f"--report {out_dir}: exists and is not a directory. Give a directory "
            "(created when missing; its report files are replaced)."
        )
    config.pluginmanager.register(ReportPlugin(config, out_dir, spec), PLUGIN_NAME)


def _suites_spec(config: pytest.Config) -> Path:
    """The spec the suites test (harness --spec), so coverage is measured on the same one."""
    # imported here: `-p harness.report.options` (bench/suites.py) loads this module before
    # conftest registers harness.plugins.options, which pytest then could not assert-rewrite
    from harness.plugins.options import CONFIG_KEY

    if CONFIG_KEY in config.stash:
        return config.stash[CONFIG_KEY].spec
    return config.rootpath / DEFAULT_SPEC


def recorder(config: pytest.Config) -> Recorder:
    """The session's recorder: the report's when `--report` is given, else an idle one."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, ReportPlugin):
        return plugin.recorder
    if _IDLE not in config.stash:
        config.stash[_IDLE] = Recorder(enabled=False)
    return config.stash[_IDLE]


@pytest.fixture(scope="session")
def findings_writer(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FindingsWriter]:
    """Where the suites write findings: the report's parts (with `--report`), else a temp dir."""
    plugin = pytestconfig.pluginmanager.get_plugin(PLUGIN_NAME)
    if isinstance(plugin, ReportPlugin):
        yield plugin.findings
        return
    worker = getattr(pytestconfig, "workerinput", {}).get("workerid", "main")
    with FindingsWriter.for_worker(tmp_path_factory.getbasetemp() / "findings", worker) as w:
        yield w


@pytest.fixture(scope="session")
def report_recorder(pytestconfig: pytest.Config) -> Recorder:
    """Feed coverage and figures to the report: `report_recorder.exchange("go", req, resp)`."""
    return recorder(pytestconfig)
