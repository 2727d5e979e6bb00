"""Benchmark: GET /api/v1/discussions/:key of a discussion with 50 events on the reference
backend (real PostgreSQL, real uvicorn process). Prints the median latency; target <= 10 ms.

    python bench/reference_show.py [--requests 300]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import bcrypt
import psycopg
import requests

from harness.ports import free_port
from harness.postgres import local_postgres

ROOT = Path(__file__).resolve().parents[1]


def _seed(dsn: str) -> tuple[str, str]:
    password = "bench password"
    digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()
    with psycopg.connect(dsn, autocommit=True) as conn:
        user = conn.execute(
            "INSERT INTO users (name, email, username, encrypted_password, email_verified, created_at, updated_at) "
            "VALUES ('Bench', 'bench@example.org', 'bench', %s, true, now(), now()) RETURNING id",
            (digest,),
        ).fetchone()[0]  # type: ignore[index]
        group = conn.execute(
            "INSERT INTO groups (name, full_name, key, created_at, updated_at) VALUES ('G', 'G', 'benchgrp', now(), now()) "
            "RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO memberships (group_id, user_id, admin, accepted_at, created_at, updated_at) "
            "VALUES (%s, %s, true, now(), now(), now())",
            (group, user),
        )
    return "bench@example.org", password


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args(argv)
    with local_postgres() as pg:
        dsn = pg.create_database(f"bench_{uuid.uuid4().hex[:6]}")
        subprocess.run(
            [sys.executable, "-m", "reference", "migrate", "--database-url", dsn],
            check=True,
            cwd=ROOT,
        )
        email, password = _seed(dsn)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "reference", "--port", str(port), "--database-url", dsn],
            cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    requests.get(base + "/up", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.05)
            http = requests.Session()
            http.post(
                base + "/api/v1/sessions", json={"user": {"email": email, "password": password}}
            ).raise_for_status()
            group_id = http.get(base + "/api/v1/groups/benchgrp").json()["groups"][0]["id"]
            answer = http.post(
                base + "/api/v1/discussions",
                json={"discussion": {"group_id": group_id, "title": "Bench"}},
            )
            discussion = answer.json()["discussions"][0]
            parent = None
            for i in range(50):
                body = {
                    "discussion_id": discussion["id"],
                    "body": f"<p>comment {i}</p>",
                    "body_format": "html",
                }
                if parent and i % 2:
                    body.update(parent_id=parent, parent_type="Comment")
                created = http.post(base + "/api/v1/comments", json={"comment": body}).json()
                parent = created["comments"][0]["id"] if i % 2 == 0 else parent
            url = f"{base}/api/v1/discussions/{discussion['key']}"
            for _ in range(30):
                http.get(url).raise_for_status()
            samples = []
            for _ in range(args.requests):
                start = time.perf_counter()
                http.get(url).raise_for_status()
                samples.append((time.perf_counter() - start) * 1000)
            items = http.get(url).json()["discussions"][0]["items_count"]
        finally:
            server.terminate()
            server.wait()
    samples.sort()
    print(
        f"GET discussion with {items} events: median {statistics.median(samples):.2f} ms, "
        f"p90 {samples[int(len(samples) * 0.9)]:.2f} ms over {len(samples)} requests"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
