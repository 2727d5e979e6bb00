"""The permission oracle against the ability rules extracted from loomio-mini (spec/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from properties.ability_check import checked_cells, cross_check, spec_operation
from properties.oracles.ability_eval import Context, Unknown, evaluate
from properties.oracles.permission_rules import Facts
from properties.oracles.permissions import Action, Actor, Cell, Config, Role, decide

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"


@pytest.fixture(scope="module")
def spec() -> Any:
    return yaml.safe_load((SPEC_DIR / "openapi.yaml").read_text())


@pytest.fixture(scope="module")
def abilities() -> Any:
    return yaml.safe_load((SPEC_DIR / "abilities.yaml").read_text())


def test_the_bundled_oracle_agrees_with_the_extracted_rules(spec: Any, abilities: Any) -> None:
    result = cross_check(spec, abilities)
    assert [str(d) for d in result.disagreements] == []
    assert result.compared > 10_000 and len(result.actions) >= 25  # it really compared


def test_a_wrong_oracle_decision_is_a_disagreement(spec: Any, abilities: Any) -> None:
    # the extracted Comment#update rule needs members_can_edit_comments for the author
    cell = Cell(
        Actor(Role.MEMBER, author=True),
        Config().with_flags(members_can_edit_comments=False),
        Action.COMMENT_UPDATE,
    )
    assert decide(cell).status == 403
    mutated = yaml.safe_load(yaml.safe_dump(abilities))
    for c in mutated["cells"]:
        if (c["model"], c["action"]) == ("Comment", "update"):
            c["condition"] = {"value": True}
    (found,) = cross_check(spec, mutated, [cell]).disagreements
    assert found.extracted is True and found.oracle == 403
    assert "PATCH /api/v1/comments/{id} checks Comment#update" in str(found)


def test_oracle_actions_find_their_spec_operation_and_its_cells(spec: Any) -> None:
    operation = spec_operation(Action.STANCE_UNCAST, spec["paths"])
    assert operation == "PATCH /api/v1/stances/{id}/uncast"
    assert checked_cells(spec, operation) == [("Stance", "uncast")]
    assert checked_cells(spec, "GET /api/v1/discussions") == []  # scoped by a query


def test_can_atoms_follow_the_other_cell_and_opaque_atoms_are_unknown(abilities: Any) -> None:
    cells = {(c["model"], c["action"]): c["condition"] for c in abilities["cells"]}
    facts = Facts(Actor(Role.DISCUSSION_GUEST), Config())
    ctx = Context(facts, cells, "Comment")
    assert evaluate({"atom": "can", "name": "show", "of": "discussion"}, "Comment", ctx) is True
    with pytest.raises(Unknown, match=r"comment\.rb:9"):
        evaluate(
            {"opaque": "Comment.where(x)", "at": "app/models/ability/comment.rb:9"}, "Comment", ctx
        )
