"""Bad input at every entry point: one line naming the input and the fix, exit 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.conftest import clean_environ

REPO = Path(__file__).resolve().parents[1]
OVERRIDES = str(REPO / "spec" / "overrides.yaml")
DEAD_DATABASE = "postgresql://loomio:pw-never-shown@127.0.0.1:1/loomio"


def run(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={**clean_environ(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    return done


def error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize("port", ["abc", "0", "70000"])
def test_reference_serve_with_a_bad_port(port: str) -> None:
    done = run("-m", "reference", "serve", "--database-url", DEAD_DATABASE, PORT=port)
    assert error_line(done) == (
        f"error: PORT={port!r} is not a TCP port number; pass --port N (1-65535)"
    )


@pytest.mark.parametrize(
    "args",
    [("serve", "--port", "8999"), ("serve", "--port", "8999", "--no-migrate"), ("migrate",)],
    ids=["serve", "serve-no-migrate", "migrate"],
)
def test_reference_with_an_unreachable_database(args: tuple[str, ...]) -> None:
    done = run("-m", "reference", *args, "--database-url", DEAD_DATABASE)
    line = error_line(done)
    assert line.startswith("error: cannot reach the database postgresql://loomio:***@127.0.0.1:1")
    assert "Start PostgreSQL or fix --database-url" in line
    assert "pw-never-shown" not in done.stderr


def test_extract_into_an_unwritable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    out = str(blocker / "openapi.yaml")
    done = run("-m", "extractor", "examples/loomio-mini", "-o", out, "--overrides", OVERRIDES)
    line = error_line(done)
    assert str(blocker) in line and "cannot write" in line and "Pass -o" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- target: '#/paths'\n  set: {}\n", "got a list"),
        ("override:\n  - target: x\n", "got the keys ['override']"),
        ("overrides:\n  target: x\n", "`overrides:` must be a list of entries"),
    ],
    ids=["a list", "a misspelt key", "entries not a list"],
)
def test_extract_with_a_wrongly_shaped_overrides_file(
    tmp_path: Path, text: str, expected: str
) -> None:
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(text)
    out = tmp_path / "openapi.yaml"
    done = run(
        "-m", "extractor", "examples/loomio-mini", "-o", str(out), "--overrides", str(overrides)
    )
    line = error_line(done)
    assert str(overrides) in line and expected in line
    assert not out.exists()


def _shard(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    parts = tmp_path / name / "parts"
    parts.mkdir(parents=True)
    for file, text in files.items():
        (parts / file).write_text(text)
    return tmp_path / name


FINDING = {
    "id": "f1",
    "kind": "differential",
    "check": "lockstep",
    "title": "t",
    "operation": "GET /x",
    "backend": "go",
}


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"findings-gw0.jsonl": "not json\n" + json.dumps(FINDING) + "\n"}, "findings-gw0.jsonl:1"),
        ({"part-gw0.json": "{not json"}, "part-gw0.json: not a report part"),
        ({"part-gw0.json": '{"checks": [{"bogus": 1}]}'}, "part-gw0.json: not a report part"),
    ],
    ids=["broken findings line", "broken part file", "part of another shape"],
)
def test_report_merge_of_a_broken_shard(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    shard = _shard(tmp_path, "shard1", files)
    done = run("-m", "harness.report", "merge", str(shard), "-o", str(tmp_path / "out"))
    line = error_line(done)
    assert expected in line and ("delete" in line or "remove" in line)


STALE = {"findings": [{"id": f"old-{i}", "kind": "differential"} for i in range(3)]}


@pytest.mark.parametrize(
    "previous",
    [json.dumps(STALE), "{corrupt"],
    ids=["stale findings.json", "corrupt findings.json"],
)
def test_parity_run_ignores_an_earlier_runs_findings(tmp_path: Path, previous: str) -> None:
    report = tmp_path / "report"
    report.mkdir()
    (report / "findings.json").write_text(previous)
    done = run("-m", "harness.cli", "run", "--report", str(report), "--go-setenv", "BROKEN='x")
    assert "3 findings" not in done.stdout + done.stderr
    assert not (report / "findings.json").exists()


def test_parity_run_with_an_unbalanced_quote_in_setenv(tmp_path: Path) -> None:
    secret = "s3cret-in-setenv"
    done = run(
        "-m",
        "harness.cli",
        "run",
        "--report",
        str(tmp_path / "report"),
        "--go-setenv",
        f"API_TOKEN='{secret} RAILS_ENV=test",
    )
    line = error_line(done)
    assert line.startswith("ERROR: --go-setenv: cannot split into KEY=VALUE pairs")
    assert "close every quote" in line
    assert secret not in done.stdout + done.stderr


def test_parity_run_with_an_unknown_suite(tmp_path: Path) -> None:
    done = run("-m", "harness.cli", "run", "--report", str(tmp_path / "r"), "--suites", "contract")
    assert "unknown suite(s) ['contract']" in error_line(done)
