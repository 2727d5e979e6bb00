"""python -m reference [serve] --port N --database-url URL [--faults a,b] | migrate | --list-faults.

Environment fallbacks: PORT, DATABASE_URL, REDIS_URL (live updates; none without it),
PARITY_FAULTS. Exit codes: 0 ok, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from reference import faults


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m reference", description=__doc__)
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalogue")
    sub = parser.add_subparsers(dest="command")
    for name in ("serve", "migrate"):
        cmd = sub.add_parser(name)
        _common(cmd, serve=name == "serve")
    _common(parser, serve=True)
    return parser


def _common(parser: argparse.ArgumentParser, *, serve: bool) -> None:
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (env DATABASE_URL)")
    if serve:
        parser.add_argument("--port", type=int, default=None, help="TCP port (env PORT)")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--faults", default=None, help="comma-separated (env PARITY_FAULTS)")
        parser.add_argument(
            "--redis-url", default=None, help="publish live updates here (env REDIS_URL)"
        )
        parser.add_argument("--no-migrate", action="store_true", help="do not migrate on start")
        parser.add_argument("--access-log", action="store_true", help="log every request")


def list_faults() -> int:
    from reference.app import import_all_modules

    import_all_modules()
    for fault in faults.catalogue():
        print(f"{fault.name}\t{fault.category}\t{fault.summary}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list_faults:
        return list_faults()
    database_url = args.database_url or os.environ.get("DATABASE_URL")
    if not database_url:
        print("error: --database-url or DATABASE_URL is required", file=sys.stderr)
        return 2
    if args.command == "migrate":
        from reference.migrate import migrate

        applied = migrate(database_url)
        print(f"migrated: {', '.join(applied) or 'nothing to do'}")
        return 0
    return serve(args, database_url)


def serve(args: argparse.Namespace, database_url: str) -> int:
    import uvicorn

    from reference.app import build_app
    from reference.migrate import migrate

    port = args.port or int(os.environ.get("PORT") or 0)
    if not port:
        print("error: --port or PORT is required", file=sys.stderr)
        return 2
    names = faults.parse_list(
        args.faults if args.faults is not None else os.environ.get("PARITY_FAULTS")
    )
    if not args.no_migrate:
        migrate(database_url)
    try:
        app = build_app(database_url, names, args.redis_url or os.environ.get("REDIS_URL"))
    except faults.UnknownFault as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        app,
        host=args.host,
        port=port,
        workers=1,
        access_log=args.access_log,
        log_level="info" if args.access_log else "warning",  # access lines are INFO
        lifespan="on",
    )
    return 0
