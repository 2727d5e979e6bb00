"""Conformance: every operation of the run's spec (--spec), on each backend, against it.

schemathesis generates requests (valid and invalid) per operation; contracts/world.py fills
their references with real records; contracts/checks.py lists the checks. A failure is a
finding (kind "conformance") with a curl repro, and fails the test as usual, unless rails
answers the same case the same way (a characterization, contracts/conformance.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from contracts.conformance import Conformance

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.backend
@pytest.mark.usefixtures("side")  # parametrized by the fixture: schemathesis wraps the test
@schema.parametrize()
def test_operation_conforms_to_spec(case: Any, side: str, conformance: Conformance) -> None:
    conformance.run(case, side)
