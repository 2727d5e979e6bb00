"""No learned noise entry hides a fault of the reference catalogue.

Noise is learned on the clean pair as the differential suite learns it (two replays of the
noise script on rails). The same script then runs in lockstep on the clean pair, and on the
pair with one catalogue fault on the go side, every call sent and every outcome kept (no
stop at the first difference). A learned entry hides a fault when, with the fault on, it
sets aside a difference (operation, place, kind) it never set aside on the clean pair.
Representative faults run by default; `-m slow` runs the whole catalogue.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.differential import Call, Outcome
from contracts.lockstep import LockstepMachine, LockstepRun
from contracts.noise_learning import Noise, learn, load_declared, noise_script
from harness.backends import Backends, provision
from harness.config import HarnessConfig
from harness.errors import HarnessError
from harness.noise import NoiseField, generalize
from tests.contracts.suite_runs import catalogue

pytestmark = pytest.mark.backend
CATEGORIES = (
    *("shape", "type", "null", "envelope", "status", "ordering"),
    *("threading", "tally", "permission"),
)
# faults that change answers at or near fields the clean pair is noisy at (counts, keys,
# timestamps) or that reshape a whole answer
REPRESENTATIVE = ("event_counts_float", "timestamps_without_millis", "meta_root_missing")
Excluded = set[tuple[str, str, str]]


class Collecting(LockstepMachine):
    """The lockstep machine, but every call is sent and kept: nothing stops at a difference."""

    def __init__(self, run: LockstepRun) -> None:
        self.outcomes: list[Outcome] = []
        super().__init__(run)

    def send(self, call: Call) -> Outcome:
        outcome = self.lockstep.send(call)
        self.outcomes.append(outcome)
        self._remember(outcome)
        return outcome


def excluded(backends: Backends, noise: Noise) -> tuple[Excluded, int]:
    """(what noise set aside, differences kept) over the noise script in lockstep."""
    machine = Collecting(LockstepRun(backends=backends, noise=noise.for_operation))
    try:
        noise_script(machine)
    except (HarnessError, KeyError):
        pass  # the fault broke a record the script needs: what was sent until then counts
    finally:
        machine.teardown()
    aside = {
        (o.call.operation, generalize(d.pointer), str(d.kind))
        for o in machine.outcomes
        for d, _ in o.ignored
    }
    return aside, sum(len(o.differences) for o in machine.outcomes)


def _pair(tmp: Path, **cli: str) -> Iterator[Backends]:
    config = HarnessConfig.from_sources({"run_dir": str(tmp), **cli}, {}, dict(os.environ))
    with provision(config) as pair:
        yield pair


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Noise, Excluded]]:
    """Noise learned on the clean pair, and what it sets aside there (rails vs clean go)."""
    for pair in _pair(tmp_path_factory.mktemp("clean")):
        noise = Noise(declared=tuple(load_declared()), learned=learn(pair).learned)
        aside, kept = excluded(pair, noise)
        assert kept == 0, "the clean pair differs beyond its noise: see test_differential_meta"
        yield noise, aside


def _faults() -> list[object]:
    return [
        pytest.param(name, marks=[] if name in REPRESENTATIVE else [pytest.mark.slow])
        for name, _ in catalogue(CATEGORIES)
    ]


@pytest.mark.parametrize("fault", _faults())
def test_no_learned_entry_hides_a_fault(
    clean: tuple[Noise, Excluded], fault: str, tmp_path: Path
) -> None:
    noise, clean_aside = clean
    for pair in _pair(tmp_path, go_faults=fault):
        aside, _ = excluded(pair, noise)
        hidden = sorted(aside - clean_aside)
        assert not hidden, (
            f"{fault}: learned noise set aside what the clean pair never had: {hidden}"
        )


def test_an_entry_that_hides_a_fault_is_seen(clean: tuple[Noise, Excluded], tmp_path: Path) -> None:
    """The check above can fail: an entry planted where event_counts_float changes the
    answers (child counts sent as floats) is caught setting the fault aside."""
    _, clean_aside = clean
    planted = NoiseField(
        pattern="/events/*/child_count",
        source="learned",
        kinds=("type",),
        operation="GET /api/v1/events",
    )
    hiding = Noise(learned={planted.operation: (planted,)})
    for pair in _pair(tmp_path, go_faults="event_counts_float"):
        aside, _ = excluded(pair, hiding)
    assert ("GET /api/v1/events", "/events/*/child_count", "type") in aside - clean_aside
