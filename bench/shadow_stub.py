"""A stand-in HTTP server for the overhead bench, in a process of its own.

    python bench/shadow_stub.py PORT [--delay SECONDS] [--answers FILE]

Answers every request but `GET /up` (readiness) after `--delay` seconds: with the recorded
answer of its path (a JSON file {path: [status, content_type, body]}, what the reference
backend answered), else `{}`.
A fast, steady primary isolates what the proxy adds (the reference backend's own tail would
drown a 2 ms difference); a delayed one is a lagging candidate. Its own process, so that
its event loop never shares a GIL with the load generator's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from aiohttp import web


def app(delay: float, answers: dict[str, list[object]]) -> web.Application:
    async def answer(request: web.Request) -> web.Response:
        if request.path == "/up":  # readiness, without the delay
            return web.json_response({})
        if delay:
            await asyncio.sleep(delay)
        recorded = answers.get(request.path_qs)
        if recorded is None:
            return web.json_response({})
        status, content_type, body = recorded
        return web.Response(status=int(str(status)), text=str(body), content_type=str(content_type))

    made = web.Application()
    made.router.add_route("*", "/{tail:.*}", answer)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(prog="python bench/shadow_stub.py")
    parser.add_argument("port", type=int)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--answers", type=Path, default=None)
    args = parser.parse_args()
    answers = json.loads(args.answers.read_text()) if args.answers else {}
    web.run_app(app(args.delay, answers), host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
