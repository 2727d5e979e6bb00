"""python -m reference.channels [serve] --port N --redis-url URL [--faults a,b] | --list-faults.

Environment fallbacks, as records.js reads them: PORT (default 5000), REDIS_URL (default
redis://localhost:6379/0), PUBLIC_APP_URL (the CORS origin; default any); and
PARITY_CHANNEL_FAULTS, PARITY_CHANNEL_RECOVERY_SECONDS (default 1800). Exit codes: 0 ok,
2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from reference import faults
from reference.channels.recovery import WINDOW_SECONDS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference.channels", description=__doc__)
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalogue")
    parser.add_argument("command", nargs="?", choices=("serve",), default="serve")
    parser.add_argument("--port", type=int, default=None, help="TCP port (env PORT)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--redis-url", default=None, help="Redis URL (env REDIS_URL)")
    parser.add_argument("--faults", default=None, help="comma-separated (PARITY_CHANNEL_FAULTS)")
    parser.add_argument(
        "--recovery-seconds",
        type=float,
        default=None,
        help="connection state recovery window (env PARITY_CHANNEL_RECOVERY_SECONDS)",
    )
    return parser


def list_faults() -> int:
    import reference.channels.server  # noqa: F401  # declares the channel faults

    for fault in faults.catalogue():
        if fault.category == "channel":
            print(f"{fault.name}\t{fault.category}\t{fault.summary}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list_faults:
        return list_faults()
    import uvicorn

    from reference.channels.server import build_app

    env = os.environ
    port = args.port or int(env.get("PORT") or 5000)
    redis_url = args.redis_url or env.get("REDIS_URL") or "redis://localhost:6379/0"
    names = faults.parse_list(
        args.faults if args.faults is not None else env.get("PARITY_CHANNEL_FAULTS")
    )
    window = args.recovery_seconds or float(
        env.get("PARITY_CHANNEL_RECOVERY_SECONDS") or WINDOW_SECONDS
    )
    try:
        app = build_app(redis_url, names, window=window, origin=env.get("PUBLIC_APP_URL") or "*")
    except faults.UnknownFault as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(app, host=args.host, port=port, log_level="warning", lifespan="on")
    return 0
