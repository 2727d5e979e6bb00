"""Channel server load: N concurrent sockets, a publish rate, publish -> deliver latency.

    python bench/channel_load.py                       # 2,000 sockets, 50 msg/s, 60 s per side
    python bench/channel_load.py --go-channel-cmd "cd /path/to/loomio_channel_server && node index.js"
    python bench/channel_load.py --sockets 200 --duration 5   # smoke

Both sides are provisioned as the channel suite does (harness.channels: a Redis each; the
rails side is the reference channel server unless --rails-channel-cmd says otherwise), then
measured one after the other in this one process, so they never share the CPU: connect N
sockets (each a python-socketio asyncio client with a channel token in a group of
N/--groups), publish --rate records a second to the group rooms in turn for --duration
seconds, drain, and count. Latency is publish -> arrival on this process' clock (the
message carries its sequence number; the send time stays here). Lost = deliveries the room
oracle expects that never came. CPU seconds of the load process (getrusage) and of the
server's process group (/proc) over the publishing window say which one limits the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import redis.asyncio as aioredis
import socketio

from harness.channel_config import ChannelConfig
from harness.channels import ChannelServer, provision_channels

REPO = Path(__file__).resolve().parents[1]

BATCH = 100  # connections opened at once
JOIN_TIMEOUT = 30.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python bench/channel_load.py", description=__doc__)
    p.add_argument("--sockets", type=int, default=2000)
    p.add_argument("--groups", type=int, default=100, help="group rooms the sockets share")
    p.add_argument("--rate", type=float, default=50.0, help="publications per second")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of publishing")
    p.add_argument("--drain", type=float, default=3.0, help="seconds to wait for stragglers")
    p.add_argument("--rails-channel-cmd", default=None, help="reference side (default embedded)")
    p.add_argument("--go-channel-cmd", default=None, help="candidate side (default embedded)")
    p.add_argument("--run-dir", type=Path, default=REPO / ".parity" / "bench" / "channel-load")
    p.add_argument("--out", type=Path, default=None, help="write the figures as JSON here")
    return p.parse_args(argv)


def _cpu_of_group(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in a process group."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Socket:
    """One load socket: its group, the sequence numbers it received and when."""

    def __init__(self, index: int, group: int, http: aiohttp.ClientSession) -> None:
        self.token, self.group = f"load-{index}", group
        self.received: dict[int, float] = {}
        self.barrier = asyncio.Event()
        self.client = socketio.AsyncClient(reconnection=False, http_session=http)
        self.client.on("records", self.on_records)

    async def on_records(self, data: Any, *offset: Any) -> None:
        now = time.perf_counter()
        seq = data["records"]["bench"][0]["id"]
        if seq < 0:
            self.barrier.set()
        else:
            self.received[seq] = now


async def _connect(server: ChannelServer, sockets: list[Socket]) -> tuple[int, float]:
    started = time.perf_counter()
    ok = 0
    for i in range(0, len(sockets), BATCH):
        batch = sockets[i : i + BATCH]
        results = await asyncio.gather(
            *(
                s.client.connect(
                    f"{server.url}?channel_token={s.token}",
                    transports=["websocket"],
                    wait_timeout=20,
                )
                for s in batch
            ),
            return_exceptions=True,
        )
        ok += sum(1 for r in results if not isinstance(r, BaseException))
    return ok, time.perf_counter() - started


def _message(group: int, seq: int) -> str:
    records = {"bench": [{"id": seq, "body": "x" * 200}], "meta": {"root": "bench"}}
    return json.dumps({"room": f"group-{group}", "records": records})


async def measure(server: ChannelServer, args: argparse.Namespace) -> dict[str, Any]:
    """Connect, wait for the joins, publish, drain, count: one side's figures."""
    store = aioredis.from_url(server.redis_url)
    async with store.pipeline(transaction=False) as pipe:
        for i in range(args.sockets):
            entry = {"name": f"L{i}", "group_ids": [i % args.groups], "id": 10_000 + i}
            pipe.set(f"/current_users/load-{i}", json.dumps(entry))
        await pipe.execute()
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
    sockets = [Socket(i, i % args.groups, http) for i in range(args.sockets)]
    connected, connect_s = await _connect(server, sockets)
    live = [s for s in sockets if s.client.connected]
    for group in range(args.groups):  # barrier: every socket's rooms are joined
        await store.publish("/records", _message(group, -1))
    with contextlib.suppress(TimeoutError):  # counted below as sockets not joined
        await asyncio.wait_for(asyncio.gather(*(s.barrier.wait() for s in live)), JOIN_TIMEOUT)
    joined = sum(1 for s in live if s.barrier.is_set())
    sent: dict[int, tuple[int, float]] = {}
    pgid = server.runner.pid if server.runner else 0
    cpu0, server0, wall0 = _self_cpu(), _cpu_of_group(pgid), time.perf_counter()
    interval, seq = 1.0 / args.rate, 0
    while time.perf_counter() - wall0 < args.duration:
        group = seq % args.groups
        sent[seq] = (group, time.perf_counter())
        await store.publish("/records", _message(group, seq))
        seq += 1
        await asyncio.sleep(max(0.0, wall0 + seq * interval - time.perf_counter()))
    await asyncio.sleep(args.drain)
    wall = time.perf_counter() - wall0
    cpu, server_cpu = _self_cpu() - cpu0, _cpu_of_group(pgid) - server0
    still = sum(1 for s in live if s.client.connected)
    latencies, expected, lost = [], 0, 0
    for s in live:
        mine = [k for k, (g, _) in sent.items() if g == s.group]
        expected += len(mine)
        lost += sum(1 for k in mine if k not in s.received)
        latencies += [(s.received[k] - sent[k][1]) * 1000 for k in mine if k in s.received]
    await asyncio.gather(*(s.client.disconnect() for s in live), return_exceptions=True)
    await http.close()
    await store.aclose()
    return {
        "sockets": args.sockets,
        "connected": connected,
        "connect_s": round(connect_s, 2),
        "joined": joined,
        "connected_at_end": still,
        "publications": len(sent),
        "expected_deliveries": expected,
        "delivered": expected - lost,
        "lost": lost,
        "latency_ms": _percentiles(latencies),
        "deliveries_per_s": round((expected - lost) / args.duration, 1),
        "load_cpu_pct": round(100 * cpu / wall, 1),
        "server_cpu_pct": round(100 * server_cpu / wall, 1) if pgid else None,
        "load_cpu_us_per_delivery": round(1e6 * cpu / max(1, expected - lost), 1),
    }


