"""Secrets the user hands in never reach a report, a log or the terminal.

At configure time every secret of the configuration is registered with harness.redact
(`HarnessConfig.register_secrets`: setenv values, DSN and URL passwords, header values in
commands, the environment's secret-named settings). A failed test's text is masked before
pytest prints it or the report and JUnit file quote it.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from harness.plugins.options import harness_config
from harness.redact import redact


@pytest.hookimpl(trylast=True)  # after harness.plugins.options resolved the configuration
def pytest_configure(config: pytest.Config) -> None:
    harness_config(config).register_secrets()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        text = report.longreprtext
        masked = redact(text)
        if masked != text:
            report.longrepr = masked
    return report
