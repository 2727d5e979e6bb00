"""The reference channel server: python-socketio on ASGI, Redis through redis.asyncio.

`build_app(redis_url)` returns the ASGI app; `python -m reference.channels serve` runs it
with uvicorn. One asyncio lock orders what a socket sees: a broadcast and a socket's
recovery (its missed packets, then its rooms) never interleave, so a recovered socket gets
the missed packets before anything newer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import redis.asyncio as aioredis
import socketio
from socketio import packet as sio_packet

from reference import faults
from reference.channels import jsjson
from reference.channels.recovery import WINDOW_SECONDS, Recovery

log = logging.getLogger("reference.channels")

RECORDS, SYSTEM_NOTICE = "/records", "/system_notice"
NOTICE_ROOM = "notice"
REDIS_POOL = 32  # connections for token lookups (the subscription holds one of its own)

CLAIMED_GROUPS = faults.declare(
    "channel_claimed_groups",
    "channel",
    "joins the group rooms the client claims (handshake group_ids) without the Redis lookup",
)
UNKNOWN_TOKEN_REJECTED = faults.declare(
    "channel_unknown_token_rejected",
    "channel",
    "refuses a socket whose channel_token is unknown or missing instead of keeping it on notice",
)
INNER_RECORDS = faults.declare(
    "channel_inner_records", "channel", "emits the inner `records` instead of {room, records}"
)
NUMBERS_REENCODED = faults.declare(
    "channel_numbers_reencoded", "channel", "re-encodes numbers: every integer sent as 1.0"
)
RECONNECT_DROPS = faults.declare(
    "channel_reconnect_drops",
    "channel",
    "a recovered socket gets its rooms back but not the packets published while it was away",
)
MALFORMED_CRASH = faults.declare(
    "channel_malformed_crash", "channel", "exits on a /records message that is not JSON"
)
ROOM_PREFIX_TYPO = faults.declare(
    "channel_room_prefix_typo", "channel", "joins `groups-<id>` instead of `group-<id>`"
)
NO_NOTICE = faults.declare(
    "channel_no_notice", "channel", "never broadcasts /system_notice messages"
)


def js_string(value: Any) -> str:
    """`"group-" + value` in JavaScript: null -> "null", true -> "true", 5 -> "5"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def decode(text: bytes | str) -> Any:
    """A Redis message as records.js reads it (JSON.parse); ValueError when not JSON."""
    if NUMBERS_REENCODED:
        return json.loads(text, parse_int=float)
    return jsjson.parse(text)


def rooms_of(user: Any, claimed: list[str]) -> set[str]:
    """The rooms of a socket whose token found `user` (a /current_users entry)."""
    if CLAIMED_GROUPS and claimed:
        groups = claimed
    elif isinstance(user, Mapping):
        groups = [js_string(g) for g in user.get("group_ids") or ()]
    else:
        return set()
    prefix = "groups-" if ROOM_PREFIX_TYPO else "group-"
    found = {prefix + g for g in groups}
    if isinstance(user, Mapping):
        found.add("user-" + js_string(user.get("id")))
    return found


def packet_class(pids: Mapping[str, str]) -> type[sio_packet.Packet]:
    """A Packet whose CONNECT carries the socket's `pid` (socket.io 4's recovery handshake)."""

    class ChannelPacket(sio_packet.Packet):
        def __init__(self, packet_type: int = sio_packet.EVENT, data: Any = None, **kw: Any):
            if packet_type == sio_packet.CONNECT and isinstance(data, dict):
                pid = pids.get(str(data.get("sid")))
                data = {**data, "pid": pid} if pid else data
            super().__init__(packet_type, data, **kw)

    return ChannelPacket