def _percentiles(samples: list[float]) -> dict[str, float | None]:
    if len(samples) < 2:
        return {"p50": None, "p95": None, "p99": None, "max": None}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 2),
        "p95": round(cuts[94], 2),
        "p99": round(cuts[98], 2),
        "max": round(max(samples), 2),
    }


def ratios(reference: dict[str, Any], candidate: dict[str, Any]) -> dict[str, float | None]:
    """Candidate over reference (latency: > 1 is slower; throughput: > 1 is more)."""
    out: dict[str, float | None] = {}
    for p in ("p50", "p95", "p99"):
        r, c = reference["latency_ms"][p], candidate["latency_ms"][p]
        out[f"latency_{p}"] = round(c / r, 2) if r and c else None
    r, c = reference["deliveries_per_s"], candidate["deliveries_per_s"]
    out["deliveries_per_s"] = round(c / r, 2) if r else None
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    cli = {"rails_channel_cmd": args.rails_channel_cmd, "go_channel_cmd": args.go_channel_cmd}
    config = ChannelConfig.from_sources(cli, {}, {})
    with provision_channels(config, args.run_dir, timeout=60, environ=dict(os.environ)) as pair:
        sides = {}
        for server in pair:
            print(f"channel load: {server.name} ({server.mode}) ...", file=sys.stderr, flush=True)
            sides[server.name] = asyncio.run(measure(server, args))
    return {
        "settings": {k: v for k, v in vars(args).items() if k not in {"run_dir", "out"}},
        "rails": sides["rails"],
        "go": sides["go"],
        "ratio_go_over_rails": ratios(sides["rails"], sides["go"]),
        "describe": {s.name: s.describe() for s in config.sides},
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    result = run(args)
    text = json.dumps(result, indent=1, default=str)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
