"""Run after contracts/test_differential.py in the same session (`python -m bench` does it).

Replays the differential's captured HTTP exchanges (bench.plugin --bench-capture) with bare
`requests` sessions on the same backends, and times both isolation strategies per example.
Writes its figures to the bench JSON Lines file (--bench-out) as `event: overhead`.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.plugin import CAPTURED
from harness.backends import Backends
from harness.isolation import open_scope, reset_databases

ISOLATION_SAMPLES = 10


def _replay(exchanges: list[dict[str, Any]]) -> float:
    """Seconds for a bare loop over the same requests (same auth, new sessions)."""
    sessions: dict[int, requests.Session] = {}
    start = time.perf_counter()
    for x in exchanges:
        original = x["session"]
        session = sessions.get(id(original))
        if session is None:
            session = sessions[id(original)] = requests.Session()
            session.auth, session.cookies = original.auth, original.cookies
        headers = {"Accept": "application/json"}
        token = session.cookies.get("csrftoken")
        if token and x["method"] != "GET":
            headers["X-CSRF-Token"] = token
        session.request(
            x["method"],
            x["url"],
            params=x["params"],
            json=x["json"],
            headers=headers,
            timeout=30,
            allow_redirects=False,
        )
    return time.perf_counter() - start


def _timed(action: Any, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def test_overhead_figures(backends: Backends, pytestconfig: pytest.Config) -> None:
    exchanges = [x for x in CAPTURED if x.get("suite")]
    assert exchanges, "run contracts/test_differential.py first, with --bench-capture"
    suite_s = exchanges[-1]["at"] + exchanges[-1]["s"] - exchanges[0]["at"]
    http_s = sum(x["s"] for x in exchanges)
    bare_s = _replay(exchanges)

    def scoped() -> None:
        with open_scope(backends):
            pass

    clone = _timed(lambda: reset_databases(backends), ISOLATION_SAMPLES)
    scope = _timed(scoped, ISOLATION_SAMPLES)
    record = {
        "event": "overhead",
        "requests": len(exchanges),
        "suite_s": suite_s,
        "http_s": http_s,
        "bare_s": bare_s,
        "suite_rps": len(exchanges) / suite_s,
        "bare_rps": len(exchanges) / bare_s,
        "isolation_ms": {
            "clone": {"median": statistics.median(clone), "max": max(clone)},
            "scoped": {"median": statistics.median(scope), "max": max(scope)},
        },
        "isolation_samples": ISOLATION_SAMPLES,
    }
    with Path(pytestconfig.getoption("bench_out")).open("a") as f:
        f.write(json.dumps(record) + "\n")
