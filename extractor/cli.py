"""`parity extract` / `python -m extractor`: argv in, exit code out; the only printing."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from extractor.cache import Cache, default_dir
from extractor.errors import ExtractorError, Severity, UsageError
from extractor.pipeline import extract
from extractor.sources import read_tree
from extractor.validation import Validation

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_ROOT = PROJECT / "examples" / "loomio-mini"
DEFAULT_OUTPUT = PROJECT / "spec" / "openapi.yaml"
ABILITIES = "abilities.yaml"  # the ability matrix, written next to the spec


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit; we return 2 from main
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="parity extract", description="Rails source tree -> OpenAPI 3.1 spec.")
    p.add_argument(
        "rails_root",
        nargs="?",
        type=Path,
        default=DEFAULT_ROOT,
        help="root of the Rails app (default: examples/loomio-mini)",
    )
    p.add_argument(
        "-o",
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="spec to write (default: spec/openapi.yaml)",
    )
    p.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if the output file is stale"
    )
    p.add_argument(
        "--env", default=None, help="leave out routes guarded by Rails.env for other environments"
    )
    p.add_argument(
        "--report",
        type=Path,
        default=None,
        help="report JSON (default: extraction-report.json next to -o)",
    )
    p.add_argument(
        "--overrides",
        type=Path,
        default=None,
        help="overrides YAML (default: overrides.yaml next to -o)",
    )
    p.add_argument("--title", default="Loomio API", help="info.title of the document")
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where per-file facts and validation verdicts are kept "
        "(default: $XDG_CACHE_HOME/loomio-parity or ~/.cache/loomio-parity)",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="parse every file and validate the spec afresh"
    )
    p.add_argument(
        "--paths",
        action="append",
        default=[],
        metavar="PREFIX[,PREFIX]",
        help="only the routes under these path prefixes (`--paths /api/`); default: the "
        "routes under an API-looking path or whose actions render JSON",
    )
    return p


def dump_yaml(document: dict[str, Any]) -> str:
    """Deterministic YAML: key order as built (already sorted where order is meaningless)."""
    import yaml  # ~20 ms of import: a warm run (extractor.cache) needs no YAML library

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 3x faster on real Loomio
    return yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)


def main(argv: list[str] | None = None) -> int:
    """Extract, validate, write (or --check). 0 ok, 1 stale/invalid, 2 usage error."""
    try:
        return _run(_parser().parse_args(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ExtractorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    cache = Cache(None if args.no_cache else args.cache_dir or default_dir())
    # cold: the worker is forked first, its import overlapping the extraction
    with Validation(prefork=cache.cold) as validation:
        return _extract_and_write(args, validation, cache)


def _extract_and_write(args: argparse.Namespace, validation: Validation, cache: Cache) -> int:
    output: Path = args.output
    overrides_path: Path = args.overrides or output.with_name("overrides.yaml")
    report_path: Path = args.report or output.with_name("extraction-report.json")
    tree = read_tree(args.rails_root)
    overrides = _load_overrides(overrides_path, cache)
    result = extract(
        tree,
        env=args.env,
        overrides=overrides,
        overrides_path=_display(overrides_path),
        title=args.title,
        paths=_prefixes(args.paths),
        cache=cache,
    )
    known, key = cache.validated(result.document, "openapi")
    if known is not None:
        validation.known_valid()
    else:
        validation.submit(result.document)
    cache.save()
    for diagnostic in result.diagnostics:
        if diagnostic.severity is Severity.WARNING:
            print(
                f"{args.rails_root}/{diagnostic}"
                if diagnostic.loc.file != _display(overrides_path)
                else str(diagnostic),
                file=sys.stderr,
            )
    text = known if known is not None else dump_yaml(result.document)
    report = json.dumps(result.report, indent=2, sort_keys=False) + "\n"
    abilities_path = output.with_name(ABILITIES)
    abilities = None if result.abilities is None else _abilities_yaml(result.abilities, cache)
    if args.check:
        validation.wait()
        cache.remember_valid(key, text)
        for path, expected in ((output, text), (abilities_path, abilities)):
            current = path.read_text(encoding="utf-8") if path.exists() else None
            if expected is not None and current != expected:
                print(
                    f"{_display(path)}: stale; regenerate it with "
                    f"`python -m extractor {args.rails_root} -o {_display(output)}`",
                    file=sys.stderr,
                )
                return 1
        print(f"{_display(output)} is up to date ({result.summary.operations} operations)")
        return 0
    pending = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        pending.write_text(text, encoding="utf-8")
        validation.wait()  # nothing is written to `output` unless the spec is valid
        cache.remember_valid(key, text)
        os.replace(pending, output)
        if abilities is not None:
            abilities_path.write_text(abilities, encoding="utf-8")
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(report, encoding="utf-8")
    except OSError as exc:
        where = _display(Path(exc.filename)) if exc.filename else _display(output)
        raise UsageError(
            f"{where}: cannot write ({exc.strerror or exc}). Pass -o (and --report) "
            "with a location you can write to."
        ) from None
    finally:
        with contextlib.suppress(OSError):
            pending.unlink(missing_ok=True)
    print(result.summary.line(_display(output), _display(report_path)))
    return 0


def _abilities_yaml(document: dict[str, Any], cache: Cache) -> str:
    """spec/abilities.yaml's text (already checked against its schema): dumped once per content."""
    known, key = cache.validated(document, "abilities")
    if known is None:
        known = dump_yaml(document)
        cache.remember_valid(key, known)
    return known


def _prefixes(values: list[str]) -> tuple[str, ...]:
    prefixes = tuple(p.strip() for v in values for p in v.split(",") if p.strip())
    bad = [p for p in prefixes if not p.startswith("/")]
    if bad:
        raise UsageError(f"--paths {bad[0]}: a path prefix starts with `/` (e.g. --paths /api/)")
    return prefixes


def _load_overrides(path: Path, cache: Cache) -> Any:
    """The overrides document, shaped `overrides: [entry, ...]` (or None: no file, or empty);
    parsed once per content (`cache`)."""
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{_display(path)}: cannot read overrides ({exc})") from None
    document = cache.facts("overrides", _display(path), text, lambda: _parse_overrides(path, text))
    if document is None:
        return None
    if not isinstance(document, dict) or set(document) != {"overrides"}:
        got = (
            f"the keys {sorted(map(str, document))}"
            if isinstance(document, dict)
            else f"a {type(document).__name__}"
        )
        raise UsageError(
            f"{_display(path)}: expected one top-level key `overrides:` holding a list of "
            f"entries (`- target: ...` with `set:` or `merge:`), got {got}. See "
            "extractor/overrides.py for the format."
        )
    if not isinstance(document["overrides"], list | type(None)):
        raise UsageError(
            f"{_display(path)}: `overrides:` must be a list of entries (`- target: ...`), "
            f"got a {type(document['overrides']).__name__}. See extractor/overrides.py."
        )
    return document


def _parse_overrides(path: Path, text: str) -> Any:
    import yaml  # see dump_yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsageError(f"{_display(path)}: cannot read overrides ({exc})") from None


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)
