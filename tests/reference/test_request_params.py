"""Rails' parameter handling at the request edge: strong parameters' shapes, `to_i` paging,
`exclude_types` read with `to_s`, blank group handles. Each case answered 500 before its fix
where Loomio answers 200 or 400 (a 500 that Loomio gives too is pinned as such)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reference.conftest import World, unique

UNPERMITTED = "ActionController::UnpermittedParameters"


@pytest.fixture
def admin_world(world: World) -> tuple[World, dict[str, Any], dict[str, Any], dict[str, Any]]:
    admin = world.seed.user()
    group = world.seed.group(admin)
    thread = world.thread(group, admin)
    return world, admin, group, thread


@pytest.mark.parametrize(
    ("root", "body", "key"),
    [
        ("discussion", {"title": "t", "max_depth": {}}, "max_depth"),
        ("discussion", {"title": "t", "tags": [{}]}, "tags"),
        ("discussion", {"title": "t", "tags": "one"}, "tags"),
        ("comment", {"body": "b", "body_format": [None, None]}, "body_format"),
    ],
    ids=["hash-for-scalar", "hash-in-scalar-array", "scalar-for-array", "array-for-scalar"],
)
def test_a_permitted_key_with_the_wrong_shape_is_unpermitted(
    admin_world: Any, root: str, body: dict[str, Any], key: str
) -> None:
    world, admin, group, thread = admin_world
    ref = {"comment": {"discussion_id": thread["id"]}, "discussion": {"group_id": group["id"]}}
    body = {**body, **ref[root]}
    status, answer = world.client(admin).post(f"/api/v1/{root}s", {root: body})
    assert status == 400, answer
    assert answer == {"exception": UNPERMITTED, "error": f"found unpermitted parameter: :{key}"}


def test_scalar_arrays_with_nulls_are_permitted(admin_world: Any) -> None:
    world, admin, group, _ = admin_world
    body = {"title": unique("T"), "group_id": group["id"], "tags": [None, "x"]}
    status, answer = world.client(admin).post("/api/v1/discussions", {"discussion": body})
    assert status == 200, answer


@pytest.mark.parametrize("exclude_types", [5, {}, ["poll"]], ids=["int", "hash", "list"])
def test_a_non_string_exclude_types_in_the_body_names_no_type(
    admin_world: Any, exclude_types: Any
) -> None:
    world, admin, _, thread = admin_world
    body = {"comment": {"discussion_id": thread["id"], "body": "b"}, "exclude_types": exclude_types}
    status, answer = world.client(admin).post("/api/v1/comments", body)
    assert status == 200, answer
    assert "discussions" in answer


@pytest.mark.parametrize(
    ("params", "count"),
    [({"per": "abc"}, 0), ({"per": "1.5"}, 1), ({"per": ""}, 0), ({"from": "x", "per": "2"}, 2)],
    ids=["letters", "decimal", "blank", "from-letters"],
)
def test_paging_reads_integers_with_to_i(
    admin_world: Any, params: dict[str, str], count: int
) -> None:
    world, admin, group, _ = admin_world
    world.thread(group, admin)
    world.thread(group, admin)
    status, answer = world.client(admin).get("/api/v1/discussions", group_id=group["id"], **params)
    assert status == 200, answer
    assert len(answer["discussions"]) == count
    assert answer["meta"]["total"] == 3


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/discussions", {"per": "-1"}),
        ("/api/v1/discussions", {"from": "-1"}),
        ("/api/v1/discussions", {"per": "103170118547879198720"}),
        ("/api/v1/memberships", {"per": "-3"}),
    ],
    ids=["negative-per", "negative-from", "per-past-bigint", "memberships-negative-per"],
)
def test_paging_postgresql_refuses_is_a_500_as_in_loomio(
    admin_world: Any, path: str, params: dict[str, str]
) -> None:
    # offset(params[:from].to_i).limit(params[:per].to_i): PostgreSQL refuses a negative
    # OFFSET/LIMIT or one past bigint (ActiveRecord::StatementInvalid), a 500 in Loomio too.
    world, admin, group, _ = admin_world
    status, answer = world.client(admin).get(path, group_id=group["id"], **params)
    assert (status, answer) == (500, {"status": 500, "error": "Internal Server Error"})


def test_stances_index_pages_with_to_i(admin_world: Any) -> None:
    world, admin, _, thread = admin_world
    poll = {
        "poll_type": "proposal",
        "title": "P",
        "discussion_id": thread["id"],
        "closing_at": "2999-01-01T00:00:00.000Z",
        "options": ["agree", "disagree"],
    }
    status, answer = world.client(admin).post("/api/v1/polls", {"poll": poll})
    assert status == 200, answer
    poll_id = answer["polls"][0]["id"]
    status, answer = world.client(admin).get("/api/v1/stances", poll_id=poll_id, per="0")
    assert status == 200, answer
    assert answer["stances"] == []


@pytest.mark.parametrize("handle", ["", "  "], ids=["empty", "blank"])
def test_blank_group_handles_are_stored_as_null(admin_world: Any, handle: str) -> None:
    world, admin, _, _ = admin_world
    client = world.client(admin)
    for _ in range(2):  # two blank handles: the unique index sees two NULLs
        status, answer = client.post(
            "/api/v1/groups", {"group": {"name": unique("G"), "handle": handle}}
        )
        assert status == 200, answer
        assert answer["groups"][0]["handle"] is None


@pytest.mark.parametrize("ident", ["Infinity", "NaN", "1e999", "abc"])
def test_record_ids_are_cast_with_to_i(admin_world: Any, ident: str) -> None:
    """Outcome.find("Infinity") casts with String#to_i: id 0, not found (was a 500)."""
    world, admin, _, _ = admin_world
    status, _ = world.client(admin).call("PUT", f"/api/v1/outcomes/{ident}", json={"outcome": {}})
    assert status == 404


@pytest.mark.parametrize("ident", ["5¹", "١٢", "²"], ids=["superscript", "arabic-indic", "lone"])
@pytest.mark.parametrize("resource", ["discussions", "polls"])
def test_ids_are_ascii_digits_only(admin_world: Any, resource: str, ident: str) -> None:
    """Unicode digits are no id (Ruby's /\\A\\d+\\z/ is ASCII): a key lookup, 404 (was a 500)."""
    world, admin, _, _ = admin_world
    status, _ = world.client(admin).call("GET", f"/api/v1/{resource}/{ident}")
    assert status == 404


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("=x&%5B%5D=y", 200),  # Rack drops parameters without a name
        ("per=2&per%5B%5D=3", 400),  # a scalar then an array: Rack's ParameterTypeError
    ],
    ids=["nameless", "scalar-then-array"],
)
def test_query_parameters_are_parsed_as_rack_parses_them(
    admin_world: Any, query: str, status: int
) -> None:
    world, admin, group, _ = admin_world
    answered, answer = world.client(admin).call("GET", f"/api/v1/groups/{group['id']}?{query}")
    assert answered == status, answer
