"""A server that closes a kept-alive connection as a request arrives (the request raced its
idle timeout): a read is sent again once on a new connection, a write is not."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from harness.client import BackendClient
from harness.events import BackendGone
from harness.http import ApiRequest

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class ClosingServer:
    """Answers the first request of each connection, then closes the connection when the
    next request arrives, without answering it (what a server's keep-alive timeout does)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.requests: list[str] = []  # request lines, answered or not
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    def _connection(self, conn: socket.socket) -> None:
        with conn:
            for answered in (True, False):
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                while len(body) < length:  # the body too: the next request starts after it
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    body += chunk
                self.requests.append(head.split(b"\r\n", 1)[0].decode())
                if answered:
                    conn.sendall(OK)


@pytest.fixture
def server() -> Iterator[ClosingServer]:
    server = ClosingServer()
    yield server
    server.listener.close()


def test_a_read_on_a_dropped_connection_is_sent_again_once(server: ClosingServer) -> None:
    client = BackendClient(name="go", base_url=server.url, timeout=5)
    read = ApiRequest(method="GET", path="/api/v1/groups/7")
    assert [client.send(read).status for _ in range(3)] == [200, 200, 200]
    # the 2nd read met the closing connection and went again on a new one (answered);
    # the 3rd met that one closing too
    assert server.requests == ["GET /api/v1/groups/7 HTTP/1.1"] * 5
    client.close()


def test_a_write_on_a_dropped_connection_is_not_sent_again(server: ClosingServer) -> None:
    client = BackendClient(name="go", base_url=server.url, timeout=5)
    write = ApiRequest(method="POST", path="/api/v1/comments", json={"comment": {}})
    assert client.send(write).status == 200
    with pytest.raises(BackendGone, match="connection failed"):
        client.send(write)
    assert server.requests == ["POST /api/v1/comments HTTP/1.1"] * 2
    client.close()
