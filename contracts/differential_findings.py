"""A lockstep failure -> differential findings, each with the shrunk sequence as scripts."""

from __future__ import annotations

from contracts.differential import Lockstep, Outcome, emails_of
from contracts.noise_learning import Noise
from harness.findings import Finding
from harness.isolation import Scope
from harness.repro import render_python, render_scripts


def findings_of(
    lockstep: Lockstep, scope: Scope, outcome: Outcome, noise: Noise | None = None
) -> list[Finding]:
    """One finding per difference of the failing step, with the shrunk sequence as scripts."""
    steps = {"rails": lockstep.rails.sent, "go": lockstep.go.sent}
    title = f"lockstep: {outcome.call.operation}"
    emails = emails_of(scope)
    python = render_python(steps, emails=emails, title=title)
    shell = render_scripts(steps, emails=emails, title=title)
    extra = {
        "repro_python": python,
        "repro_sh_rails": shell["rails"],
        "repro_sh_go": shell["go"],
        "noise": [f"{n.source}: {n.key}" for n in (noise or Noise()).listed()],
        "actors": dict(scope.actors),
    }
    return [
        Finding.from_difference(
            difference,
            operation=outcome.call.operation,
            repro=python,
            steps=tuple(
                f"{call.describe()}  [go side served by {served}]" if served else call.describe()
                for call, served in zip(lockstep.calls, lockstep.served, strict=False)
            ),
            extra=extra,
        )
        for difference in outcome.differences
    ]