class ChannelServer:
    """State of one server process: sockets' pids and rooms, recovery, Redis clients."""

    def __init__(self, redis_url: str, *, window: float = WINDOW_SECONDS, origin: str = "*"):
        # records.js multiplexes one Redis connection; a pool that waits for a free
        # connection (not one that refuses past its size) keeps a burst of connecting
        # sockets from failing their token lookups ("Too many connections").
        pool = aioredis.BlockingConnectionPool.from_url(redis_url, max_connections=REDIS_POOL)
        self.redis = aioredis.Redis(connection_pool=pool)
        self.recovery = Recovery(window=window)
        self.pids: dict[str, str] = {}
        self.rooms: dict[str, set[str]] = {}
        self.lock = asyncio.Lock()
        self.listener: asyncio.Task[None] | None = None
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            cors_allowed_origins=origin,
            cors_credentials=True,
            serializer=packet_class(self.pids),
            always_connect=False,
        )
        self.sio.on("connect", self.connect)
        self.sio.on("disconnect", self.disconnect)

    def app(self) -> socketio.ASGIApp:
        return socketio.ASGIApp(self.sio, on_startup=self.start, on_shutdown=self.stop)

    async def start(self) -> None:
        self.listener = asyncio.create_task(self.listen())

    async def stop(self) -> None:
        if self.listener is not None:
            self.listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.listener
        await self.redis.aclose(close_connection_pool=True)

    # -- sockets ---------------------------------------------------------------------------

    async def connect(self, sid: str, environ: Mapping[str, Any], auth: Any) -> bool:
        query = parse_qs(str(environ.get("QUERY_STRING", "")))
        token = ",".join(query.get("channel_token", [])) or "undefined"  # JS: "" + undefined
        claimed = [g for item in query.get("group_ids", []) for g in item.split(",") if g]
        user = await self.lookup(token)
        if user is None and UNKNOWN_TOKEN_REJECTED:
            return False
        async with self.lock:
            restored = self.recovery.restore(auth)
            self.pids[sid] = restored.pid if restored else self.recovery.new_pid()
            rooms = {NOTICE_ROOM, *rooms_of(user, claimed)}
            if restored:
                rooms |= restored.rooms
                for missed in () if RECONNECT_DROPS else restored.missed:
                    await self.sio.emit(missed.event, (missed.data, missed.offset), to=sid)
            for room in rooms:
                await self.sio.enter_room(sid, room)
            self.rooms[sid] = rooms
        return True

    async def lookup(self, token: str) -> Any:
        """The /current_users/<token> entry (None when absent or unreadable)."""
        try:
            raw = await self.redis.get(f"/current_users/{token}")
            return None if raw is None else jsjson.parse(raw)
        except (aioredis.RedisError, ValueError) as exc:  # logged, not fatal (records.js)
            log.error("token lookup failed: %s", exc)
            return None

    async def disconnect(self, sid: str, reason: str) -> None:
        rooms = self.rooms.pop(sid, set())
        pid = self.pids.pop(sid, None)
        if pid:
            self.recovery.persist(pid, frozenset(rooms), reason)

    # -- Redis -----------------------------------------------------------------------------

    async def listen(self) -> None:
        """Subscribe to /records and /system_notice; resubscribe after a Redis error."""
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(RECORDS, SYSTEM_NOTICE)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            await self.dispatch(message["channel"], message["data"])
            except aioredis.RedisError as exc:
                log.error("redis subscription lost: %s", exc)
                await asyncio.sleep(0.5)

    async def dispatch(self, channel: bytes, raw: bytes) -> None:
        try:
            data = decode(raw)
        except ValueError as exc:
            if MALFORMED_CRASH:
                log.critical("not JSON on %s: %s", channel.decode(), exc)
                os._exit(1)
            log.error("ignored a message that is not JSON on %s: %s", channel.decode(), exc)
            return
        if channel.decode() == SYSTEM_NOTICE:
            if not NO_NOTICE:
                await self.broadcast("notice", data, None)
            return
        room = data.get("room") if isinstance(data, dict) else None
        if isinstance(room, str):  # io.to(null) reaches nobody
            payload = data.get("records") if INNER_RECORDS else data
            await self.broadcast("records", payload, room)

    async def broadcast(self, event: str, data: Any, room: str | None) -> None:
        async with self.lock:
            kept = self.recovery.keep(event, data, None if room is None else frozenset({room}))
            await self.sio.emit(event, (data, kept.offset), to=room)


def build_app(
    redis_url: str, names: list[str], *, window: float = WINDOW_SECONDS, origin: str = "*"
) -> Any:
    """The ASGI app with these faults on; UnknownFault for a name not in the catalogue."""
    faults.activate(names)
    return ChannelServer(redis_url, window=window, origin=origin).app()
