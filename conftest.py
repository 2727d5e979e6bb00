"""Root conftest: registers the harness plugins (with the Hypothesis profiles), nothing else."""

# pytester: the harness tests run pytest inside pytest (pytest_plugins must live here).
pytest_plugins = ["harness.plugin", "pytester"]
