"""The report on disk: part files in, report files out (the I/O around the pure core)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from harness.errors import HarnessError
from harness.findings import findings_files, merge_findings
from harness.gates import Gates
from harness.report.build import build_report
from harness.report.model import Report, combine_runs
from harness.report.porting import history_line, read_history
from harness.report.recorder import Recorder, merge_recorders
from harness.report.render import render_report
from harness.spec import parse_yaml

EXTRACTION_REPORT = "extraction-report.json"  # written by `parity extract` next to the spec
ABILITIES = "abilities.yaml"  # the ability matrix, also written next to the spec


def report_from_parts(
    parts_dirs: Sequence[Path], spec_path: Path, gates: Gates | None = None
) -> Report:
    """The report of one run, or of several shards: every part and findings file merged."""
    record = merge_recorders(read_parts(parts_dirs))
    return build_report(
        record,
        merge_findings(p for d in parts_dirs for p in findings_files(d)),
        spec=load(spec_path),
        extraction=load(spec_path.with_name(EXTRACTION_REPORT)),
        run=combine_runs(record.runs),
        abilities=load(spec_path.with_name(ABILITIES)),
        gates=gates,
    )


def with_history(report: Report, path: Path) -> Report:
    """A partial port's report with its progress history: this run's point is appended to
    `path` (kept next to the report files, across runs) and the curve read back."""
    if report.porting is None:
        return report
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    point = report.porting.point(report.run.started_at)
    with path.open("a", encoding="utf-8") as history:
        history.write(history_line(point))
    porting = replace(report.porting, history=(*read_history(lines), point))
    return replace(report, porting=porting)


def read_parts(parts_dirs: Iterable[Path]) -> Iterator[Recorder]:
    """Every `part-*.json`, workers before their controller (`part-main.json`): a worker's
    record of a test, masked with its own secrets, wins (see `Recorder.merge`)."""
    for directory in parts_dirs:
        paths = sorted(
            directory.glob("part-*.json"), key=lambda p: (p.name == "part-main.json", p.name)
        )
        for path in paths:
            try:
                yield Recorder.from_json(path.read_text(encoding="utf-8"))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise HarnessError(
                    f"{path}: not a report part ({type(exc).__name__}: {exc}). Parts are "
                    "written by `pytest --report DIR`; delete this file (or rerun its shard) "
                    "to merge the others."
                ) from None


def write_report(report: Report, out_dir: Path) -> None:
    """Every report file into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in render_report(report).items():
        write_atomic(out_dir / name, text)


def load(path: Path) -> Any:
    """A YAML or JSON document, or None when the file does not exist."""
    if not path.is_file():
        return None
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f":{where.line + 1}" if where is not None else ""
        raise HarnessError(
            f"{path}{line}: not valid YAML or JSON ({str(exc).splitlines()[0]}). Fix the file "
            "or point --spec / --report-spec at another."
        ) from None


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
