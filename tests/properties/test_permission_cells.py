"""The permission cell strategy: decision boundaries are drawn often (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from properties.oracles.permissions import Action, Actor, Cell, Config, Role
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
