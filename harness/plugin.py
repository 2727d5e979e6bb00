"""pytest plugin entry point of the harness: registers the option group and fixtures."""
