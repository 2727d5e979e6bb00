"""The "backends" option group, the resolved HarnessConfig and suite selection."""

from __future__ import annotations

import dataclasses

import pytest

from harness.config import HarnessConfig, add_options

CONFIG_KEY = pytest.StashKey[HarnessConfig]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Resolve the configuration once; a bad value stops pytest with a UsageError."""
    resolved = HarnessConfig.from_pytest(config)
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker:  # xdist: each worker runs its own backends and keeps its own logs
        resolved = dataclasses.replace(resolved, run_dir=resolved.run_dir / worker)
    config.stash[CONFIG_KEY] = resolved


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect tests of suites (top-level contracts/, properties/) left out by --suites."""
    chosen = set(harness_config(config).suites)
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        try:
            top = item.path.relative_to(config.rootpath).parts[0]
        except ValueError:
            top = ""
        skip = top in {"contracts", "properties"} and top not in chosen
        (drop if skip else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def harness_config(config: pytest.Config) -> HarnessConfig:
    """The HarnessConfig resolved for this pytest run."""
    return config.stash[CONFIG_KEY]


@pytest.fixture(scope="session", name="harness_config")
def harness_config_fixture(pytestconfig: pytest.Config) -> HarnessConfig:
    """The resolved, frozen HarnessConfig of this run."""
    return harness_config(pytestconfig)
