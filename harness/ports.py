"""Ports for the servers the harness starts: free, and outside the kernel's ephemeral range.

A port the kernel hands out for `bind(0)` comes from the ephemeral range, the same range every
outgoing connection takes its source port from. Between choosing such a port and the child
server binding it, a client connection elsewhere (another pytest-xdist worker, a backend
talking to PostgreSQL) can take it, and the server fails with "address already in use". Ports
below the ephemeral range are never given to outgoing connections, so only another listener
could take one; a random pick makes two starts choosing the same port unlikely.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 10000
ATTEMPTS = 50

_pick = random.Random()


def listening_range(ephemeral: str | None) -> range | None:
    """Ports below the ephemeral range (`ip_local_port_range`'s text) and from LOWEST, or None
    when that leaves fewer than a thousand (or the text cannot be read)."""
    try:
        low = int((ephemeral or "").split()[0])
    except (IndexError, ValueError):
        return None
    return range(LOWEST, low) if low - LOWEST >= 1000 else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral range when the
    system says where that is (the kernel's choice otherwise)."""
    ports = listening_range(_read(EPHEMERAL_RANGE_FILE))
    if ports:
        for _ in range(ATTEMPTS):
            port = _pick.choice(ports)
            if _binds(port):
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _binds(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None
