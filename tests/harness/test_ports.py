"""Ports for started servers come from below the ephemeral range, where no client connection
can take one between the choice and the server's bind (a CI failure: "address already in
use" for a channel server whose port an outgoing connection had taken)."""

from __future__ import annotations

import socket

import pytest

from harness import ports
from harness.ports import free_port, listening_range


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("32768\t60999\n", range(10000, 32768)),
        ("1024 65535", None),
        ("10500 60999", None),
        ("", None),
        (None, None),
        ("garbage", None),
    ],
)
def test_listening_range_is_below_the_ephemeral_range(
    text: str | None, expected: range | None
) -> None:
    assert listening_range(text) == expected


def test_free_port_is_below_the_ephemeral_range_and_binds() -> None:
    below = listening_range(ports._read(ports.EPHEMERAL_RANGE_FILE))
    if below is None:
        pytest.skip("this system leaves no room below its ephemeral range")
    port = free_port()
    assert port in below
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    below = listening_range(ports._read(ports.EPHEMERAL_RANGE_FILE))
    if below is None:
        pytest.skip("this system leaves no room below its ephemeral range")
    with socket.socket() as held:
        held.bind(("127.0.0.1", free_port()))
        taken = held.getsockname()[1]
        other = free_port()
        picks = iter([taken, taken, other])
        monkeypatch.setattr(ports._pick, "choice", lambda _ports: next(picks))
        assert free_port() == other
