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
from typing import Any

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
    porting: str = ""  # "N of M operations ported, K identical to Rails" (a partial port)

    @property
    def passed(self) -> bool:
        return self.findings == 0 and self.exit_status == 0

    def summary(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        why = f"{self.findings} finding{'s' if self.findings != 1 else ''}"
        if self.findings == 0 and self.exit_status != 0:
            why += f", pytest exit status {self.exit_status}"
        porting = f"; {self.porting}" if self.porting else ""
        return f"parity: {verdict} ({why}){porting}; report: {self.report / 'index.html'}"


class RunError(Exception):
    """`parity run` cannot go on or cannot read what the run wrote; the message says why."""


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options; everything else (backend options, -x, -k …) goes to pytest."""
    parser = argparse.ArgumentParser(
        prog="parity run",
        description="Run the contract and property suites against two backends and write "
        "the report. Unknown options go to pytest (see `pytest --help`, group 'backends').",
    )
    parser.add_argument("--report", default="report", help="report directory (default: report)")
    parser.add_argument(
        "--spec",
        default=None,
        help="OpenAPI spec every suite tests against (default: ini spec, env PARITY_SPEC, "
        "else spec/openapi.yaml)",
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
        raise RunError(
            f"--suites {suites!r}: unknown suite(s) {unknown}; choose from {', '.join(SUITES)}"
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


def clear_findings(report_dir: Path) -> None:
    """An earlier run's findings.json must not be counted as this run's (nor break it)."""
    path = report_dir / "findings.json"
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise RunError(
            f"{path}: cannot remove the previous run's findings ({exc.strerror}). "
            "Pass --report with a directory you can write to."
        ) from None


def count_findings(report_dir: Path) -> int:
    """Findings written by this run's report plugin; a missing file means it never finished."""
    data = _findings_json(report_dir)
    findings = data.get("findings", []) if isinstance(data, dict) else data
    if not isinstance(findings, list):
        raise RunError(
            f"{report_dir / 'findings.json'}: not a findings file (no list of findings). It is "
            "written by the report plugin at the end of a run; delete it and run again."
        )
    return len(findings)


def porting_line(report_dir: Path) -> str:
    """The porting progress line of a partial port's run ('' for a full port)."""
    data = _findings_json(report_dir)
    porting = data.get("porting") if isinstance(data, dict) else None
    return str(porting["line"]) if isinstance(porting, dict) else ""


def _findings_json(report_dir: Path) -> Any:
    """This run's findings.json ({} when the run never finished); RunError when unreadable."""
    path = report_dir / "findings.json"
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunError(
            f"{path}: unreadable findings ({type(exc).__name__}: {exc}). It is written by the "
            "report plugin at the end of a run; delete it and run again."
        ) from None


def main(argv: list[str] | None = None) -> int:
    """Run the suites with the report plugin and print the one-line verdict; exit 2 when the
    run could not start (a usage error: pytest's own status 4 included)."""
    try:
        return _run(sys.argv[1:] if argv is None else argv)
    except RunError as exc:
        print(f"parity run: {exc}", file=sys.stderr)
        return 2


def _run(argv: list[str]) -> int:
    args, passthrough = parse_args(argv)
    report = Path(args.report).resolve()
    clear_findings(report)
    spec = Path(args.spec).resolve() if args.spec else None
    if args.extract:
        spec = extract_spec(args.extract, report)
    pytest_args = [
        *suite_paths(args.suites),
        f"--rootdir={REPO}",
        "--report",
        str(report),
        *(["--spec", str(spec)] if spec else []),  # else --spec/ini/env: suites and coverage
        f"--hypothesis-profile={args.profile}",
        # One line per failed check: each finding's whole story (values, diff, shrunk steps,
        # repro) is in the report; `--tb=long` (or any --tb) brings pytest's back.
        *([] if any(a.startswith("--tb") for a in passthrough) else ["--tb=line"]),
        *passthrough,
    ]
    exit_status = int(pytest.main(pytest_args))
    if exit_status == pytest.ExitCode.USAGE_ERROR:
        return 2  # pytest printed the one-line error
    outcome = RunOutcome(count_findings(report), exit_status, report, porting_line(report))
    print(outcome.summary())
    return 0 if outcome.passed else 1
