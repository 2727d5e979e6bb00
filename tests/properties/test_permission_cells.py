"""The permission cell strategy: decision boundaries are drawn often (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from properties.oracles.permissions import Action, Actor, Cell, Config, Role, cells
from properties.strategies import on_boundary, permission_cells

CLOSED_COMMENT = Cell(Actor(Role.MEMBER), Config(discussion_closed=True), Action.COMMENT_CREATE)
OPEN_COMMENT = Cell(Actor(Role.MEMBER), Config(), Action.COMMENT_CREATE)


@pytest.mark.parametrize(
    ("cell", "boundary"),
    [(CLOSED_COMMENT, True), (OPEN_COMMENT, False)],
    ids=["closing-the-thread-denies-a-member-comment", "defaults-are-no-boundary"],
)
def test_on_boundary(cell: Cell, boundary: bool) -> None:
    assert on_boundary(cell) is boundary


def test_empty_cells_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one cell"):
        permission_cells([])


def test_draws_only_given_cells() -> None:
    cells = [CLOSED_COMMENT, OPEN_COMMENT]

    @settings(max_examples=20, database=None)
    @given(permission_cells(cells))
    def draw(cell: Cell) -> None:
        assert cell in cells

    draw()


def test_a_world_with_one_cell_is_drawn_beside_a_crowded_one() -> None:
    """The by-world quarter: a world holding a single cell beside ~400 of the default world
    comes up (by action, then actor, it would be ~1 draw in 1,700). Hypothesis does not
    repeat a choice sequence, so a one-cell world is drawn once or twice, not a quarter."""
    crowded = list(cells(configs=[Config()]))
    rare = Cell(Actor(Role.MEMBER), Config(comment_has_replies=True), Action.COMMENT_DESTROY)
    seen: list[Cell] = []

    @settings(max_examples=200, database=None, derandomize=True)
    @given(permission_cells([*crowded, rare]))
    def draw(cell: Cell) -> None:
        seen.append(cell)

    draw()
    assert rare in seen
