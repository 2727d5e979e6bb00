"""python -m reference [serve] --port N --database-url URL [--faults a,b] | migrate | --list-faults.

Environment fallbacks: PORT, DATABASE_URL, REDIS_URL (live updates; none without it),
PARITY_FAULTS. Exit codes: 0 ok, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from urllib.parse import urlsplit

import psycopg

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


class UsageError(Exception):
    """A bad setting: the message names it and what to do; exit status 2."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list_faults:
        return list_faults()
    database_url = args.database_url or os.environ.get("DATABASE_URL")
    try:
        if not database_url:
            raise UsageError("--database-url or DATABASE_URL is required")
        if args.command == "migrate":
            from reference.migrate import migrate

            applied = migrate(database_url)
            print(f"migrated: {', '.join(applied) or 'nothing to do'}")
            return 0
        return serve(args, database_url)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except psycopg.OperationalError as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(
            f"error: cannot reach the database {_without_password(database_url or '')} "
            f"({reason}). Start PostgreSQL or fix --database-url / DATABASE_URL.",
            file=sys.stderr,
        )
        return 2


def _port(args: argparse.Namespace) -> int:
    """--port, else PORT; a usage error when neither is a TCP port number."""
    given = args.port if args.port is not None else os.environ.get("PORT")
    if given is None or given == "":
        raise UsageError("--port or PORT is required")
    try:
        port = int(given)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise UsageError(f"PORT={given!r} is not a TCP port number; pass --port N (1-65535)")
    return port


def _without_password(url: str) -> str:
    """The URL with its password masked (this package imports nothing from the harness)."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def serve(args: argparse.Namespace, database_url: str) -> int:
    import uvicorn

    from reference.app import build_app
    from reference.migrate import migrate

    port = _port(args)
    names = faults.parse_list(
        args.faults if args.faults is not None else os.environ.get("PARITY_FAULTS")
    )
    if args.no_migrate:  # nothing has connected yet: fail here, not in the pool's startup
        psycopg.connect(database_url, connect_timeout=10).close()
    else:
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
        timeout_keep_alive=20,  # Puma's persistent_timeout, not uvicorn's 5 s (harness.client.dropped)
        log_level="info" if args.access_log else "warning",  # access lines are INFO
        lifespan="on",
    )
    return 0
