"""The report's data-parity section: figures, skipped sides, columns left out, findings."""

from __future__ import annotations

from harness.findings import Finding, FindingKind
from harness.noise import NoiseField
from harness.report.model import DATA_SUITE, SuiteResult, group_findings
from harness.report.render import render_report
from tests.harness.report.samples import sample_report

FIGURES = (("examples compared", 25.0), ("rows compared", 2470.0), ("invariant violations", 1.0))


def data_finding(check: str) -> Finding:
    return Finding.create(
        kind=FindingKind.DATA, check=check, title=f"{check} at /comments/*/body_format",
        operation="table comments", backend="rails,go", pointer="/comments/comments#1/body_format",
        rails="md", go="MD", steps=("member: POST /api/v1/comments",),
    )  # fmt: skip


def test_data_parity_section_lists_figures_noise_and_findings() -> None:
    report = sample_report(
        suites=(SuiteResult(suite=DATA_SUITE, metrics=FIGURES),),
        noise=(NoiseField(pattern="data /users/*/last_seen_at", source="declared"),),
        findings=group_findings([data_finding("data_parity"), data_finding("data_invariant")]),
    )
    summary = report.data_parity
    assert summary is not None and summary.differences == 1 and summary.violations == 1
    page = render_report(report)["index.html"]
    section = page[page.index('id="data-parity"') :]
    assert "rows compared" in section and "2470" in section
    assert "data /users/*/last_seen_at" in section and 'href="#kind-data"' in section


def test_a_skipped_comparison_says_why() -> None:
    why = "the go side runs in url mode without --go-database-url: its database is unknown"
    report = sample_report(
        suites=(SuiteResult(suite=DATA_SUITE, metrics=((f"skipped: {why}", 1),)),)
    )
    assert report.data_parity is not None and report.data_parity.skipped == (why,)
    assert f"Not compared: {why}" in render_report(report)["index.html"]


def test_no_section_without_data_parity() -> None:
    report = sample_report()
    assert report.data_parity is None
    assert 'id="data-parity"' not in render_report(report)["index.html"]
