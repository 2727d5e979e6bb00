"""Apply reference/migrations/*.sql in name order, once each (table schema_migrations)."""

from __future__ import annotations

from pathlib import Path

import psycopg

MIGRATIONS = Path(__file__).parent / "migrations"


def pending(applied: set[str]) -> list[Path]:
    return [p for p in sorted(MIGRATIONS.glob("*.sql")) if p.stem not in applied]


def migrate(database_url: str) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied now."""
    done: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version varchar PRIMARY KEY)")
        # One migrator at a time (two processes on one database must not both apply a file).
        conn.execute("SELECT pg_advisory_lock(727274)")
        try:
            applied = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
            for path in pending(applied):
                with conn.transaction():
                    conn.execute(path.read_text())  # type: ignore[arg-type]  # trusted file
                    conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES (%s)", (path.stem,)
                    )
                done.append(path.stem)
        finally:
            conn.execute("SELECT pg_advisory_unlock(727274)")
    return done
