"""Shadow proxy and replay benchmarks, and the measurements behind their acceptance.

    python bench/shadow.py overhead     # added latency at 200 req/s; throughput and memory
                                        # with the candidate healthy, 500 ms slow, 5 s slow, dead
    python bench/shadow.py session      # record a lockstep session as HAR; shadow 10,000 of
                                        # its requests clean, then with a fault; replay it
    python bench/shadow.py replay       # the session's last part alone: lockstep with a fault
                                        # (HAR), replayed, findings compared
    python bench/shadow.py latency      # lockstep runs: clean x3 and slow_discussions_show
    python bench/shadow.py kill         # kill -9 the proxy mid-run: acknowledged records kept

Everything runs on reference backends started here (bench/shadow_env.py), on loopback.
Results: bench/shadow-results.json (and a line per figure on stdout). Wrap it in
`flock /tmp/parity-heavy.lock` on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.shadow_env import REPO, Cluster, Trio, cluster, start_trio, wait_ready
from harness.latency import percentile
from harness.ports import free_port
from harness.seed import SqlSeeder, build_rows, default_world
from harness.traffic import read_traffic

PY = sys.executable
RESULTS = REPO / "bench" / "shadow-results.json"


# -- helpers ------------------------------------------------------------------------------


@contextlib.contextmanager
def proxy(
    primary: str, candidate: str, secondary: str | None, store: str, *extra: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`parity shadow` as users run it, on a free port; stopped (SIGINT) on exit."""
    port = free_port()
    args = [PY, "-m", "harness.cli", "shadow", "--primary", primary, "--candidate", candidate]
    args += ["--listen", f"127.0.0.1:{port}", "--store", store, *extra]
    if secondary:
        args += ["--secondary", secondary]
    process = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/__parity__/status", process, Path("(proxy stdout)"))
        yield url, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def status(url: str) -> dict[str, Any]:
    return dict(requests.get(url + "/__parity__/status", timeout=10).json())


