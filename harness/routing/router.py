"""The routing proxy of a mixed stack: the production shape of a partial port, on one machine.

    python -m harness.routing.router --port N --spec spec/openapi.yaml \
        --manifest parity-routes.yaml --go http://127.0.0.1:8080 --rails http://127.0.0.1:3001

Each request is matched to its spec operation (method and path template) and sent where the
manifest says — a share `go N%` is drawn per request from a seeded generator — like nginx in
front of Rails and Go over one database. The answer comes back unchanged but for one header,
`X-Parity-Served-By: go|rails`, so findings can name the backend behind each step.
A bare ASGI app on uvicorn, httpx for the upstream calls (one keep-alive pool per upstream).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Mapping
from pathlib import Path

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from harness.errors import HarnessError
from harness.report.coverage import OperationIndex, declared_operations
from harness.routing import SERVED_BY
from harness.routing.manifest import Manifest, load_manifest
from harness.spec_drift import load_spec

# Hop-by-hop headers (RFC 9110 7.6.1) and what the proxy recomputes.
_NOT_FORWARDED = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


class Router:
    """Picks the upstream of each request; pure but for its seeded generator."""

    def __init__(self, manifest: Manifest, index: OperationIndex, seed: int = 0) -> None:
        self.manifest, self.index = manifest, index
        self._rng = random.Random(seed)

    def side(self, method: str, path: str) -> str:
        """`go` or `rails` for one request."""
        operation = self.index.find(method, path)
        if operation is None:
            target = self.manifest.target(method, path)
        else:
            target = self.manifest.target(method, operation.path, operation.operation_id)
        if target.go_percent in (0, 100):
            return "go" if target.go_percent else "rails"
        return "go" if self._rng.random() * 100 < target.go_percent else "rails"


def build_app(router: Router, upstreams: Mapping[str, str], timeout: float) -> ASGIApp:
    """The ASGI app forwarding every request to the upstream `router` picks."""
    clients = {
        side: httpx.AsyncClient(base_url=url, timeout=timeout) for side, url in upstreams.items()
    }

    async def forward(request: Request) -> Response:
        side = router.side(request.method, request.url.path)
        headers = [(k, v) for k, v in request.headers.items() if k not in _NOT_FORWARDED]
        # The raw, still percent-encoded target: the decoded path may hold bytes (%04) that
        # are no longer a valid URL, and the backend must see what the client sent.
        raw = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string", b"")
        target = raw.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        try:
            answer = await clients[side].request(
                request.method, target, content=await request.body(), headers=headers
            )
        except httpx.HTTPError as exc:
            text = f"router: {side} upstream failed: {type(exc).__name__}\n"
            return Response(text, status_code=502, headers={SERVED_BY: side})
        response = Response(content=answer.content, status_code=answer.status_code)
        response.raw_headers.extend(
            (k.encode("latin-1"), v.encode("latin-1"))
            for k, v in answer.headers.multi_items()
            if k.lower() not in _NOT_FORWARDED and k.lower() != "content-encoding"
        )
        response.raw_headers.append((SERVED_BY.encode(), side.encode()))
        return response

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        # A bare ASGI app, no routing table: every method and every path (a decoded path
        # may hold a newline, which a route pattern would not match) goes upstream.
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            for client in clients.values():
                await client.aclose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        response = await forward(Request(scope, receive))
        await response(scope, receive, send)

    return app


def main(argv: list[str] | None = None) -> int:
    """Serve the router until stopped; exit 2 on a bad manifest or spec."""
    parser = argparse.ArgumentParser(prog="python -m harness.routing.router")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--go", required=True, help="base URL of the Go backend")
    parser.add_argument("--rails", required=True, help="base URL of Rails on Go's database")
    parser.add_argument("--seed", type=int, default=0, help="for `go N%` routes")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    try:
        manifest = load_manifest(Path(args.manifest))
        index = OperationIndex(declared_operations(load_spec(args.spec)))
    except HarnessError as exc:
        print(f"router: {exc}", file=sys.stderr)
        return 2
    app = build_app(
        Router(manifest, index, args.seed), {"go": args.go, "rails": args.rails}, args.timeout
    )
    print(f"router serving on {args.port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
