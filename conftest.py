"""Root conftest: registers the harness plugins and the Hypothesis profiles, nothing else."""

from hypothesis import HealthCheck, settings

# pytester: the harness tests run pytest inside pytest (pytest_plugins must live here).
pytest_plugins = ["harness.plugin", "pytester"]

_PROFILE_DEFAULTS = {
    "deadline": None,
    # Examples talk to real servers: a slow response is not a flaky test.
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
}
settings.register_profile("dev", max_examples=25, **_PROFILE_DEFAULTS)
settings.register_profile("ci", max_examples=200, **_PROFILE_DEFAULTS)
settings.register_profile("nightly", max_examples=2000, **_PROFILE_DEFAULTS)
settings.load_profile("dev")
