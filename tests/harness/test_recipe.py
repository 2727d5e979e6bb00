"""Seed recipes: reading them, filling placeholders, following steps (a fake `send` is fine
here: what a server does with them is tested against a real one in test_backends)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.http import ApiRequest, ApiResponse
from harness.recipe import (
    RecipeError,
    RecipeSeeder,
    RowContext,
    load_recipe,
    login_request,
    pointer_get,
    recipe_from_mapping,
)
from harness.seed import SeedError, build_rows, default_world


@pytest.fixture(scope="module")
def plan():
    return build_rows(default_world())


def context(plan, key: str, ids=None) -> RowContext:
    rows = {r.key: r for r in plan.rows if r.key}
    return RowContext(row=rows[key], rows=rows, ids=ids or {}, actors=plan.actors)


def test_placeholders_keep_types_and_drop_null_keys(plan) -> None:
    ctx = context(plan, "group:sub", ids={"group:main": 7, "user:subgroup_member": 3})
    body = ctx.render(
        {"name": "{row.name}", "parent_id": "{ref.parent_id}", "path": "/g/{ref.parent_id}/x"},
        "w",
    )
    assert body["parent_id"] == 7 and body["path"] == "/g/7/x"
    top = context(plan, "group:main", ids={"user:admin": 1})
    assert "parent_id" not in top.render({"parent_id": "{ref.parent_id}"}, "w")


def test_references_chain_through_columns_and_name_actors(plan) -> None:
    ids = {"user:admin": 1, "user:member": 2, "group:main": 5}
    ctx = context(plan, "membership:member@main", ids=ids)
    assert ctx.render("{ref.group_id.creator_id}", "w") == 1
    assert ctx.acting("group_id.creator_id", "w") == "admin"
    condition = "{ref.user_id} != {ref.group_id.creator_id}"
    assert ctx.holds((condition,), "w")
    assert not ctx.holds((condition, "{row.admin} == true"), "w")  # all must hold
    assert not context(plan, "membership:admin@main", ids=ids).holds((condition,), "w")


def test_a_reference_without_an_id_on_this_side_says_why(plan) -> None:
    with pytest.raises(RecipeError, match=r"refers to group:main, which this side has no id"):
        context(plan, "membership:member@main").render("{ref.group_id}", "r.yaml: tables.x[0]")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "a mapping with `login` and `tables`"),
        ({"tables": {"users": [{"json": {}}]}}, r"tables\.users\[0\]: a step has `request"),
        ({"tables": {"users": [{"request": "FETCH /x"}]}}, "is not `METHOD /path`"),
        ({"tables": {"users": [{"request": "POST /x", "captur": {}}]}}, "unknown key"),
        ({"tables": {"users": [{"request": "POST /x", "capture": {"id": "user.id"}}]}}, "Pointer"),
        ({"tables": {"users": []}}, "a list of steps"),
    ],
)
def test_bad_recipes_name_the_file_and_the_step(data, message) -> None:
    with pytest.raises(RecipeError, match=message):
        recipe_from_mapping(data, "r.yaml")


def test_an_unreadable_recipe_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="cannot read the seed recipe"):
        load_recipe(tmp_path / "none.yaml")
    (tmp_path / "bad.yaml").write_text("tables: [\n")
    with pytest.raises(RecipeError, match=r"bad\.yaml:\d+: the seed recipe is not YAML"):
        load_recipe(tmp_path / "bad.yaml")


def test_seeding_follows_steps_captures_ids_and_counts_skipped_tables(plan) -> None:
    recipe = recipe_from_mapping(
        {
            "tables": {
                "users": [
                    {
                        "request": "POST /signup",
                        "json": {"e": "{actor.email}"},
                        "capture": {"id": "/u/id"},
                    }
                ]
            }
        },
        "r.yaml",
    )
    sent: list[ApiRequest] = []

    def send(request: ApiRequest) -> ApiResponse:
        sent.append(request)
        return ApiResponse(status=201, body={"u": {"id": len(sent)}})

    seeder = RecipeSeeder(recipe, send)
    ids = seeder.seed(plan)
    assert ids["user:admin"] == 2 and len(sent) == len(plan.actors)
    assert sent[1].json == {"e": plan.actors["admin"].email}
    assert seeder.skipped["groups"] == 4


def test_an_unexpected_answer_stops_seeding_with_the_step_and_body(plan) -> None:
    recipe = recipe_from_mapping({"tables": {"users": [{"request": "POST /signup"}]}}, "r.yaml")
    seeder = RecipeSeeder(recipe, lambda r: ApiResponse(status=422, text='{"error":"bad"}'))
    with pytest.raises(SeedError, match=r"r\.yaml: tables\.users\[0\] \(user:site_admin\).*422"):
        seeder.seed(plan)


def test_login_follows_the_recipe(plan) -> None:
    recipe = recipe_from_mapping(
        {"login": {"request": "POST /login", "json": {"email": "{actor.email}"}}}, "r.yaml"
    )
    build = login_request(recipe)
    assert build is not None
    request = build(plan.actors["member"])
    assert (request.path, request.json) == ("/login", {"email": plan.actors["member"].email})
    assert login_request(recipe_from_mapping({}, "r.yaml")) is None


def test_pointers() -> None:
    assert pointer_get({"a": [{"b/c": 1}]}, "/a/0/b~1c") == 1
    assert pointer_get({"a": []}, "/a/0") is None
