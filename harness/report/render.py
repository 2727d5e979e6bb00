"""Report model -> files (pure): index.html, junit.xml, findings.json, summary.md.

`render_report(report)` returns {file name: text}; the plugin writes them. Every string
of the model goes through the harness' redaction first, so no file holds a password,
cookie or token even when a finding quotes one.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jinja2

from harness.report.junit import render_junit
from harness.report.model import FindingGroup, Report
from harness.report.plot import latency_svg
from harness.report.porting import Porting, history_svg
from harness.report.text import diff_lines, fenced, md_inline, percent, pretty, scrub, sides

TEMPLATES = Path(__file__).parent / "templates"
SUMMARY_GROUPS = 30  # GitHub caps a job summary at 1 MiB; the HTML report has them all


def render_report(report: Report) -> dict[str, str]:
    """Every report file, by name, from one model."""
    report = scrub(report)
    files = {
        "index.html": render_html(report),
        "junit.xml": render_junit(report),
        "findings.json": render_findings_json(report),
        "summary.md": render_summary(report),
    }
    if report.abilities is not None:
        files["ability-matrix.json"] = report.abilities.to_json()
    if report.permission_cells is not None:
        files["permission-cells.json"] = report.permission_cells.to_json()
    if report.parameters is not None:
        files["parameter-coverage.json"] = report.parameters.to_json()
    if report.transitions is not None:
        files["transition-coverage.json"] = report.transitions.to_json()
    return files


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html.j2"], default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(pretty=pretty, percent=percent, md=md_inline, fenced=fenced)
    env.globals.update(
        diff_lines=diff_lines, sides=sides, history_svg=history_svg, latency_svg=latency_svg
    )
    return env


_ENV = _environment()


def render_html(report: Report) -> str:
    """The self-contained HTML report (inline CSS, no script, no external resource)."""
    return _ENV.get_template("index.html.j2").render(report=report)


def render_summary(report: Report) -> str:
    """The Markdown job summary: verdict, coverage, findings by kind, the first groups."""
    return _ENV.get_template("summary.md.j2").render(
        report=report, groups=report.findings[:SUMMARY_GROUPS], limit=SUMMARY_GROUPS
    )


def render_findings_json(report: Report) -> str:
    """findings.json: verdict, counts, every finding once (`Finding.from_dict` reads each
    back) and the groups the report shows, by finding id."""
    document = {
        "verdict": report.verdict.value,
        "finding_count": report.finding_count,
        "kinds": dict(report.kinds),
        "findings": [f.to_dict() for g in report.findings for f in g.findings],
        "groups": [_group_json(g) for g in report.findings],
        "gates": [
            {"name": g.name, "threshold": g.threshold, "measured": g.measured, "go": g.go}
            for g in report.gates
        ],
        "latency": _latency_json(report),
    }
    if report.porting is not None:
        document["porting"] = _porting_json(report.porting)
    return json.dumps(document, indent=2, sort_keys=True, default=str) + "\n"


def _latency_json(report: Report) -> dict[str, Any] | None:
    """The overall ratio and its interval, for the summary line of `parity run`."""
    overall = report.latency.overall if report.latency else None
    if overall is None or overall.ratio is None:
        return None
    r = overall.ratio
    return {"pairs": overall.pairs, "ratio": r.estimate, "low": r.low, "high": r.high}


def _porting_json(porting: Porting) -> dict[str, Any]:
    return {
        "line": porting.line,
        "total": porting.total,
        "ported": porting.ported,
        "identical": porting.identical,
        "operations": [asdict(row) for row in porting.rows],
    }


def _group_json(group: FindingGroup) -> dict[str, Any]:
    return {
        "kind": group.kind,
        "check": group.check,
        "operation": group.operation,
        "title": group.title,
        "ids": [f.id for f in group.findings],
    }
