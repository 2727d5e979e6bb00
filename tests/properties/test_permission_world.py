"""Token holders, poll guests and group-less threads: their worlds seeded on the embedded
pair, each request answered as the decision table says (the permission suite's own path,
real servers)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.backends import Backends, provision
from properties.oracles.permissions import Action, Actor, Cell, Config, Role, decide
from properties.permission_actions import prepare
from properties.permission_world import seeded, supported
from properties.test_permissions import check_cell

pytestmark = pytest.mark.backend

TOKEN = Actor(Role.VISITOR_WITH_TOKEN)
GUEST = Actor(Role.POLL_GUEST)
REVOKED_AUTHOR = Actor(Role.REVOKED_GUEST, author=True)
CELLS = [
    # permissions.md rows 20 and 9: G's group_token shows a secret group, D's reader token D
    (Cell(TOKEN, Config(privacy="secret"), Action.GROUP_SHOW), 200),
    (Cell(Actor(Role.VISITOR), Config(privacy="secret"), Action.GROUP_SHOW), 403),
    (Cell(TOKEN, Config(), Action.DISCUSSION_SHOW), 200),
    (Cell(TOKEN, Config(), Action.DISCUSSION_LIST), 200),
    (Cell(TOKEN, Config(), Action.EVENTS_INDEX), 200),
    (Cell(TOKEN, Config(discussion_discarded=True), Action.DISCUSSION_SHOW), 403),
    (Cell(TOKEN, Config(), Action.COMMENT_CREATE), 403),
    # permissions.md 3.6: a guest stance shows the poll and lets its holder vote
    (Cell(GUEST, Config(), Action.POLL_SHOW), 200),
    (Cell(GUEST, Config(), Action.VOTE), 200),
    (Cell(GUEST, Config(specified_voters_only=True), Action.VOTE), 200),
    (Cell(GUEST, Config(), Action.STANCE_UPDATE), 200),
    (Cell(GUEST, Config(), Action.DISCUSSION_SHOW), 403),
    (Cell(GUEST, Config(poll_state="closed"), Action.OUTCOME_CREATE), 200),
    # group-less threads (permissions.md rows 34 and 50): every invitee is a reader-admin;
    # a member of another group is no invitee and cannot vote
    (Cell(GUEST, Config(grouped=False), Action.POLL_SHOW), 200),
    (Cell(Actor(Role.DISCUSSION_GUEST), Config(grouped=False), Action.DISCUSSION_DISCARD), 200),
    (Cell(Actor(Role.DISCUSSION_GUEST), Config(grouped=False), Action.COMMENT_DISCARD), 200),
    (Cell(Actor(Role.MEMBER), Config(grouped=False), Action.VOTE), 403),
    (Cell(Actor(Role.MEMBER, author=True), Config(grouped=False), Action.DISCUSSION_UPDATE), 200),
    # states written through SQL after the API setup: an archived group hides itself and its
    # threads even from members; an expired poll (closing_at passed, not closed) takes no
    # votes and cannot be closed, but is still shown
    (Cell(Actor(Role.MEMBER), Config(group_archived=True), Action.GROUP_SHOW), 403),
    (Cell(Actor(Role.MEMBER), Config(group_archived=True), Action.DISCUSSION_SHOW), 403),
    (Cell(Actor(Role.MEMBER), Config(poll_state="expired"), Action.VOTE), 403),
    (Cell(Actor(Role.MEMBER), Config(poll_state="expired"), Action.POLL_SHOW), 200),
    (Cell(Actor(Role.ADMIN), Config(poll_state="expired"), Action.POLL_CLOSE), 403),
    # a signed-in, unverified member reads as a member but starts no thread
    (Cell(Actor(Role.MEMBER, verified=False), Config(), Action.DISCUSSION_SHOW), 200),
    (Cell(Actor(Role.MEMBER, verified=False), Config(), Action.DISCUSSION_CREATE), 403),
    (Cell(Actor(Role.MEMBER, verified=False), Config(), Action.PROFILE_ME), 200),
    # the inviter of a pending membership may withdraw it; another member may not
    (Cell(Actor(Role.MEMBER), Config(membership="sent_pending"), Action.MEMBERSHIP_DESTROY), 200),
    (Cell(Actor(Role.MEMBER), Config(membership="other"), Action.MEMBERSHIP_DESTROY), 403),
    # a revoked author wrote the comment or poll while a member or guest, then left: the
    # comment is no longer theirs to edit; the poll's author still closes it
    (Cell(Actor(Role.REVOKED_MEMBER, author=True), Config(), Action.COMMENT_UPDATE), 403),
    (Cell(Actor(Role.REVOKED_MEMBER, author=True), Config(), Action.POLL_CLOSE), 200),
    (Cell(Actor(Role.REVOKED_GUEST, author=True), Config(), Action.COMMENT_DISCARD), 403),
    # the guest made the poll while a guest: its creation gave them a guest stance, which
    # revoking their reader row leaves live, so they are still a poll member (outcome rule);
    # with specified voters only no stance was made
    (Cell(REVOKED_AUTHOR, Config(poll_state="closed"), Action.OUTCOME_CREATE), 200),
    (Cell(REVOKED_AUTHOR, Config(poll_discarded=True), Action.OUTCOME_CREATE), 200),
    (
        Cell(
            REVOKED_AUTHOR,
            Config(poll_state="closed", specified_voters_only=True),
            Action.OUTCOME_CREATE,
        ),
        403,
    ),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    from harness.config import HarnessConfig
    from tests.harness.conftest import clean_environ

    run_dir = tmp_path_factory.mktemp("perm") / "run"
    config = HarnessConfig.from_sources(
        {"run_dir": str(run_dir), "request_timeout": "10"}, {}, clean_environ()
    )
    with provision(config) as backends:
        yield backends


@pytest.mark.parametrize(("cell", "status"), CELLS, ids=[f"{c}-{s}" for c, s in CELLS])
def test_cell_answers_as_the_decision_table(pair: Backends, cell: Cell, status: int) -> None:
    assert supported(cell)
    assert decide(cell).status == status  # the row of permissions.md this cell stands for
    with seeded(pair, cell) as worlds:
        for world in worlds.values():
            prepare(world, cell)
            assert not world.setup_failed, world.setup_failed
            problems, got = check_cell(world, cell)
            assert (problems, got) == ([], status), [p.detail for p in problems]
