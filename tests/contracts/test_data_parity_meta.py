"""Data parity against the embedded pair, as users run it (a pytest subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contracts.differential_runs import run_differential
from tests.contracts.plant_secrets import PLANTED, PLANTED_TOKENS

pytestmark = [pytest.mark.backend, pytest.mark.slow]


def test_no_planted_secret_column_value_in_any_output(tmp_path: Path) -> None:
    # not shrunk: the first failing example's findings are enough here
    run = run_differential(
        tmp_path, "-p", "tests.contracts.plant_secrets", profile="dev", shrink=False, timeout=900
    )
    report = tmp_path / "report"
    data = [f for f in _data_findings(report)]
    assert any(f.endswith("/encrypted_password") for f in data), run.output
    assert not any(f.endswith("/reset_password_token") for f in data), data  # presence only
    planted = [v for v in (*PLANTED.values(), *PLANTED_TOKENS.values()) if v]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "index.html" for p in files)
    leaks = [(str(p), v) for p in files for v in planted if v in p.read_text(errors="replace")]
    assert leaks == [] and not any(v in run.output for v in planted)


def _data_findings(report: Path) -> list[str]:
    from harness.findings import findings_files, merge_findings

    found = merge_findings(findings_files(report / "parts"))
    return [f.pointer for f in found if str(f.kind) == "data"]
