"""Conformance verdicts: go's failures are compared with rails' answer to the same case, and
`known:` entries are scoped (backend, operations, cause), reported, and stale when unused.

Pure parts on recorded failures; the clean pair's characterizations are checked against the
real pair in test_conformance_meta.py.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from contracts.conformance import MADE_UP_BASE, Conformance, Sent, made_up
from contracts.expectations import (
    DEFAULT_PATH,
    EMBEDDED_KNOWN,
    ExpectationsError,
    load_expectations,
)
from harness.findings import FindingsWriter, read_findings
from harness.report.build import set_aside
from harness.report.recorder import Recorder
from harness.spec import load_spec, operation_ids
from harness.vocabulary import BUNDLED_SPEC

OPERATIONS = operation_ids(load_spec(BUNDLED_SPEC))


def failure(title: str) -> Any:
    return SimpleNamespace(title=title, message=title, code="x")


def test_nothing_is_declared_known_for_the_backends_a_user_configures() -> None:
    assert load_expectations(DEFAULT_PATH, OPERATIONS).known == ()


def test_no_embedded_entry_hides_a_go_failure_or_names_every_operation() -> None:
    loaded = load_expectations(DEFAULT_PATH, OPERATIONS).with_known(EMBEDDED_KNOWN, OPERATIONS)
    assert loaded.known and {k.backend for k in loaded.known} == {"rails"}
    assert all("*" not in k.operations and k.reason for k in loaded.known)
    for op in sorted(OPERATIONS):  # the `*`/500/negative entry hid every go 500 on bad input
        assert loaded.known_for("not_a_server_error", op, "go", 500, True) is None


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("{checks: [not_a_server_error], operations: [x], status: 500, reason: r}", "backend"),
        (
            "{backend: rails, checks: [not_a_server_error], operations: ['*'], status: 500, "
            "reason: r}",
            "name them",
        ),
        (
            "{backend: go, checks: [not_a_server_error], operations: [x], status: 500, reason: r}",
            "compared with rails",
        ),
        ("{backend: rails, checks: [not_a_server_error], operations: [x], status: 500}", "reason"),
    ],
)
def test_a_known_entry_is_scoped_to_a_backend_operations_and_a_cause(
    tmp_path: Path, entry: str, why: str
) -> None:
    path = tmp_path / "expectations.yaml"
    path.write_text(f"known:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(ExpectationsError, match=why):
        load_expectations(path, {"x"})


def runner(tmp_path: Path, known: str = "[]") -> Conformance:
    path = tmp_path / "expectations.yaml"
    path.write_text(f"known: {known}\n", encoding="utf-8")
    return Conformance(
        world=None,  # type: ignore[arg-type]  # the pure parts only
        expectations=load_expectations(path, {"comments_create"}),
        recorder=Recorder(),
        writer=FindingsWriter.for_worker(tmp_path / "findings", "main"),
        timeout=1,
        creates={},
    )


def test_go_failures_rails_shares_are_characterizations_the_others_findings(
    tmp_path: Path,
) -> None:
    conformance = runner(tmp_path)
    found = [
        ("not_a_server_error", failure("Server error")),
        ("response_schema_conformance", failure("Response violates schema")),
    ]
    same = Sent(status=500, found=[("not_a_server_error", failure("Server error"))], curl="")
    kept = conformance._without_characterized(found, 500, same, "comments_create")
    assert [name for name, _ in kept] == ["response_schema_conformance"]  # rails' body passed
    [row] = set_aside(conformance.recorder)
    assert (row.category, row.subject, row.count) == (
        "characterization",
        "go, comments_create: not_a_server_error, status 500",
        1,
    )
    other = Sent(status=422, found=[], curl="")  # rails refused the same case properly
    assert conformance._without_characterized(found, 500, other, "comments_create") == found
    conformance.writer.close()


def test_a_known_entry_that_matched_nothing_is_stale(tmp_path: Path) -> None:
    entry = (
        "[{backend: rails, checks: [not_a_server_error], operations: [comments_create], "
        "status: 500, mode: negative, reason: 'a cause'}]"
    )
    conformance = runner(tmp_path, entry)
    conformance.ran.add(("rails", "comments_create"))
    conformance.close()
    conformance.writer.close()
    [stale] = read_findings(tmp_path / "findings" / "findings-main.jsonl")
    assert (stale.check, stale.backend) == ("known_entry_stale", "rails")
    [row] = set_aside(conformance.recorder)
    assert (row.category, row.count) == ("stale known", 0)


def test_a_run_of_some_of_an_entrys_operations_does_not_judge_it(tmp_path: Path) -> None:
    entry = (
        "[{backend: rails, checks: [not_a_server_error], operations: [comments_create, x], "
        "status: 500, reason: 'a cause'}]"
    )
    path = tmp_path / "expectations.yaml"
    path.write_text(f"known: {entry}\n", encoding="utf-8")
    conformance = runner(tmp_path)
    conformance.expectations = load_expectations(path, {"comments_create", "x"})
    conformance.ran.add(("rails", "comments_create"))  # `x` left out (--conformance-operations)
    conformance.close()
    conformance.writer.close()
    assert read_findings(tmp_path / "findings" / "findings-main.jsonl") == []
    assert set_aside(conformance.recorder) == ()


def test_a_kept_reference_names_no_record_on_either_side() -> None:
    """Go gets every case and rails only go's failures, so a small id names different
    records (or none) on the two sides: a kept reference is moved above every real id."""
    assert made_up(96) == 96 + MADE_UP_BASE
    assert made_up(876.0) == 876.0 + MADE_UP_BASE and isinstance(made_up(876.0), float)
    assert made_up("96") == str(96 + MADE_UP_BASE)
    for value in (0, -1, "0", "abc", "", True, None, [1], 10**12, "-5"):
        assert made_up(value) == value
