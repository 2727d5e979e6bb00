"""The mini app's fixtures (a real partial server) for the discovery tests."""

from tests.harness.test_process import mini_database, start_mini  # noqa: F401 (re-exported fixtures)
