"""The Hypothesis profiles (dev, ci, nightly) and `--derandomize`.

`--hypothesis-profile NAME` picks how many examples each test draws; `--derandomize` makes
the loaded profile draw the same examples every run (each test's examples follow from its own
code, and no example database is read), for a gate whose verdict must not depend on luck.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# Examples talk to real servers: no deadline, and a slow response is not a flaky test.
# The parent is Hypothesis' own default, not the profile loaded at import: with CI set,
# Hypothesis loads its `ci` profile (derandomized) first, and a run in CI would silently
# differ from the same run on a laptop; `--derandomize` is the one switch.
_BASE = settings(
    settings.get_profile("default"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("dev", _BASE, max_examples=25)
settings.register_profile("ci", _BASE, max_examples=200)
settings.register_profile("nightly", _BASE, max_examples=2000)
settings.load_profile("dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("hypothesis").addoption(
        "--derandomize",
        action="store_true",
        help="the same examples every run: the loaded profile with derandomize=True",
    )


@pytest.hookimpl(trylast=True)  # after Hypothesis' plugin has loaded --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("derandomize"):
        name = f"{settings.get_current_profile_name()}-derandomized"
        settings.register_profile(name, derandomize=True)
        settings.load_profile(name)