@contextlib.contextmanager
def stub(work: Path, name: str, delay: float = 0.0, answers: Path | None = None) -> Iterator[str]:
    """bench/shadow_stub.py in a process of its own: recorded answers (or `{}`) after
    `delay` seconds; its URL."""
    port = free_port()
    args = [PY, str(REPO / "bench" / "shadow_stub.py"), str(port), "--delay", str(delay)]
    log = work / f"stub-{name}.log"
    process = subprocess.Popen(
        [*args, *(["--answers", str(answers)] if answers else [])],
        cwd=REPO,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + "/up", process, log, timeout=30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def record_answers(base: str, paths: Sequence[str], out: Path) -> Path:
    """What `base` answers to each path, for a stub primary that answers the same."""
    answers = {}
    for path in paths:
        got = requests.get(base + path, timeout=30)
        content_type = got.headers.get("Content-Type", "application/json").split(";")[0]
        answers[path] = [got.status_code, content_type, got.text]
    out.write_text(json.dumps(answers))
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (not its children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its descendants (KiB), from /proc."""
    total = 0
    for p in [pid, *descendants(pid)]:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def sample_memory(pid: int, peak: list[int], stop: threading.Event) -> None:
    while not stop.wait(0.25):
        peak.append(rss_kib(pid))


def descendants(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *descendants(int(child))]
    return found


def idle_scheduled(pid: int) -> None:
    """A process and its children (and what it forks later) at idle CPU priority."""
    for p in [pid, *descendants(pid)]:
        with contextlib.suppress(OSError):
            os.sched_setscheduler(p, os.SCHED_IDLE, os.sched_param(0))


def seeded(c: Cluster) -> tuple[str, dict[str, int]]:
    """A template with the schema and the default world; its seeded ids."""
    dsn = c.migrate("seeded", seed=False)
    ids = SqlSeeder(dsn).seed(build_rows(default_world()))
    return "seeded", ids


def read_paths(ids: dict[str, int]) -> list[str]:
    groups = [v for k, v in ids.items() if k in {"group:open", "group:main"}]
    threads = [v for k, v in ids.items() if k.startswith("discussion:")]
    return [f"/api/v1/groups/{g}" for g in groups] + [
        f"/api/v1/events?discussion_id={d}" for d in threads
    ]


# -- overhead: added latency, throughput, memory ------------------------------------------------


async def paced(
    targets: Sequence[tuple[str, str]], paths: Sequence[str], rate: float, seconds: float
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, int]]:
    """Open loop: every 1/rate s the next (name, base) target gets a path (each round of
    targets the same path); per target name its (sent at s, latency ms) and its errors (no
    answer, or a 5xx)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in targets}
    errors: dict[str, int] = {name: 0 for name, _ in targets}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=400)) as session:

        async def one(name: str, url: str, at: float) -> None:
            started = time.perf_counter()
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=30)) as r:
                    await r.read()
                    ok = r.status < 500
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                times[name].append((at, (time.perf_counter() - started) * 1000))
            else:
                errors[name] += 1

        tasks = []
        start = time.perf_counter()
        for i in range(int(rate * seconds)):
            at = start + i / rate
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            name, base = targets[i % len(targets)]
            path = paths[(i // len(targets)) % len(paths)]
            tasks.append(asyncio.create_task(one(name, base + path, at - start)))
        await asyncio.gather(*tasks)
    return times, errors


async def closed_loop(
    url: str, paths: Sequence[str], clients: int, seconds: float
) -> dict[str, float]:
    """`clients` loops sending as fast as answers come: requests per second and errors."""
    done, errors = 0, 0
    deadline = time.perf_counter() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:

        async def loop(k: int) -> None:
            nonlocal done, errors
            i = k
            while time.perf_counter() < deadline:
                try:
                    async with session.get(url + paths[i % len(paths)]) as r:
                        await r.read()
                        errors += r.status >= 500
                except aiohttp.ClientError:
                    errors += 1
                done += 1
                i += clients

        await asyncio.gather(*(loop(k) for k in range(clients)))
    return {"requests_per_s": done / seconds, "errors": float(errors)}


def summary(ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p99": percentile(ms, 99),
        "p99.9": percentile(ms, 99.9),
    }


def added(
    timed: dict[str, list[tuple[float, float]]], seconds: float, block_s: float
) -> dict[str, Any]:
    """Proxied minus direct (p50, p99), and how noisy that is: the same difference between
    the two interleaved direct streams (an A/A control), and per `block_s` block."""

    def ms(name: str, lo: float = 0.0, hi: float = float("inf")) -> list[float]:
        return [v for at, v in timed[name] if lo <= at < hi]

    proxied, direct, control = summary(ms("proxy")), summary(ms("direct")), summary(ms("control"))
    blocks = []
    for k in range(int(seconds // block_s)):
        lo, hi = k * block_s, (k + 1) * block_s
        p, d = ms("proxy", lo, hi), ms("direct", lo, hi)
        if p and d:
            blocks.append(percentile(p, 99) - percentile(d, 99))
    return {
        "proxied": proxied,
        "direct": direct,
        "direct_control": control,
        "added_p50_ms": proxied["p50"] - direct["p50"],
        "added_p99_ms": proxied["p99"] - direct["p99"],
        "a_a_p50_ms": control["p50"] - direct["p50"],
        "a_a_p99_ms": control["p99"] - direct["p99"],
        f"added_p99_ms_per_{block_s:g}s_block": {
            "min": min(blocks),
            "median": percentile(blocks, 50),
            "max": max(blocks),
            "values": [round(b, 2) for b in blocks],
        },
    }


def measure(
    url: str, primary: str, paths: Sequence[str], rate: float, seconds: float, pid: int
) -> dict[str, Any]:
    """Added latency at `rate` proxied req/s (with rate/4 direct and rate/4 direct control,
    interleaved), then closed-loop throughput through the proxy and straight to the
    primary; the proxy's peak resident memory over it all."""
    asyncio.run(paced([("warm", url)], paths, 50, 2))
    peak = [rss_kib(pid)]
    sampling = threading.Event()
    threading.Thread(target=sample_memory, args=(pid, peak, sampling), daemon=True).start()
    load = os.getloadavg()[0]
    # a round of 6: 4 proxied, 1 direct, 1 direct (control); the proxy sees `rate`
    targets = [("proxy", url)] * 2 + [("direct", primary)] + [("proxy", url)] * 2
    targets += [("control", primary)]
    front_cpu = cpu_seconds(pid)
    timed, errors = asyncio.run(paced(targets, paths, rate * 1.5, seconds))
    front_cpu = cpu_seconds(pid) - front_cpu
    through_proxy = asyncio.run(closed_loop(url, paths, 16, min(10.0, seconds)))
    sampling.set()
    counters = status(url)
    straight = asyncio.run(closed_loop(primary, paths, 16, min(10.0, seconds)))
    return {
        **added(timed, seconds, min(10.0, seconds)),
        "client_errors": errors,
        # CPU the front (the client's path) spent per proxied request: what a request costs
        # it with a core to itself, whatever the load
        "front_cpu_ms_per_request": front_cpu * 1000 / max(1, len(timed["proxy"])),
        "load_average_1min": [round(load, 2), round(os.getloadavg()[0], 2)],
        "throughput_proxied": through_proxy,
        "throughput_direct": straight,
        "peak_rss_mib": max(peak) / 1024,
        "proxy_counters": counters,
    }


def overhead(
    work: Path, rate: float, seconds: float, loops: Sequence[str] = ("auto",)
) -> dict[str, Any]:
    """The primary path with four candidates: healthy (a reference backend), 500 ms and 5 s
    slow (stubs), dead (a port nobody listens on). The primary is a stub answering what the
    reference backend answered (fast and steady: the difference is the proxy's; the
    reference backend itself saturates near 300 req/s on this machine). With several
    `loops` (the front's event loop, `parity shadow --loop`), each mode is measured with
    each loop in turn: an A/B of the same minutes."""
    results: dict[str, Any] = {}
    with cluster(work) as c:
        template, ids = seeded(c)
        # the secondary and the healthy candidate at idle priority: they stand in for hosts
        # of their own, and their work is not the proxy's
        trio = start_trio(c, template, idle=True)
        paths = read_paths(ids)
        answers = record_answers(trio.primary.url, paths, work / "answers.json")
        # from here PostgreSQL serves the secondary and the candidate only: idle too
        idle_scheduled(c.postgres.process.pid)
        with (
            stub(work, "primary", answers=answers) as primary,
            stub(work, "500ms", 0.5) as slow500,
            stub(work, "5s", 5.0) as slow5,
        ):
            runs = {
                "healthy": (primary, trio.candidate.url),
                "slow 500 ms": (primary, slow500),
                "slow 5 s": (primary, slow5),
                "dead": (primary, f"http://127.0.0.1:{free_port()}"),
            }
            for mode, (upstream, candidate) in runs.items():
                for loop in loops:
                    name = mode if len(loops) == 1 else f"{mode}, {loop}"
                    store = work / f"overhead-{len(results)}.jsonl"
                    store.unlink(missing_ok=True)
                    args = (upstream, candidate, trio.secondary.url, str(store), "--loop", loop)
                    with proxy(*args) as (url, process):
                        results[name] = measure(url, upstream, paths, rate, seconds, process.pid)
                    print(name, json.dumps(results[name]), flush=True)
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "cores": os.cpu_count(),
        "secondary, candidate and their PostgreSQL": "SCHED_IDLE",
        "modes": results,
    }


# -- session: record with the lockstep, shadow it, replay it ------------------------------------


def record(
    c: Cluster, work: Path, tag: str, faults: Sequence[str], profile: str, seed: int
) -> dict[str, Any]:
    """Run the lockstep suite against a rails/go pair on `c` (url mode, HAR recorded);
    afterwards the rails database is kept as template `snap_<tag>`."""
    rails_db, go_db = c.migrate(f"rails_{tag}", seed=False), c.migrate(f"go_{tag}", seed=False)
    rails, go = c.serve(f"rails_{tag}", rails_db), c.serve(f"go_{tag}", go_db, faults)
    har, report = work / f"session-{tag}.har", work / f"lockstep-{tag}"
    started = time.monotonic()
    done = subprocess.run(
        [
            *(PY, "-m", "pytest", "contracts/test_differential.py", "-p", "no:cacheprovider"),
            *("--rails-url", rails.url, "--go-url", go.url),
            *("--rails-database-url", rails_db, "--go-database-url", go_db),
            *("--record-har", str(har), "--report", str(report)),
            f"--hypothesis-profile={profile}",
            f"--hypothesis-seed={seed}",
            "-q",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    (work / f"lockstep-{tag}.log").write_text(done.stdout + done.stderr)
    c.stop_server(rails)
    c.stop_server(go)
    c.clone(f"rails_{tag}", f"snap_{tag}")
    found = json.loads((report / "findings.json").read_text())
    return {
        "har": str(har),
        "requests": len(read_traffic(har).requests),
        "lockstep_exit": done.returncode,
        "lockstep_seconds": time.monotonic() - started,
        "lockstep_findings": finding_keys(found["findings"]),
        "lockstep_gates": found.get("gates"),
        "lockstep_latency": found.get("latency"),
        "report": str(report),
    }


def finding_keys(findings: list[dict[str, Any]]) -> list[str]:
    """`operation | title` of each finding, operations named as the spec does."""
    return sorted(
        {
            f"{f['operation'].replace('{key}', '{id}')} | {f['title']}"
            for f in findings
            if f["kind"] == "differential"
        }
    )


def titles(keys: set[str]) -> set[str]:
    """The differences (`extra_key at /discussions/*/author_name`: kind and pointer) without
    their operations."""
    return {key.split(" | ", 1)[1] for key in keys}


def compare_with_lockstep(lockstep: Sequence[str], replayed: Sequence[str]) -> dict[str, Any]:
    """Replay against the lockstep run that recorded the HAR, finding by finding (operation,
    kind and pointer). Every lockstep finding must be among replay's. Replay may find more:
    the lockstep stops an example at its first failing step and reports the steps of the
    shrunk example, while replay judges every recorded request. A replay finding the
    lockstep did not report is explained when it is one of the lockstep's differences (same
    kind at the same pointer) seen on another operation; any other is unexplained."""
    lock, again = set(lockstep), set(replayed)
    differences = titles(lock)
    extra = sorted(again - lock)
    missing = sorted(lock - again)
    unexplained = [k for k in extra if k.split(" | ", 1)[1] not in differences]
    return {
        "lockstep findings found by replay": sorted(lock & again),
        "lockstep findings missing from replay": missing,
        "replay findings the lockstep did not report, same difference on another operation": [
            k for k in extra if k.split(" | ", 1)[1] in differences
        ],
        "replay findings unexplained": unexplained,
        "same findings as the lockstep": not missing and not unexplained,
    }


def status_fidelity(har: Path, store: Path) -> dict[str, int]:
    """How many replayed requests the primary answered with the status it answered in the
    recording (per operation, as multisets: reads are replayed concurrently). The lockstep
    restores each database to its seeded rows between examples, replay does not: a request
    about a record of an earlier example meets another state."""
    entries = json.loads(har.read_text())["log"]["entries"]
    recorded: Counter[tuple[str, int]] = Counter()
    for e in entries:
        label = (e.get("_parity") or {}).get("label") or ""
        recorded[(label or e["request"]["method"], int(e["response"]["status"]))] += 1
    replayed: Counter[tuple[str, int]] = Counter()
    for line in store.read_text().splitlines():
        record = json.loads(line)
        if "endpoint" in record:
            replayed[(record["endpoint"], int(record["primary"][0]))] += 1
    return {
        "recorded": sum(recorded.values()),
        "replayed": sum(replayed.values()),
        "same status as recorded": sum((recorded & replayed).values()),
    }


def drive(url: str, har: Path, total: int, rate: float) -> dict[str, int]:
    """Send the recording's requests through the proxy in order (looping), paced."""
    traffic = read_traffic(har).requests
    session = requests.Session()
    statuses: dict[str, int] = {}
    started = time.perf_counter()
    for i in range(total):
        request = traffic[i % len(traffic)]
        time.sleep(max(0.0, started + i / rate - time.perf_counter()))
        answer = session.request(
            request.method,
            url + request.target,
            headers=dict(request.headers),
            data=request.body or None,
            timeout=60,
        )
        key = f"{answer.status_code // 100}xx"
        statuses[key] = statuses.get(key, 0) + 1
    return statuses


def shadow_session(
    c: Cluster, work: Path, template: str, har: Path, faults: Sequence[str], total: int, tag: str
) -> dict[str, Any]:
    trio = start_trio(c, template, faults, tag=f"_{tag}")
    store = work / f"shadow-{tag}.jsonl"
    store.unlink(missing_ok=True)
    with proxy(
        trio.primary.url,
        trio.candidate.url,
        trio.secondary.url,
        str(store),
        "--mirror-writes",
        "--queue",
        "20000",
    ) as (url, _):
        sent = drive(url, har, total, rate=150)
        while status(url)["judged"] < status(url)["mirrored"]:
            time.sleep(0.5)
        counters = status(url)
    out = work / f"shadow-report-{tag}"
    done = subprocess.run(
        [PY, "-m", "harness.cli", "report", "--store", str(store), "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    found = json.loads((out / "findings.json").read_text())
    stop_trio(c, trio)
    return {
        "client_statuses": sent,
        "proxy": counters,
        "summary": done.stdout.strip(),
        "findings": finding_keys(found["findings"]),
        "finding_details": [f["detail"][:200] for f in found["findings"]],
    }


def stop_trio(c: Cluster, trio: Trio) -> None:
    for server in (trio.primary, trio.secondary, trio.candidate):
        c.stop_server(server)


def replay_session(
    c: Cluster, work: Path, template: str, har: Path, faults: Sequence[str], tag: str
) -> dict[str, Any]:
    trio = start_trio(c, template, faults, tag=f"_r{tag}")
    out = work / f"replay-report-{tag}"
    done = subprocess.run(
        [
            *(PY, "-m", "harness.cli", "replay", str(har), "-o", str(out), "--mirror-writes"),
            *("--primary", trio.primary.url, "--candidate", trio.candidate.url),
            *("--secondary", trio.secondary.url),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    stop_trio(c, trio)
    found = json.loads((out / "findings.json").read_text())
    return {
        "summary": done.stdout.strip().splitlines()[-1]
        if done.stdout.strip()
        else done.stderr[-500:],
        "findings": finding_keys(found["findings"]),
        "statuses": status_fidelity(har, out / "replay-store.jsonl"),
    }


def record_and_replay(c: Cluster, work: Path, fault: str, profile: str) -> dict[str, Any]:
    """The lockstep with `fault` on go (HAR recorded), then its HAR replayed against clones
    of the rails database it left, the same fault on the candidate; compared."""
    faulty = record(c, work, "fault", (fault,), profile, seed=0)
    print("recorded fault", json.dumps(faulty)[:2000], flush=True)
    replayed = replay_session(c, work, "snap_fault", Path(faulty["har"]), (fault,), "fault")
    replayed.update(compare_with_lockstep(faulty["lockstep_findings"], replayed["findings"]))
    print("replay fault", json.dumps(replayed)[:3000], flush=True)
    return {"recorded fault": faulty, "replay fault": replayed}


def session(work: Path, fault: str, total: int, profile: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with cluster(work) as c:
        clean = record(c, work, "clean", (), profile, seed=0)
        results["recorded clean"] = clean
        print("recorded clean", json.dumps(clean)[:2000], flush=True)
        har = Path(clean["har"])
        results["shadow clean"] = shadow_session(c, work, "snap_clean", har, (), total, "clean")
        print("shadow clean", json.dumps(results["shadow clean"])[:3000], flush=True)
        results["shadow fault"] = shadow_session(
            c, work, "snap_clean", har, (fault,), min(total, 3000), "fault"
        )
        print("shadow fault", json.dumps(results["shadow fault"])[:3000], flush=True)
        results.update(record_and_replay(c, work, fault, profile))
    return results


def replay_only(work: Path, fault: str, profile: str) -> dict[str, Any]:
    with cluster(work) as c:
        return record_and_replay(c, work, fault, profile)


# -- latency gate: lockstep runs ------------------------------------------------------------------


def latency(work: Path, runs: int, profile: str) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with cluster(work) as c:
        for i in range(runs):
            rec = record(c, work, f"lat{i}", (), profile, seed=i)
            results[f"clean {i}"] = {k: rec[k] for k in ("lockstep_gates", "lockstep_latency")}
            print(f"clean {i}", json.dumps(results[f"clean {i}"]), flush=True)
        rec = record(c, work, "slow", ("slow_discussions_show",), profile, seed=0)
        results["slow_discussions_show"] = {
            k: rec[k] for k in ("lockstep_gates", "lockstep_latency")
        }
        print("slow", json.dumps(results["slow_discussions_show"]), flush=True)
    clean = [ratio_gate(results[f"clean {i}"]) for i in range(runs)]
    results["ratio gate"] = {
        "clean runs passing": f"{sum(1 for g in clean if g is True)} of {runs}",
        "slow_discussions_show flagged": ratio_gate(results["slow_discussions_show"]) is False,
    }
    return results


def ratio_gate(run: dict[str, Any]) -> bool | None:
    """The latency ratio gate's decision in a lockstep run's findings.json."""
    gates = run.get("lockstep_gates") or []
    return next((g["go"] for g in gates if g["name"] == "latency ratio go/rails"), None)


# -- kill -9 ------------------------------------------------------------------------------------


def kill(work: Path, seconds: float) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with cluster(work) as c:
        template, ids = seeded(c)
        trio = start_trio(c, template)
        paths = read_paths(ids)
        pg_store = c.postgres.create_database("shadow_store")
        stores = {"file": str(work / "kill.jsonl"), "postgresql": pg_store}
        Path(stores["file"]).unlink(missing_ok=True)
        for name, store in stores.items():
            with proxy(trio.primary.url, trio.candidate.url, trio.secondary.url, store) as (
                url,
                process,
            ):
                stop = time.monotonic() + seconds
                acknowledged = 0
                client = threading.Thread(
                    target=lambda: asyncio.run(paced([("p", url)], paths, 100, seconds + 5)),
                    daemon=True,
                )
                client.start()
                while time.monotonic() < stop:
                    acknowledged = status(url)["acknowledged"]
                    time.sleep(0.05)
                acknowledged = status(url)["acknowledged"]
                os.killpg(process.pid, signal.SIGKILL)  # front, mirror and its helpers at once
                process.wait()
            kept = count_records(store)
            results[name] = {
                "acknowledged_before_kill": acknowledged,
                "in_store_after": kept,
                "nothing_lost": kept >= acknowledged,
            }
            print(name, json.dumps(results[name]), flush=True)
    return results


def count_records(store: str) -> int:
    if store.startswith("postgresql://"):
        with psycopg.connect(store) as conn:
            row = conn.execute("SELECT count(*) FROM parity_shadow_records").fetchone()
            return int(row[0]) if row else 0
    lines = Path(store).read_text().split("\n")
    complete = 0
    for line in lines:
        with contextlib.suppress(ValueError):
            json.loads(line)
            complete += 1
    return complete


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python bench/shadow.py", description=__doc__.splitlines()[0]
    )
    parser.add_argument("part", choices=["overhead", "session", "replay", "latency", "kill"])
    parser.add_argument("--work", type=Path, default=REPO / ".parity" / "bench-shadow")
    parser.add_argument("--rate", type=float, default=200, help="proxied requests per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--total", type=int, default=10_000, help="mirrored requests (session)")
    parser.add_argument("--fault", default="discussion_extra_author_key")
    parser.add_argument("--profile", default="dev")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--loops", default="auto", help="overhead: the front's event loops, A/B (uvloop,asyncio)"
    )
    args = parser.parse_args(argv)
    work = args.work / args.part
    if args.part == "overhead":
        loops = [loop.strip() for loop in args.loops.split(",") if loop.strip()]
        result = overhead(work, args.rate, args.seconds, loops)
    elif args.part == "session":
        result = session(work, args.fault, args.total, args.profile)
    elif args.part == "replay":
        result = replay_only(work, args.fault, args.profile)
    elif args.part == "latency":
        result = latency(work, args.runs, args.profile)
    else:
        result = kill(work, min(args.seconds, 10))
    everything = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    everything[args.part] = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **result}
    RESULTS.write_text(json.dumps(everything, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
