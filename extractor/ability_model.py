"""CanCan rules as frozen dataclasses (Rails words): `can`/`cannot`, `alias_action`, checks."""

from __future__ import annotations

from dataclasses import dataclass

from extractor.conditions import Cond
from extractor.model import Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class AbilityRule:
    """`can [:update, :pin], ::Discussion do |discussion| ... end` in one ability file."""

    kind: str  # can | cannot
    actions: tuple[str, ...]
    model: str  # "Discussion", "Identities::Base", "all"
    condition: Cond
    source: str  # the block (or hash conditions) as written
    module: str  # Ability::Discussion
    loc: Loc
    end_line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionAlias:
    """`alias_action :index, :show, to: :read` (CanCan's defaults included, loc line 0)."""

    name: str
    actions: tuple[str, ...]
    loc: Loc


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthCheck:
    """An authorization a controller or service method performs: `authorize! :update, x`.

    `model` is None when the subject's class cannot be read statically (`target_model`).
    `how` is authorize!, load_and_authorize, can? (a check that does not raise) or
    load_and_authorize_resource. `optional`: not every request makes it (`optional: true`,
    a `can?` test, or a branch of an if/unless/case/`||`).
    """

    action: str
    model: str | None
    subject: str
    how: str
    optional: bool
    loc: Loc
