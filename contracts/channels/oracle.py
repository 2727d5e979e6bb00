"""The room oracle: what each socket must receive, from realtime.md section 3 (pure).

A socket joins `notice`, and when its token is found at `/current_users/<token>`,
`user-<id>` and `group-<gid>` for each of the entry's `group_ids` as they were when it
connected (a later boot changes new connections only). Anything else it claims is ignored.
A `/records` message reaches the sockets in its `room` (null or unknown: nobody) with the
whole `{room, records}` object, numbers as JavaScript writes them; a `/system_notice`
message reaches every socket. A socket whose transport dropped and that comes back with its
pid and last offset inside the window (having received something before) gets every
packet it missed for its old rooms and `notice`, in order, then its old rooms plus the
ones its token gives now; any other reconnection starts afresh and misses the gap.
Malformed JSON on a channel reaches nobody and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from contracts.channels.deliveries import Delivery
from reference.channels.jsjson import as_javascript

NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class Entry:
    """A /current_users/<token> value: `id` None is a visitor."""

    id: int | None
    group_ids: tuple[int, ...]

    def rooms(self) -> frozenset[str]:
        user = "null" if self.id is None else str(self.id)
        return frozenset({f"user-{user}", *(f"group-{g}" for g in self.group_ids)})


@dataclass(slots=True)
class SocketModel:
    """One browser tab: its token, its rooms while connected, what it must have received."""

    token: str | None
    rooms: frozenset[str] = frozenset()
    connected: bool = False
    kept: frozenset[str] | None = None  # rooms of a recoverable session (transport dropped)
    gap: list[Delivery] = field(default_factory=list)  # what a recovery would bring
    expected: list[Delivery] = field(default_factory=list)
    has_offset: bool = False  # received something since it first connected


@dataclass(slots=True)
class RoomOracle:
    """The tokens stored in Redis and every socket's expected deliveries."""

    tokens: dict[str, Entry] = field(default_factory=dict)
    sockets: dict[str, SocketModel] = field(default_factory=dict)

    def boot(self, token: str, entry: Entry) -> None:
        """SET /current_users/<token>: new connections get these rooms."""
        self.tokens[token] = entry

    def lookup(self, token: str | None) -> frozenset[str]:
        entry = self.tokens.get(token) if token is not None else None
        return frozenset({NOTICE}) | (entry.rooms() if entry else frozenset())

    def connect(self, name: str, token: str | None) -> SocketModel:
        """A new socket (a claim of rooms, if any, changes nothing)."""
        socket = SocketModel(token=token, rooms=self.lookup(token), connected=True)
        self.sockets[name] = socket
        return socket

    def drop(self, name: str) -> None:
        """The transport went away: the session is kept for a recovery."""
        socket = self.sockets[name]
        socket.connected, socket.kept, socket.gap = False, socket.rooms, []

    def close(self, name: str) -> None:
        """A deliberate disconnect: nothing is kept."""
        socket = self.sockets[name]
        socket.connected, socket.kept, socket.gap = False, None, []

    def reconnect(self, name: str, *, resume: bool) -> bool:
        """Back again, resuming (pid and offset) or not; whether it was recovered."""
        socket = self.sockets[name]
        recovered = resume and socket.kept is not None and socket.has_offset
        rooms = self.lookup(socket.token)
        if recovered:
            assert socket.kept is not None
            socket.expected += socket.gap
            rooms |= socket.kept
        socket.rooms, socket.connected, socket.kept, socket.gap = rooms, True, None, []
        return recovered

    def publish(self, message: Any) -> list[str]:
        """A /records message (decoded JSON); the sockets it reaches now."""
        room = message.get("room") if isinstance(message, dict) else None
        if not isinstance(room, str):
            return []
        return self._deliver(Delivery("records", as_javascript(message)), {room})

    def notice(self, message: Any) -> list[str]:
        """A /system_notice message: every socket."""
        return self._deliver(Delivery("notice", as_javascript(message)), None)

    def barrier(self, room: str) -> None:
        """The suite's own sync record reached `room`: not compared, but the sockets in it
        now hold an offset to resume from."""
        for socket in self.sockets.values():
            if socket.connected and room in socket.rooms:
                socket.has_offset = True

    def outlast_window(self) -> None:
        """The recovery window went by (and a broadcast since made the server forget the
        packets older than it): no kept session and no offset can be resumed any more."""
        for socket in self.sockets.values():
            socket.kept, socket.gap, socket.has_offset = None, [], False

    def _deliver(self, delivery: Delivery, rooms: set[str] | None) -> list[str]:
        reached = []
        for name, socket in self.sockets.items():
            if socket.connected and (rooms is None or rooms & socket.rooms):
                socket.expected.append(delivery)
                socket.has_offset = True
                reached.append(name)
            elif socket.kept is not None and (rooms is None or rooms & socket.kept):
                socket.gap.append(delivery)
        return reached

    def expected(self, name: str) -> list[Delivery]:
        return list(self.sockets[name].expected)

    def connected(self) -> Iterable[str]:
        return [n for n, s in self.sockets.items() if s.connected]
