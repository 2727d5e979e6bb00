from __future__ import annotations

import psycopg

from harness.postgres import LocalPostgres, local_postgres


def test_template_clone_carries_rows(pg_cluster: LocalPostgres) -> None:
    pg_cluster.create_database("tpl_clone_src")
    with psycopg.connect(pg_cluster.dsn("tpl_clone_src"), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (x int); INSERT INTO t VALUES (7)")
    pg_cluster.create_database("tpl_clone_dst", template="tpl_clone_src")
    with psycopg.connect(pg_cluster.dsn("tpl_clone_dst")) as conn:
        assert conn.execute("SELECT x FROM t").fetchone() == (7,)
    for name in ("tpl_clone_dst", "tpl_clone_src"):
        pg_cluster.drop_database(name)


def test_stop_removes_cluster_directory_and_process() -> None:
    with local_postgres() as cluster:
        root, process = cluster.root, cluster.process
        assert root.exists()
    assert not root.exists()
    assert process.poll() is not None
