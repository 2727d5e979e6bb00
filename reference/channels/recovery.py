"""Connection state recovery as socket.io 4's SessionAwareAdapter does it (in memory).

Every broadcast event gets an offset, sent as its last argument and kept with the rooms it
went to. When a socket loses its transport (not when either side disconnects on purpose)
its rooms are kept under its private id `pid` for the window. A client that reconnects
within the window with `{pid, offset}` in its auth gets its rooms back and every kept
packet after `offset` that went to one of them or to everyone. An unknown or expired pid,
or an offset no longer kept, is a fresh connection.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

WINDOW_SECONDS = 30 * 60.0  # records.js: maxDisconnectionDuration 30 minutes
# socket.io's reasons after which a session is kept (its RECOVERABLE_DISCONNECT_REASONS).
RECOVERABLE = frozenset({"transport close", "transport error", "ping timeout"})


@dataclass(frozen=True, slots=True)
class Packet:
    """One broadcast event as kept for recovery: rooms None means every socket."""

    offset: str
    rooms: frozenset[str] | None
    event: str
    data: Any
    emitted_at: float


@dataclass(frozen=True, slots=True)
class Restored:
    """What a recovered socket gets back."""

    pid: str
    rooms: frozenset[str]
    missed: tuple[Packet, ...]


@dataclass(slots=True)
class Recovery:
    """Kept packets and disconnected sessions; `clock` is injectable for tests."""

    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    packets: deque[Packet] = field(default_factory=deque)
    sessions: dict[str, tuple[frozenset[str], float]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def new_pid(self) -> str:
        return secrets.token_urlsafe(15)

    def keep(self, event: str, data: Any, rooms: frozenset[str] | None) -> Packet:
        """Give a broadcast its offset and keep it for the window."""
        now = self.clock()
        packet = Packet(f"{next(self._ids):x}", rooms, event, data, now)
        self.packets.append(packet)
        while self.packets and self.packets[0].emitted_at < now - self.window:
            self.packets.popleft()
        return packet

    def persist(self, pid: str, rooms: frozenset[str], reason: str) -> None:
        """A socket went away: keep its rooms when the reason is recoverable."""
        if reason in RECOVERABLE:
            self.sessions[pid] = (rooms, self.clock())

    def restore(self, auth: Mapping[str, Any] | None) -> Restored | None:
        """The session named by `auth` ({pid, offset}) with the packets it missed, or None."""
        if not isinstance(auth, Mapping):
            return None
        pid, offset = auth.get("pid"), auth.get("offset")
        if not isinstance(pid, str) or pid not in self.sessions:
            return None
        rooms, disconnected_at = self.sessions.pop(pid)
        if disconnected_at + self.window < self.clock():
            return None
        after = [i for i, p in enumerate(self.packets) if p.offset == offset]
        if not after:
            return None
        missed = [
            p
            for p in itertools.islice(self.packets, after[0] + 1, None)
            if p.rooms is None or p.rooms & rooms
        ]
        return Restored(pid=pid, rooms=rooms, missed=tuple(missed))
