"""Report model -> JUnit XML (pure): a testcase per check, a failing testcase per finding group.

CI test-report viewers then show each finding group (kind, operation, JSON Pointer) as
one failed test whose text holds both values, the diff and the repro script.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from harness.report.live import LiveUpdates
from harness.report.model import CheckResult, FindingGroup, Report
from harness.report.text import pretty

# XML 1.0 forbids most control characters, even escaped; a backend's body may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_OUTCOME_TAG = {"failed": "failure", "error": "error", "skipped": "skipped"}


def render_junit(report: Report) -> str:
    """junit.xml: suite `findings` first, then one suite per test file that ran."""
    root = ET.Element("testsuites", name="loomio-parity")
    suites = [_findings_suite(report.findings)]
    by_suite: dict[str, list[CheckResult]] = {}
    for check in report.checks:
        by_suite.setdefault(check.suite, []).append(check)
    suites += [_checks_suite(name, checks) for name, checks in by_suite.items()]
    suites += [_live_suite(report.live)] if report.live else []
    for suite in suites:
        root.append(suite)
    _count(root, suites)
    root.set("time", f"{report.run.duration_s:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _findings_suite(groups: tuple[FindingGroup, ...]) -> ET.Element:
    suite = ET.Element("testsuite", name="findings")
    if not groups:
        ET.SubElement(suite, "testcase", classname="findings", name="no finding")
    for group in groups:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"findings.{_clean(group.kind)}",
            name=_clean(" ".join(p for p in (group.operation, group.title) if p) or group.kind),
        )
        failure = ET.SubElement(
            case, "failure", type=_clean(group.kind), message=_clean(_headline(group))
        )
        failure.text = _clean(failure_text(group))
    return suite


def _headline(group: FindingGroup) -> str:
    times = f" ({len(group.findings)} occurrences)" if len(group.findings) > 1 else ""
    return f"{group.key}{times}"


def failure_text(group: FindingGroup) -> str:
    """What a developer needs to act: detail, both values, the repro of the first occurrence."""
    first = group.first
    parts = [first.detail, f"backend: {first.backend}" if first.backend else ""]
    parts.append(f"pointer: {first.pointer}" if first.pointer else "")
    parts += [f"rails:\n{pretty(first.rails)}", f"go:\n{pretty(first.go)}"]
    if first.steps:
        parts.append("steps:\n" + "\n".join(first.steps))
    if first.repro:
        parts.append(f"repro:\n{first.repro}")
    return "\n\n".join(p for p in parts if p)


def _checks_suite(name: str, checks: Iterable[CheckResult]) -> ET.Element:
    suite = ET.Element("testsuite", name=_clean(name))
    for check in checks:
        path, _, test = check.nodeid.partition("::")
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_clean(path.removesuffix(".py").replace("/", ".")),
            name=_clean(test or path),
            time=f"{check.duration_s:.3f}",
        )
        tag = _OUTCOME_TAG.get(check.outcome)
        if tag:
            element = ET.SubElement(case, tag, message=_clean(check.message.split("\n", 1)[0]))
            element.text = _clean(check.message) or None
    return suite


def _live_suite(live: LiveUpdates) -> ET.Element:
    """One case per live-update check: failed with its finding count, or skipped with why
    nothing was compared."""
    suite = ET.Element("testsuite", name="live updates")
    for check, what, found in live.findings:
        case = ET.SubElement(suite, "testcase", classname=f"live.{check}", name=_clean(what))
        if not live.compared_at_all:
            why = "; ".join(live.not_compared) or "no lockstep step was settled"
            ET.SubElement(case, "skipped", message=_clean(f"live updates not compared: {why}"))
        elif found:
            ET.SubElement(case, "failure", type=check, message=f"{found} findings ({check})")
    return suite


def _count(root: ET.Element, suites: list[ET.Element]) -> None:
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for suite in suites:
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))


def _clean(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)
