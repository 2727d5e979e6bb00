"""Options of the extractor tests."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite spec/openapi.yaml from loomio-mini"
    )
