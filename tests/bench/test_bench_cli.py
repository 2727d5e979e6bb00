"""The bench entry command's plumbing: parts, results.json, the page (no timing assertions)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import parse_args, suite_args
from bench.detection import list_faults
from bench.findings import detections, finding_key
from bench.page import render_markdown, render_page
from bench.suites import CHANNEL_SUITE, CONFORMANCE_GO, fault_option, targets_for

REPO = Path(__file__).resolve().parents[2]


def test_quick_extraction_writes_results_and_page(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    cmd = [
        sys.executable,
        "-m",
        "bench",
        "--quick",
        "--only",
        "extraction",
        "--out",
        str(out),
        "--work",
        str(tmp_path / "work"),
    ]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    results = json.loads(out.read_text())
    assert results["extraction"][0]["rails_root"] == "examples/loomio-mini"
    assert results["extraction"][0]["exit_codes"] == [0]
    assert "Extraction" in out.with_suffix(".html").read_text()
    assert "| examples/loomio-mini | 1 |" in out.with_suffix(".md").read_text()


def test_unknown_part_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--only", "speed"])


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("type", CONFORMANCE_GO),
        ("ordering", "contracts/test_differential.py"),
        ("threading", "properties/test_threading.py"),
        ("data", "contracts/test_differential.py"),
    ],
    ids=[
        "contract-category-runs-go-conformance",
        "differential-always",
        "property-suite-discovered",
        "data-runs-the-differential",
    ],
)
def test_category_selects_suites(category: str, expected: str) -> None:
    assert expected in targets_for(category)[0]


def test_detection_ignores_rails_only_and_baseline_findings() -> None:
    rails = {
        "kind": "conformance",
        "check": "c",
        "operation": "GET /x",
        "title": "t",
        "backend": "rails",
    }
    noisy = {**rails, "backend": "go"}
    new = {**noisy, "title": "other"}
    assert detections([rails, noisy, new], {finding_key(noisy)}) == [new]


def test_page_renders_every_part() -> None:
    results = {
        "meta": {"date": "d", "machine": "m", "command": "c", "seconds": 1},
        "extraction": [
            {
                "rails_root": "x",
                "runs": 1,
                "wall_s_median": 1,
                "wall_s_min": 1,
                "peak_rss_mib": 1,
                "exit_codes": [0],
            }
        ],
        "detection": {
            "profile": "ci",
            "seed": 0,
            "detected": 1,
            "ran": 1,
            "faults": 1,
            "detection_pct": 100.0,
            "median_time_to_detection_s": 1,
            "median_examples_to_detection": 1,
            "false_positives": 0,
            "clean_runs": [],
            "property_suites_missing_for": [],
            "by_category": {"type": {"detected": 1, "ran": 1}},
            "rows": [{"name": "f", "category": "type", "detected": True, "by": ["x/y"]}],
        },
    }
    assert "f</td>" in render_page(results)
    assert "| f | type | x/y |" in render_markdown(results)


def test_live_faults_run_the_lockstep_alone() -> None:
    assert targets_for("live") == (["contracts/test_differential.py"], False)


def test_channel_faults_are_in_the_matrix_and_run_the_channel_suite() -> None:
    channel = [f for f in list_faults() if f["category"] == "channel"]
    assert {"channel_inner_records", "channel_malformed_crash"} <= {f["name"] for f in channel}
    assert targets_for("channel") == ([CHANNEL_SUITE], False)
    assert fault_option("channel") == "--go-channel-faults"
    assert fault_option("shape") == "--go-faults"


@pytest.mark.slow
@pytest.mark.backend
def test_suite_args_reach_every_detection_run(tmp_path: Path) -> None:
    """A mixed stack's fault is found through the router: the options reach the suite run."""
    manifest = "examples/routes/groups-and-discussions-reads.yaml"
    out = tmp_path / "results.json"
    cmd = [sys.executable, "-m", "bench", "--only", "detection", "--profile", "dev"]
    cmd += ["--faults", "groups_index_order_ascending", "--clean-runs", "0", "--workers", "1"]
    cmd += ["--suite-args", f"--go-ported {manifest}", "--out", str(out)]
    cmd += ["--work", str(tmp_path / "work")]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    detection = json.loads(out.read_text())["detection"]
    assert detection["suite_args"] == ["--go-ported", str(REPO / manifest)]
    assert detection["detected"] == 1, detection["rows"]
    runs = list((tmp_path / "work" / "detection").rglob("command.txt"))
    assert runs and all(f"--go-ported {REPO / manifest}" in p.read_text() for p in runs)


def test_suite_args_paths_are_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "routes.yaml").write_text("{}")
    monkeypatch.chdir(tmp_path)
    args = suite_args("--go-ported routes.yaml --spec=routes.yaml --go-faults x -k 'a or b'")
    routes = str(tmp_path / "routes.yaml")
    assert args == ("--go-ported", routes, f"--spec={routes}", "--go-faults", "x", "-k", "a or b")
