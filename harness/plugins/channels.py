"""The "channels" option group and the `channel_servers` fixture (harness.channels).

`channel_servers` (session): both channel servers up and subscribed, each on its own Redis;
`channel_servers.rails.publish("/records", text)` publishes as the API does. Asked for only
by the channel suite, so other suites never start Redis or a channel server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from harness.channel_config import CHANNEL_OPTIONS, ChannelConfig, channel_config_from_pytest
from harness.channels import ChannelPair, provision_channels
from harness.config import add_options
from harness.errors import HarnessError
from harness.plugins.options import harness_config
from harness.report.options import recorder

CHANNEL_CONFIG_KEY = pytest.StashKey[ChannelConfig]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser, CHANNEL_OPTIONS, ("channels", "loomio-parity channel servers"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[CHANNEL_CONFIG_KEY] = channel_config_from_pytest(config, os.environ)


@pytest.fixture(scope="session")
def channel_config(pytestconfig: pytest.Config) -> ChannelConfig:
    """The resolved channel options of this run."""
    return pytestconfig.stash[CHANNEL_CONFIG_KEY]


@pytest.fixture(scope="session")
def channel_servers(
    request: pytest.FixtureRequest, channel_config: ChannelConfig
) -> Iterator[ChannelPair]:
    """Both channel servers, each with its own Redis (see harness.channels)."""
    harness = harness_config(request.config)
    try:
        with provision_channels(
            channel_config,
            harness.run_dir,
            timeout=harness.ready_timeout,
            environ=dict(harness.environ),
        ) as pair:
            for side in channel_config.sides:
                recorder(request.config).backend(f"{side.name} channel", side.describe())
            yield pair
    except HarnessError as exc:  # fails the channel suite only: the other suites go on
        pytest.fail(str(exc), pytrace=False)
