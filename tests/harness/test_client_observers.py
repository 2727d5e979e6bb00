"""Every answer a BackendClient gets is shown to its observers (the report's coverage)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.client import BackendClient
from harness.http import ApiRequest, ApiResponse


class _Groups(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"groups": [{"id": 7}], "meta": {"root": "groups"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Groups)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_observers_see_every_answer_with_the_backend_name(server_url: str) -> None:
    seen: list[tuple[str, ApiRequest, ApiResponse]] = []
    client = BackendClient(name="go", base_url=server_url, timeout=5)
    client.observers.append(lambda name, req, resp: seen.append((name, req, resp)))
    request = ApiRequest(method="GET", path="/api/v1/groups/7")
    client.send(request)
    client.send(request)
    client.close()
    assert [(name, req.path, resp.status) for name, req, resp in seen] == [
        ("go", "/api/v1/groups/7", 200),
        ("go", "/api/v1/groups/7", 200),
    ]
    assert seen[0][2].body == {"groups": [{"id": 7}], "meta": {"root": "groups"}}


def test_secure_cookies_of_a_loopback_backend_are_sent_over_http() -> None:
    import requests
    from requests.cookies import create_cookie

    from harness.client import LoopbackCookieJar

    session = requests.Session()
    session.cookies = LoopbackCookieJar()
    for domain in ("127.0.0.1", "example.com"):
        session.cookies.set_cookie(create_cookie("s", domain, domain=domain, secure=True))
    sent = session.prepare_request(requests.Request("GET", "http://127.0.0.1:9/x"))
    assert sent.headers.get("Cookie") == "s=127.0.0.1"
    elsewhere = session.prepare_request(requests.Request("GET", "http://example.com/x"))
    assert elsewhere.headers.get("Cookie") is None  # Secure stays Secure off loopback
