"""`parity routes`: write a routing manifest from nginx or by probing Go; show a manifest.

    parity routes --from-nginx nginx.conf [--go-upstream loomio_go] -o parity-routes.yaml
    parity routes --discover --go-url http://127.0.0.1:8080 -o parity-routes.yaml
    parity routes --show parity-routes.yaml

Both writers name every operation of the spec by operationId, so the file is reviewed like
code; `--show` prints where each operation goes under a manifest.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import requests

from harness.errors import HarnessError
from harness.redact import redact_url
from harness.report.coverage import DeclaredOperation, declared_operations
from harness.routing.discover import discover, discovered_targets, sample_path
from harness.routing.manifest import Manifest, Target, dump_manifest, load_manifest
from harness.routing.nginx import load_nginx
from harness.spec_drift import load_spec

DEFAULT_SPEC = "spec/openapi.yaml"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parity routes",
        description="Write or show a routing manifest (which backend serves each operation).",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-nginx", metavar="CONF", help="import an nginx configuration")
    source.add_argument("--discover", action="store_true", help="probe --go-url per operation")
    source.add_argument("--show", metavar="MANIFEST", help="print each operation's backend")
    parser.add_argument("--spec", default=DEFAULT_SPEC, help="the OpenAPI document (file/URL)")
    parser.add_argument("-o", "--output", help="write the manifest here (default: stdout)")
    parser.add_argument(
        "--go-upstream",
        action="append",
        default=[],
        metavar="NAME",
        help="--from-nginx: an upstream (or host:port) that is the Go backend; repeatable "
        "(default: upstreams whose name contains 'go' as a word)",
    )
    parser.add_argument("--server-name", default="", help="--from-nginx: the server block")
    parser.add_argument("--go-url", help="--discover: base URL of the Go backend")
    parser.add_argument("--timeout", type=float, default=10.0, help="--discover: per request")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit 0 on success, 2 on a usage or input error (one line on stderr)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        operations = declared_operations(load_spec(args.spec))
        if args.show:
            print(_show(load_manifest(Path(args.show)), operations), end="")
            return 0
        text = _from_nginx(args, operations) if args.from_nginx else _discover(args, operations)
        _write(text, args.output)
    except HarnessError as exc:
        print(f"parity routes: {exc}", file=sys.stderr)
        return 2
    return 0


def _from_nginx(args: argparse.Namespace, operations: tuple[DeclaredOperation, ...]) -> str:
    conf = Path(args.from_nginx)
    if not conf.is_file():
        raise HarnessError(f"{conf}: no such nginx configuration file.")
    routing = load_nginx(conf, _go_upstreams(conf, args.go_upstream), args.server_name)
    targets: dict[str, Target] = {}
    for op in operations:
        targets[op.operation_id], _ = routing.target(op.method, sample_path(op.path))
    for warning in dict.fromkeys(routing.warnings):
        print(f"parity routes: {warning}", file=sys.stderr)
    header = (f"imported from {conf} on {_today()}: review before use",)
    return dump_manifest(targets, header)


def _go_upstreams(conf: Path, named: list[str]) -> frozenset[str]:
    if named:
        return frozenset(named)
    text = conf.read_text(errors="replace")
    upstreams = re.findall(r"^\s*upstream\s+(\S+)\s*\{", text, re.M)
    found = frozenset(u for u in upstreams if re.search(r"(^|[^a-z])go([^a-z]|$)", u))
    if not found:
        raise HarnessError(
            f"{conf}: no upstream name contains 'go': name the Go backend's upstream with "
            "--go-upstream NAME."
        )
    return found


def _discover(args: argparse.Namespace, operations: tuple[DeclaredOperation, ...]) -> str:
    if not args.go_url:
        raise HarnessError("--discover needs --go-url (the Go backend to probe).")
    base = args.go_url.rstrip("/")
    session = requests.Session()

    def probe(method: str, path: str) -> tuple[int, str]:
        # One retry on a fresh connection: a server may close a kept-alive connection
        # after a 500 (uvicorn does), which is an answer, not an outage.
        failure = ""
        for _ in range(2):
            try:
                answer = session.request(method, base + path, json={}, timeout=args.timeout)
            except requests.RequestException as exc:
                session.close()
                failure = type(exc).__name__
                continue
            return answer.status_code, answer.text
        raise HarnessError(
            f"{method} {redact_url(base)}{path} failed: {failure}. Is the Go backend running "
            "at --go-url?"
        )

    found = discover(operations, probe)
    for d in found:
        print(f"{d.operation.label}: {d.why}", file=sys.stderr)
    header = (f"discovered from {redact_url(base)} on {_today()}: review before use",)
    return dump_manifest(discovered_targets(found), header)


def _show(manifest: Manifest, operations: tuple[DeclaredOperation, ...]) -> str:
    rows = [
        (op.operation_id, op.label, manifest.target(op.method, op.path, op.operation_id).label)
        for op in operations
    ]
    ported = sum(1 for *_, label in rows if label != "rails")
    width = max((len(r[0]) for r in rows), default=10)
    lines = [f"{op:<{width}}  {target:<8}  {label}" for op, label, target in rows]
    return "\n".join([*lines, f"{ported} of {len(rows)} operations ported"]) + "\n"


def _write(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text)
    except OSError as exc:
        raise HarnessError(f"cannot write {output}: {exc.strerror}.") from None
    print(f"parity routes: wrote {output}", file=sys.stderr)


def _today() -> str:
    return datetime.now(UTC).date().isoformat()
