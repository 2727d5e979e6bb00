"""`parity run`: the main job in one command.

Extract the spec (or use the committed one), provision the two backends (the embedded default
when nothing is configured), run the contract and property suites with the report plugin,
then print one summary line and the report path. Exit 0 only when the run found nothing.
Backend options (`--rails-url`, `--go-cmd`, `--go-faults`, …) pass straight to pytest.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SUITES = ("contracts", "properties")
PROFILES = ("dev", "ci", "nightly")


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """What the summary line says: verdict, finding count, pytest's exit status, where."""

    findings: int
    exit_status: int
    report: Path
    note: str = ""  # ", go/rails 1.02 [0.99, 1.05], gates no-go: go p95"

    @property
    def passed(self) -> bool:
        return self.findings == 0 and self.exit_status == 0

    def summary(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        why = f"{self.findings} finding{'s' if self.findings != 1 else ''}"
        if self.findings == 0 and self.exit_status != 0:
            why += f", pytest exit status {self.exit_status}"
        why += self.note
        return f"parity: {verdict} ({why}); report: {self.report / 'index.html'}"


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options; everything else (backend options, -x, -k …) goes to pytest."""
    parser = argparse.ArgumentParser(
        prog="parity run",
        description="Run the contract and property suites against two backends and write "
        "the report. Unknown options go to pytest (see `pytest --help`, group 'backends').",
    )
    parser.add_argument("--report", default="report", help="report directory (default: report)")
    parser.add_argument(
        "--spec", default=None, help="OpenAPI spec to test against (default: spec/openapi.yaml)"
    )
    parser.add_argument(
        "--extract",
        metavar="RAILS_ROOT",
        default=None,
        help="extract the spec from this Rails tree first (written into the report directory)",
    )
    parser.add_argument("--profile", choices=PROFILES, default="dev", help="Hypothesis profile")
    parser.add_argument(
        "--suites",
        default=",".join(SUITES),
        help=f"comma-separated suites to run (default: {','.join(SUITES)})",
    )
    return parser.parse_known_args(argv)


def suite_paths(suites: str) -> list[str]:
    """`contracts,properties` -> the suite directories; a typo is a usage error."""
    chosen = [s.strip() for s in suites.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SUITES]
    if unknown or not chosen:
        raise SystemExit(
            f"parity run: --suites {suites!r}: unknown suite(s) {unknown}; "
            f"choose from {', '.join(SUITES)}"
        )
    return [str(REPO / s) for s in chosen]


def extract_spec(rails_root: str, out_dir: Path) -> Path:
    """Run the extractor into out_dir/openapi.yaml; exit with its status when it fails."""
    from extractor.cli import main as extract

    out_dir.mkdir(parents=True, exist_ok=True)
    spec = out_dir / "openapi.yaml"
    status = extract([rails_root, "-o", str(spec)])
    if status != 0:
        raise SystemExit(status)
    return spec


def latency_note(report_dir: Path) -> str:
    """The overall ratio go/rails and the no-go gates, as findings.json has them."""
    path = report_dir / "findings.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    if not isinstance(data, dict):
        return ""
    note = ""
    if data.get("latency"):
        r = data["latency"]
        note += f", go/rails {r['ratio']:.2f} [{r['low']:.2f}, {r['high']:.2f}]"
    failed = [g["name"] for g in data.get("gates", ()) if g.get("go") is False]
    failed = [name for name in failed if name != "contract pass"]  # the findings say it
    return note + (f", gates no-go: {', '.join(failed)}" if failed else "")


def count_findings(report_dir: Path) -> int:
    """Findings written by the report plugin; a missing file means the run never finished."""
    path = report_dir / "findings.json"
    if not path.exists():
        return 0
    data = json.loads(path.read_text())
    findings = data.get("findings", data) if isinstance(data, dict) else data
    return len(findings)


def main(argv: list[str] | None = None) -> int:
    """Run the suites with the report plugin and print the one-line verdict."""
    args, passthrough = parse_args(sys.argv[1:] if argv is None else argv)
    report = Path(args.report).resolve()
    spec = Path(args.spec).resolve() if args.spec else REPO / "spec" / "openapi.yaml"
    if args.extract:
        spec = extract_spec(args.extract, report)
    pytest_args = [
        *suite_paths(args.suites),
        f"--rootdir={REPO}",
        "--report",
        str(report),
        "--report-spec",
        str(spec),
        f"--hypothesis-profile={args.profile}",
        *passthrough,
    ]
    exit_status = int(pytest.main(pytest_args))
    outcome = RunOutcome(count_findings(report), exit_status, report, latency_note(report))
    print(outcome.summary())
    return 0 if outcome.passed else 1
