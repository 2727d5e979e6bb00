"""Recorded traffic: a HAR written from a run reads back as the requests it sent."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from harness.http import ApiRequest, ApiResponse
from harness.traffic import TrafficError, har_entry, read_traffic


def write_har(path: Path, entries: list[dict]) -> Path:  # type: ignore[type-arg]
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    return path


def test_a_recorded_request_reads_back_with_its_identity_body_and_label(tmp_path: Path) -> None:
    basic = "Basic " + base64.b64encode(b"a@example.com:pw").decode()
    request = ApiRequest(
        method="POST",
        path="/api/v1/comments",
        params=(("x", "1 2"),),
        json={"comment": {"body": "hi"}},
        actor="member",
        label="POST /api/v1/comments",
    )
    entry = har_entry(
        "http://127.0.0.1:9", request, ApiResponse(status=200), {"Authorization": basic}
    )
    traffic = read_traffic(write_har(tmp_path / "s.har", [entry]))
    (read,) = traffic.requests
    assert (read.method, read.target, read.label) == (
        "POST",
        "/api/v1/comments?x=1+2",
        "POST /api/v1/comments",
    )
    assert ("Authorization", basic) in read.headers
    assert json.loads(read.body) == {"comment": {"body": "hi"}}


def test_hop_by_hop_headers_are_not_replayed(tmp_path: Path) -> None:
    entry = {
        "request": {
            "method": "get",
            "url": "https://loomio.example/api/v1/groups/1",
            "headers": [
                {"name": "Host", "value": "loomio.example"},
                {"name": ":authority", "value": "loomio.example"},
                {"name": "Cookie", "value": "_loomio=abc"},
            ],
        }
    }
    (read,) = read_traffic(write_har(tmp_path / "b.har", [entry])).requests
    assert read.method == "GET" and read.headers == (("Cookie", "_loomio=abc"),)


def test_a_malformed_entry_is_named(tmp_path: Path) -> None:
    path = write_har(tmp_path / "bad.har", [{"request": {"method": "GET"}}])
    with pytest.raises(TrafficError, match=r"bad.har: entry 1: .*url"):
        read_traffic(path)


def test_nginx_log_gives_its_reads_and_counts_the_rest(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        '127.0.0.1 - - [06/Dec/2026:07:00:00 +0000] "GET /api/v1/groups/1?x=2 HTTP/1.1" 200 12 "-" "ua"\n'
        '127.0.0.1 - - [06/Dec/2026:07:00:01 +0000] "POST /api/v1/comments HTTP/1.1" 200 12 "-" "ua"\n'
    )
    traffic = read_traffic(log)
    assert [r.target for r in traffic.requests] == ["/api/v1/groups/1?x=2"]
    assert traffic.skipped == 1 and "only GET and HEAD" in traffic.why_skipped


def test_a_line_in_another_format_is_an_error_with_its_line(tmp_path: Path) -> None:
    log = tmp_path / "rails.log"
    log.write_text('Started GET "/api/v1/groups/1" for 127.0.0.1\n')
    with pytest.raises(TrafficError, match=r"rails.log:1: not an nginx"):
        read_traffic(log)
