"""Requests per second: through the lockstep differential suite vs a bare requests loop.

Starts the embedded pair, runs the state machine (`EXAMPLES` examples), then replays the
exact requests it sent, in order, with one plain `requests.Session` per actor (HTTP Basic)
against the same backends. Prints one JSON object; the target ratio is >= 0.5.

    python bench/request_rate.py [EXAMPLES]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar

import requests
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.lockstep import LockstepMachine, LockstepRun  # after sys.path
from harness.actors import Actor
from harness.backends import Backends, provision
from harness.config import HarnessConfig
from harness.http import ApiRequest

Sent = tuple[str, Actor | None, ApiRequest]  # base URL, who, what


class Recording(LockstepMachine):
    """Keeps every example's requests and actors' credentials for the bare replay."""

    sent: ClassVar[list[Sent]] = []

    def teardown(self) -> None:
        plan = self.scope.plan
        assert plan is not None  # open_scope always seeds a plan of its own
        credentials = {key: plan.actors[name] for name, key in self.scope.actors.items()}
        for side in (self.lockstep.rails, self.lockstep.go):
            for actor, request in side.sent:
                who = credentials.get(actor) if actor is not None else None
                self.sent.append((side.backend.base_url, who, request))
        super().teardown()


def differential(backends: Backends, examples: int) -> tuple[int, float]:
    run = LockstepRun(backends=backends)
    started = time.perf_counter()
    run_state_machine_as_test(
        lambda: Recording(run),  # type: ignore[arg-type]  # a factory works; stubs want a class
        settings=settings(
            max_examples=examples, stateful_step_count=30, deadline=None, database=None
        ),
    )
    return run.requests, time.perf_counter() - started


def bare(sent: list[Sent]) -> tuple[int, float]:
    sessions: dict[tuple[str, str | None], requests.Session] = {}
    started = time.perf_counter()
    for base, actor, request in sent:
        key = (base, actor.email if actor else None)
        if key not in sessions:
            sessions[key] = requests.Session()
            if actor:
                sessions[key].auth = (actor.email, actor.password)
        sessions[key].request(
            request.method,
            base + request.path,
            params=list(request.params),
            json=request.json,
            headers={"Accept": "application/json"},
            timeout=30,
        )
    return len(sent), time.perf_counter() - started


def main(argv: list[str]) -> int:
    examples = int(argv[0]) if argv else 25
    run_dir = tempfile.mkdtemp(prefix="bench-rate-")
    config = HarnessConfig.from_sources({"run_dir": run_dir}, {}, dict(os.environ))
    with provision(config) as backends:
        n_diff, t_diff = differential(backends, examples)
        n_bare, t_bare = bare(Recording.sent)
    rate_diff, rate_bare = n_diff / t_diff, n_bare / t_bare
    print(
        json.dumps(
            {
                "examples": examples,
                "differential": {
                    "requests": n_diff,
                    "seconds": round(t_diff, 2),
                    "rps": round(rate_diff, 1),
                },
                "bare_loop": {
                    "requests": n_bare,
                    "seconds": round(t_bare, 2),
                    "rps": round(rate_bare, 1),
                },
                "ratio": round(rate_diff / rate_bare, 3),
                "target": 0.5,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
