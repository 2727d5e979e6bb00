"""Findings: JSON round trip, per-worker files that survive a crash, merge, redaction."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.compare import ABSENT, Difference, Kind
from harness.errors import HarnessError
from harness.findings import (
    Finding,
    FindingKind,
    FindingsWriter,
    findings_files,
    merge_findings,
    read_findings,
)


def a_finding(
    title: str = "missing key", pointer: str = "/discussions/discussions#1/title"
) -> Finding:
    return Finding.create(
        kind=FindingKind.DIFFERENTIAL,
        check="lockstep",
        title=title,
        operation="GET /api/v1/discussions/{key}",
        backend="rails,go",
        pointer=pointer,
        rails="Where?",
        go=ABSENT,
        steps=("member: POST /api/v1/discussions", "member: GET /api/v1/discussions/{key}"),
        extra={"seed": 7},
    )


def test_round_trips_through_json() -> None:
    finding = a_finding()
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))) == finding


def test_id_is_stable_and_ignores_which_record_it_was() -> None:
    assert a_finding().id == a_finding(pointer="/discussions/discussions#4/title").id
    assert a_finding().id != a_finding(title="other").id


def test_id_accepts_a_place_that_is_not_a_pointer() -> None:
    finding = Finding.create(
        kind=FindingKind.TALLY, check="tally", title="t", pointer="poll 3 / option 2"
    )
    assert len(finding.id) == 16


def test_from_difference() -> None:
    difference = Difference(
        pointer="/events/events#2/depth", kind=Kind.VALUE, rails=1, go=2, detail="value differs"
    )
    finding = Finding.from_difference(difference, operation="GET /api/v1/events", repro="curl …")
    assert finding.kind is FindingKind.DIFFERENTIAL
    assert finding.title == "value at /events/*/depth"
    assert (finding.rails, finding.go, finding.repro) == (1, 2, "curl …")
    assert finding.extra["difference_kind"] == "value"


def test_writer_flushes_each_finding_so_a_killed_run_keeps_them(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from harness.findings import Finding, FindingKind, FindingsWriter
        writer = FindingsWriter.for_worker(Path({str(tmp_path)!r}), "gw1")
        for n in range(3):
            writer.write(Finding.create(kind=FindingKind.TALLY, check="tally", title=f"t{{n}}"))
        writer._file.write('{{"id": "torn", "kin')  # killed in the middle of a line
        writer._file.flush()
        os._exit(9)  # no close, no atexit
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False, cwd=Path.cwd())
    assert result.returncode == 9
    found = read_findings(tmp_path / "findings-gw1.jsonl")
    assert [f.title for f in found] == ["t0", "t1", "t2"]


def test_a_corrupt_line_in_the_middle_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "findings-gw0.jsonl"
    path.write_text('{"bad": 1}\n' + json.dumps(a_finding().to_dict()) + "\n")
    with pytest.raises(HarnessError, match=r"findings-gw0.jsonl:1: not a finding"):
        read_findings(path)


def test_merge_dedupes_by_id_across_workers(tmp_path: Path) -> None:
    other = a_finding(title="extra key")
    with FindingsWriter.for_worker(tmp_path, "gw0") as writer:
        writer.write(a_finding())
        writer.write(other)
    with FindingsWriter.for_worker(tmp_path, "gw1") as writer:
        writer.write(a_finding(pointer="/discussions/discussions#2/title"))
    merged = merge_findings(findings_files(tmp_path))
    assert [f.title for f in merged] == ["missing key", "extra key"]


def test_writer_redacts_secrets(tmp_path: Path) -> None:
    finding = Finding.create(
        kind=FindingKind.CONFORMANCE,
        check="not_a_server_error",
        title="500",
        repro="curl -H 'Cookie: _loomio=abc123secret' -H 'Authorization: Basic YW5hOnB3MTIzNDU2'",
        rails={"user": {"email": "a@b.c", "password": "hunter22"}},
        detail='body was {"password": "hunter22", "api_key": "k-99887766"}',
    )
    with FindingsWriter.for_worker(tmp_path) as writer:
        writer.write(finding)
    text = (tmp_path / "findings-main.jsonl").read_text()
    for secret in ("hunter22", "abc123secret", "YW5hOnB3MTIzNDU2", "k-99887766"):
        assert secret not in text
    assert "a@b.c" in text
