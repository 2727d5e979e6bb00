"""The SQL seeder on Loomio's real schema (the reference backend's migrations)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import bcrypt
import psycopg
import pytest

from harness.postgres import LocalPostgres
from harness.providers.process import fill, run_command
from harness.seed import SeedError, SqlSeeder, build_rows, default_world, scoped_world
from tests.harness.conftest import MINIAPP_PREPARE, clean_environ


@pytest.fixture
def loomio_database(pg_cluster: LocalPostgres, empty_database: str) -> str:
    subprocess.run(
        [sys.executable, "-m", "reference", "migrate", "--database-url", empty_database],
        check=True,
        capture_output=True,
    )
    return empty_database


def test_plan_has_verified_actors_with_cost_4_bcrypt_passwords() -> None:
    plan = build_rows(default_world(), salt="s1")
    users = {r.key: r.values for r in plan.rows if r.table == "users"}
    admin = users["user:admin"]
    assert admin["encrypted_password"].startswith("$2b$04$")
    assert bcrypt.checkpw(
        plan.actors["admin"].password.encode(), admin["encrypted_password"].encode()
    )
    assert admin["email_verified"] is True and users["user:unverified"]["email_verified"] is False
    assert users["user:site_admin"]["is_admin"] is True
    assert "password" not in repr(plan.actors["admin"]).replace("encrypted", "")


def test_seeding_writes_loomio_rows_with_flags_counters_and_guests(loomio_database: str) -> None:
    plan = build_rows(default_world())
    ids = SqlSeeder(loomio_database).seed(plan)
    with psycopg.connect(loomio_database) as conn:
        one = lambda q, *a: conn.execute(q, a).fetchone()  # noqa: E731
        sub = one(
            "SELECT parent_id, is_visible_to_parent_members, full_name FROM groups WHERE id = %s",
            ids["group:sub"],
        )
        assert sub[0] == ids["group:main"] and sub[1] is True and sub[2].startswith("Main group")
        secret = one(
            "SELECT is_visible_to_public, membership_granted_upon, subscription_id FROM groups "
            "WHERE id = %s",
            ids["group:secret"],
        )
        assert secret[:2] == (False, "invitation") and secret[2]
        counts = one(
            "SELECT memberships_count, admin_memberships_count, subgroups_count, discussions_count "
            "FROM groups WHERE id = %s",
            ids["group:main"],
        )
        assert counts == (3, 1, 1, 1)
        assert one(
            "SELECT admin FROM memberships WHERE id = %s", ids["membership:subgroup_member@sub"]
        ) == (True,)
        guest = one(
            "SELECT guest, admin, revoked_at FROM discussion_readers "
            "WHERE user_id = %s AND discussion_id = %s",
            ids["user:guest"],
            ids["discussion:main_private"],
        )
        assert guest == (True, False, None)
        root = one(
            "SELECT kind, discussion_id, sequence_id, eventable_id FROM events WHERE id = %s",
            ids["event:new_discussion:main_private"],
        )
        assert root == ("new_discussion", None, None, ids["discussion:main_private"])
        assert one(
            "SELECT group_id, private FROM discussions WHERE id = %s", ids["discussion:direct"]
        ) == (None, True)
        assert one(
            "SELECT count(*) FROM users "
            "WHERE encrypted_password LIKE '$2b$04$%%' AND email_verified"
        ) == (6,)


def dump(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return [
            (t, conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall())
            for t in (
                "users",
                "groups",
                "memberships",
                "discussions",
                "discussion_readers",
                "events",
            )
        ]


def test_the_same_plan_gives_identical_rows_in_each_database(
    pg_cluster: LocalPostgres, loomio_database: str
) -> None:
    name = loomio_database.rsplit("/", 1)[1]
    other = pg_cluster.create_database(f"{name}_b", template=name)
    try:
        plan = build_rows(default_world())
        assert SqlSeeder(loomio_database).seed(plan) == SqlSeeder(other).seed(plan)
        assert dump(loomio_database) == dump(other)
    finally:
        pg_cluster.drop_database(f"{name}_b")


def test_a_not_null_column_the_seeder_does_not_know_is_named(loomio_database: str) -> None:
    with psycopg.connect(loomio_database) as conn:
        conn.execute("ALTER TABLE memberships ADD COLUMN role varchar NOT NULL")
    with pytest.raises(
        SeedError, match=r"memberships\.role is NOT NULL without a default .* harness/seed\.py"
    ):
        SqlSeeder(loomio_database).seed(build_rows(default_world()))


def test_a_missing_table_asks_for_the_prepare_step(empty_database: str) -> None:
    with pytest.raises(
        SeedError, match=r"table users does not exist\. Run the backend's prepare step"
    ):
        SqlSeeder(empty_database).seed(build_rows(default_world()))


def test_a_reduced_schema_gets_only_the_columns_it_has(empty_database: str, tmp_path: Path) -> None:
    run_command(
        "x", fill(MINIAPP_PREPARE, database_url=empty_database), clean_environ(), tmp_path / "m.log"
    )
    ids = SqlSeeder(empty_database).seed(build_rows(scoped_world("t1")))
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (4,)
        assert conn.execute(
            "SELECT guest FROM discussion_readers WHERE user_id = %s", (ids["user:guest"],)
        ).fetchone() == (True,)


def test_revoked_memberships_and_guests_get_revoked_at_and_do_not_count() -> None:
    from harness.seed import DiscussionSpec, GroupSpec, GuestSpec, MembershipSpec, UserSpec, World

    world = World(
        users=(UserSpec(name="owner"), UserSpec(name="gone"), UserSpec(name="guest")),
        groups=(GroupSpec(name="g"),),
        memberships=(
            MembershipSpec(user="owner", group="g", admin=True),
            MembershipSpec(user="gone", group="g", revoked=True),
        ),
        discussions=(DiscussionSpec(name="d", author="owner", group="g"),),
        guests=(GuestSpec(user="guest", discussion="d", revoked=True),),
    )
    rows = {row.key: row.values for row in build_rows(world, salt="s").rows}
    assert rows["membership:gone@g"]["revoked_at"] is not None
    assert rows["membership:owner@g"]["revoked_at"] is None
    assert rows["reader:guest@d"]["revoked_at"] is not None
    assert rows["group:g"]["memberships_count"] == 1
