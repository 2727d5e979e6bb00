"""No password, cookie or token planted in findings or observations reaches a report file."""

from __future__ import annotations

from pathlib import Path

from harness.findings import Finding, FindingKind
from harness.report.model import Report, group_findings
from harness.report.render import render_report
from tests.harness.report.runs import run_pytest
from tests.harness.report.samples import sample_report

SECRETS = (
    "hunter2-planted",
    "cookie-planted-123",
    "tok-planted-abcdef",
    "tok-planted-query",
    "AKIA-planted",
    "pgpass-planted",
    "csrf-planted-999",
)


def secret_finding() -> Finding:
    return Finding.create(
        kind=FindingKind.DIFFERENTIAL,
        check="lockstep",
        title="value at /user/email",
        operation="POST /api/v1/sessions",
        backend="rails,go",
        pointer="/user/email",
        rails={"user": {"email": "a@example.com", "password": "hunter2-planted"}},
        go={"user": {"api_key": "AKIA-planted"}, "session": {"token": "tok-planted-abcdef"}},
        detail="login with password=hunter2-planted answered differently",
        steps=("visitor: GET /api/v1/login_tokens?token=tok-planted-query",),
        repro=(
            "curl -H 'Cookie: _loomio_session=cookie-planted-123' "
            "-H 'Authorization: Bearer tok-planted-abcdef' -H 'X-CSRF-Token: csrf-planted-999' "
            '-d \'{"email":"a@example.com","password":"hunter2-planted"}\' '
            "http://127.0.0.1:3000/api/v1/sessions"
        ),
        extra={"database_url": "postgresql://loomio:pgpass-planted@127.0.0.1/loomio"},
    )


def leaks(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(name, s) for name, text in texts.items() for s in SECRETS if s in text]


def test_no_planted_secret_in_any_rendered_file():
    report = sample_report(findings=group_findings([secret_finding()]))
    files = render_report(report)
    assert leaks(files) == []
    assert "[REDACTED]" in files["index.html"] and "[REDACTED]" in files["junit.xml"]
    assert "http://127.0.0.1:3000/api/v1/sessions" in files["index.html"]  # the repro survives


def test_no_planted_secret_in_a_real_run_report_or_its_parts(tmp_path):
    tests = f"""
def test_login(report_recorder, findings_writer):
    report_recorder.backend("rails", "http://admin:pgpass-planted@127.0.0.1:3000")
    exchange(report_recorder, "rails", "/api/v1/sessions?token=tok-planted-query",
             body={{"password": "hunter2-planted", "user": {{"id": 1}}}}, method="POST")
    findings_writer.write(Finding.from_dict({secret_finding().to_dict()!r}))

def test_fails_quoting_a_secret():
    from harness.redact import register_secret

    password = "hunter2-planted"
    register_secret(password)  # as the harness does for every seeded actor's password
    assert password == "Cookie: _loomio_session=cookie-planted-123"
"""
    for args in ((), ("-n", "1")):
        result = run_pytest(tmp_path, tests, *args)
        assert result.returncode == 1, result.stdout + result.stderr
        assert leaks(report_files(tmp_path)) == [], args


def report_files(tmp_path: Path) -> dict[str, str]:
    # findings-*.jsonl are written by harness.findings.FindingsWriter (its own redaction,
    # tested in tests/harness/test_findings.py); every other file here is the report's.
    return {
        str(p.relative_to(tmp_path)): p.read_text()
        for p in Path(tmp_path / "report").rglob("*")
        if p.is_file() and not p.name.startswith("findings-")
    }


def test_a_clean_report_is_not_masked_needlessly():
    files = render_report(Report())
    assert "[REDACTED]" not in "".join(files.values())
