"""Generalization: the extractor on public AMS 0.8/0.9 Rails apps against hand-read expectations.

python bench/generalization.py cobudget=/path/to/cobudget wdi_movies=/path/to/movies ...

Each NAME has bench/generalization/NAME.yaml: the routes Rails draws (read by hand from
the app's config/routes.rb), the key set of each serializer and what a handful of actions
answer, and which of the routes are HTML pages the spec leaves out by default. PATH is a checkout of the repository at the commit named there (this script does
not fetch anything). Prints a Markdown table (route recall and precision, operations
in the spec under the default rule, key-set precision and recall, answers right) and every miss, and exits 1 when a figure is < 0.95.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from extractor.actions import ActionReader
from extractor.app import build_app
from extractor.openapi import sideloads
from extractor.pipeline import extract
from extractor.resolve import Resolver
from extractor.sources import read_tree

HERE = Path(__file__).resolve().parent / "generalization"


@dataclass
class Score:
    name: str
    routes: tuple[int, int, int] = (0, 0, 0)  # expected, drawn, both
    spec: tuple[int, int, int] = (0, 0, 0)  # expected operations, operations, both
    keys: tuple[int, int, int] = (0, 0, 0)
    answers: tuple[int, int] = (0, 0)  # right, expected
    misses: list[str] = field(default_factory=list)

    @staticmethod
    def share(part: int, whole: int) -> float:
        return part / whole if whole else 1.0

    def row(self) -> str:
        e, d, b = self.routes
        ke, kd, kb = self.keys
        right, asked = self.answers
        se, sd, sb = self.spec
        return (
            f"| {self.name} | {b}/{e} = {self.share(b, e):.2f} | {self.share(b, d):.2f} "
            f"| {sb}/{se} = {self.share(sb, se):.2f} | {self.share(sb, sd):.2f} "
            f"| {kb}/{kd} = {self.share(kb, kd):.2f} | {kb}/{ke} = {self.share(kb, ke):.2f} "
            f"| {right}/{asked} |"
        )

    @property
    def ok(self) -> bool:
        e, _d, b = self.routes
        ke, kd, kb = self.keys
        se, _sd, sb = self.spec
        return (
            min(self.share(b, e), self.share(sb, se), self.share(kb, kd), self.share(kb, ke))
            >= 0.95
        )


def score(name: str, root: Path, expected: dict[str, Any]) -> Score:
    tree = read_tree(root / expected.get("rails_root", "."))
    app, _ = build_app(tree)
    out = Score(name)
    want_routes = {line.strip() for line in expected["routes"].splitlines() if line.strip()}
    subset = tuple(expected.get("subset") or ())  # expectations cover these paths only

    def covered(path: str) -> bool:
        return (
            not subset or path == "/" or any(path == p or path.startswith(p + "/") for p in subset)
        )

    drawn = {f"{r.verb} {r.path} {r.to}" for r in app.routes if r.controller and covered(r.path)}
    out.routes = (len(want_routes), len(drawn), len(want_routes & drawn))
    out.misses += [f"route not drawn: {r}" for r in sorted(want_routes - drawn)]
    out.misses += [f"route drawn, not expected: {r}" for r in sorted(drawn - want_routes)]
    left_out = {line.strip() for line in (expected.get("not_in_spec") or "").splitlines()}
    want_ops = {" ".join(r.split()[:2]) for r in want_routes - left_out}
    document = extract(tree, env=None).document
    ops = {
        verb.upper() + " " + re.sub(r"{(\w+)}", r":\1", path)
        for path, item in document["paths"].items()
        for verb in item
        if covered(re.sub(r"{(\w+)}", r":\1", path))
    }
    out.spec = (len(want_ops), len(ops), len(want_ops & ops))
    out.misses += [f"not an operation: {r}" for r in sorted(want_ops - ops)]
    out.misses += [f"operation, not expected: {r}" for r in sorted(ops - want_ops)]
    resolved = {r.name: r for r in Resolver(app).resolve_all()}
    want_keys = drawn_keys = both = 0
    for serializer, keys in expected["serializers"].items():
        got = {f.key for f in resolved[serializer].fields} if serializer in resolved else set()
        want_keys, drawn_keys, both = (
            want_keys + len(set(keys)),
            drawn_keys + len(got),
            both + len(set(keys) & got),
        )
        out.misses += [f"{serializer}: key missing: {k}" for k in sorted(set(keys) - got)]
        out.misses += [f"{serializer}: key not expected: {k}" for k in sorted(got - set(keys))]
    out.keys = (want_keys, drawn_keys, both)
    views = getattr(tree, "views", ())  # older extractors (a before/after comparison) lack it
    out.answers = _answers(app, resolved, views, expected.get("responses") or {}, out)
    return out


def _answers(
    app: Any, resolved: dict[str, Any], views: tuple[str, ...], wanted: dict[str, Any], out: Score
) -> tuple[int, int]:
    reader = ActionReader(app, frozenset(resolved), frozenset(views))
    by_route = {f"{r.verb} {r.path}": r for r in app.routes}
    right = 0
    for key, want in wanted.items():
        route = by_route.get(key)
        answer = reader.describe(route).answer if route is not None else None
        got: dict[str, Any] = {}
        if answer is not None:
            got = {
                "root": answer.root,
                "many": getattr(answer, "many", None),
                "serializer": answer.serializers[0] if answer.serializers else None,
            }
            if "sideloads" in want:
                reached, _ = sideloads(answer.serializers, resolved)
                got["sideloads"] = sorted(set(reached) - {answer.root})
        if got == want:
            right += 1
        else:
            out.misses.append(f"{key}: answers {got}, expected {want}")
    return right, len(wanted)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("apps", nargs="+", metavar="NAME=PATH")
    args = parser.parse_args(argv)
    scores = []
    for item in args.apps:
        name, _, path = item.partition("=")
        expected = yaml.safe_load((HERE / f"{name}.yaml").read_text())
        scores.append(score(name, Path(path), expected))
    print(
        "| app | route recall | route precision | operations recall | operations precision "
        "| key precision | key recall | answers |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for s in scores:
        print(s.row())
    total = Score("all")
    total.routes = tuple(sum(s.routes[i] for s in scores) for i in range(3))  # type: ignore[assignment]  # a 3-tuple by construction
    total.spec = tuple(sum(s.spec[i] for s in scores) for i in range(3))  # type: ignore[assignment]  # a 3-tuple by construction
    total.keys = tuple(sum(s.keys[i] for s in scores) for i in range(3))  # type: ignore[assignment]  # a 3-tuple by construction
    total.answers = (sum(s.answers[0] for s in scores), sum(s.answers[1] for s in scores))
    print(total.row())
    for s in scores:
        for miss in s.misses:
            print(f"- {s.name}: {miss}")
    return 0 if all(s.ok for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
