"""Run pytest in a subprocess on a small test file, with the report plugin, as users do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.harness.report.samples import SPEC

# Helpers the generated test files use: feed the recorder, write findings like the suites do.
PRELUDE = """
from harness.findings import Finding, FindingKind
from harness.http import ApiRequest, ApiResponse

def exchange(recorder, backend, path, status=200, body=None, method="GET"):
    recorder.exchange(backend, ApiRequest(method=method, path=path), ApiResponse(status=status, body=body))

def finding(title, **fields):
    fields.setdefault("kind", FindingKind.DIFFERENTIAL)
    return Finding.create(check="lockstep", title=title, **fields)
"""


def run_pytest(
    tmp_path: Path, tests: str, *args: str, report: bool = True
) -> subprocess.CompletedProcess[str]:
    """`pytest [--report report] ARGS` in `tmp_path` holding spec/openapi.yaml and test_it.py."""
    (tmp_path / "spec").mkdir(exist_ok=True)
    (tmp_path / "spec" / "openapi.yaml").write_text(json.dumps(SPEC))
    (tmp_path / "test_it.py").write_text(PRELUDE + textwrap.dedent(tests))
    command = [sys.executable, "-m", "pytest", "-p", "harness.report.options", "-p", "xdist"]
    command += ["-p", "no:cacheprovider", "-q", *(["--report", "report"] if report else []), *args]
    # Only the plugins named above: schemathesis' entry point alone costs ~1.5 s a run.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def findings_json(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "report" / "findings.json").read_text())
