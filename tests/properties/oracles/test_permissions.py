"""The permission oracle against the 95-row decision table of permissions.md section 5."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.oracles.permissions import (
    ENDPOINTS,
    Action,
    Actor,
    Cell,
    Config,
    Role,
    actors,
    canonical,
    cells,
    config_problems,
    config_variants,
    decide,
    inapplicable,
)

R = Role
A = Action
BASE = Config()  # top-level closed G, private open D, active poll, default flags
OPEN = replace(BASE, privacy="open")
SECRET = replace(BASE, privacy="secret")
SUB = replace(BASE, parent="closed", parent_members_can_see_discussions=True)
GROUPLESS = replace(BASE, grouped=False)


def actor(role: Role, **kwargs) -> Actor:
    return Actor(role, **kwargs)


M, AD, N, V = actor(R.MEMBER), actor(R.ADMIN), actor(R.NON_MEMBER), actor(R.VISITOR)
DG, PG, PM, SA = (
    actor(R.DISCUSSION_GUEST),
    actor(R.POLL_GUEST),
    actor(R.PARENT_MEMBER),
    actor(R.SITE_ADMIN),
)
AU = actor(R.MEMBER, author=True)

# (row, actor, config, action, expected status)
ROWS = [
    (1, V, OPEN, A.DISCUSSION_SHOW, 200),
    (2, V, BASE, A.DISCUSSION_SHOW, 403),
    (3, V, BASE, A.EVENTS_INDEX, 403),
    (4, N, BASE, A.DISCUSSION_SHOW, 403),
    (5, actor(R.PENDING_MEMBER), BASE, A.DISCUSSION_SHOW, 200),
    (6, actor(R.REVOKED_MEMBER), BASE, A.DISCUSSION_SHOW, 403),
    (7, DG, BASE, A.DISCUSSION_SHOW, 200),
    (8, actor(R.REVOKED_GUEST), BASE, A.DISCUSSION_SHOW, 403),
    (9, actor(R.VISITOR_WITH_TOKEN), BASE, A.DISCUSSION_SHOW, 200),
    (10, PM, SUB, A.DISCUSSION_SHOW, 200),
    (11, PM, replace(SUB, parent_members_can_see_discussions=False), A.DISCUSSION_SHOW, 403),
    (12, PM, SUB, A.POLL_SHOW, 403),
    (13, PM, SUB, A.COMMENT_CREATE, 403),
    (14, AD, replace(BASE, discussion_discarded=True), A.DISCUSSION_SHOW, 403),
    (15, M, replace(BASE, group_archived=True), A.DISCUSSION_SHOW, 403),
    (16, SA, SECRET, A.DISCUSSION_SHOW, 403),
    (17, M, replace(BASE, missing=True), A.DISCUSSION_SHOW, 404),
    (18, V, OPEN, A.GROUP_SHOW, 200),
    (19, V, SECRET, A.GROUP_SHOW, 403),
    (20, actor(R.VISITOR_WITH_TOKEN), SECRET, A.GROUP_SHOW, 200),
    (21, PM, replace(BASE, privacy="secret", parent="closed"), A.GROUP_SHOW, 403),
    (22, PM, replace(BASE, parent="secret"), A.GROUP_SHOW, 200),
    (23, M, replace(BASE, group_archived=True), A.GROUP_SHOW, 403),
    (24, M, BASE, A.DISCUSSION_CREATE, 200),
    (25, M, BASE.with_flags(members_can_start_discussions=False), A.DISCUSSION_CREATE, 403),
    (26, AD, BASE.with_flags(members_can_start_discussions=False), A.DISCUSSION_CREATE, 200),
    (27, actor(R.MEMBER, verified=False), BASE, A.DISCUSSION_CREATE, 403),
    (28, N, GROUPLESS, A.DISCUSSION_CREATE, 403),
    (29, M, GROUPLESS, A.DISCUSSION_CREATE, 200),
    (30, actor(R.REVOKED_MEMBER, author=True), BASE, A.DISCUSSION_UPDATE, 200),
    (31, M, BASE.with_flags(members_can_edit_discussions=False), A.DISCUSSION_UPDATE, 403),
    (32, M, BASE, A.DISCUSSION_DISCARD, 403),
    (33, AD, BASE, A.DISCUSSION_DISCARD, 200),
    (34, DG, GROUPLESS, A.DISCUSSION_DISCARD, 200),
    (35, M, replace(BASE, discussion_closed=True), A.COMMENT_CREATE, 403),
    (36, DG, BASE, A.COMMENT_CREATE, 200),
    (37, V, OPEN, A.COMMENT_CREATE, 403),
    (38, AU, BASE, A.COMMENT_UPDATE, 200),
    (39, AU, BASE.with_flags(members_can_edit_comments=False), A.COMMENT_UPDATE, 403),
    (40, AD, BASE, A.COMMENT_UPDATE, 200),
    (41, AD, BASE.with_flags(admins_can_edit_user_content=False), A.COMMENT_UPDATE, 403),
    (42, M, BASE, A.COMMENT_UPDATE, 403),
    (43, actor(R.REVOKED_MEMBER, author=True), BASE, A.COMMENT_DISCARD, 403),
    (44, AU, replace(BASE, comment_has_replies=True), A.COMMENT_DESTROY, 403),
    (45, AU, BASE.with_flags(members_can_delete_comments=False), A.COMMENT_DESTROY, 403),
    (46, AD, BASE, A.COMMENT_DESTROY, 200),
    (47, M, BASE, A.EVENT_PIN, 200),
    (48, V, OPEN, A.POLL_SHOW, 200),
    (
        49,
        V,
        replace(BASE, discussion_privacy_options="public_or_private", discussion_private=False),
        A.POLL_SHOW,
        403,
    ),
    (50, PG, GROUPLESS, A.POLL_SHOW, 200),
    (51, M, BASE.with_flags(members_can_raise_motions=False), A.POLL_CREATE, 403),
    (52, DG, BASE, A.POLL_CREATE, 200),
    (53, M, replace(BASE, discussion_closed=True), A.POLL_CREATE, 403),
    (54, M, BASE, A.VOTE, 200),
    (55, M, replace(BASE, specified_voters_only=True), A.VOTE, 403),
    (56, PG, replace(BASE, specified_voters_only=True), A.VOTE, 200),
    (57, DG, BASE, A.VOTE, 200),
    (58, M, replace(BASE, poll_state="closed"), A.VOTE, 403),
    (59, M, replace(BASE, poll_state="expired"), A.VOTE, 403),
    (60, M, replace(BASE, poll_state="wip"), A.VOTE, 403),
    (61, V, OPEN, A.VOTE, 403),
    (62, M, replace(BASE, stance="other"), A.STANCE_UPDATE, 403),
    (63, M, replace(BASE, stance="own_uncast"), A.STANCE_UNCAST, 403),
    (64, AU, BASE, A.POLL_CLOSE, 200),
    (65, M, BASE, A.POLL_CLOSE, 403),
    (66, AD, replace(BASE, poll_state="closed", anonymous=True), A.POLL_REOPEN, 403),
    (67, AD, replace(BASE, poll_state="closed"), A.POLL_REOPEN, 200),
    (68, M, replace(BASE, poll_state="closed"), A.OUTCOME_CREATE, 200),
    (
        69,
        M,
        replace(BASE, poll_state="closed").with_flags(members_can_edit_discussions=False),
        A.OUTCOME_CREATE,
        403,
    ),
    (70, AU, BASE, A.OUTCOME_CREATE, 403),
    (76, M, BASE, A.MEMBERSHIP_MAKE_ADMIN, 403),
    (77, M, replace(BASE, group_has_admins=False), A.MEMBERSHIP_MAKE_ADMIN, 200),
    (78, M, BASE, A.MEMBERSHIP_DESTROY, 200),
    (79, M, replace(BASE, membership="other"), A.MEMBERSHIP_DESTROY, 403),
    (80, M, replace(BASE, membership="sent_pending"), A.MEMBERSHIP_DESTROY, 200),
    (91, V, BASE, A.PROFILE_INDEX, 401),
    (93, V, BASE, A.MEMBERSHIPS_INDEX, 403),
    (94, V, OPEN, A.MEMBERSHIPS_INDEX, 200),
]
CHARACTERISATION = {12, 30, 34, 49}  # rows the facts flag as "code as written"

OUT_OF_SLICE = {
    71: "poll remind (announcements) is outside the slice",
    72: "group token endpoint is outside the slice",
    73: "group token endpoint is outside the slice",
    74: "announcements are outside the slice",
    75: "announcements are outside the slice",
    81: "membership requests are outside the slice",
    82: "membership requests are outside the slice",
    83: "join_group is outside the slice",
    84: "join_group is outside the slice",
    85: "membership requests are outside the slice",
    86: "group (subgroup) creation is outside the slice",
    87: "group (subgroup) creation is outside the slice",
    88: "tags are outside the slice",
    89: "reactions are outside the slice",
    90: "dashboard is outside the slice",
    92: "poll templates are outside the slice",
    95: "mentions are outside the slice",
}


def _row_id(row: tuple) -> str:
    tag = "-characterisation" if row[0] in CHARACTERISATION else ""
    return f"row{row[0]}-{row[1]}-{row[3].value}{tag}"


def test_every_table_row_is_encoded_or_skipped_with_a_reason():
    assert sorted([r[0] for r in ROWS] + list(OUT_OF_SLICE)) == list(range(1, 96))


@pytest.mark.parametrize(
    ("row", "who", "config", "action", "status"), ROWS, ids=[_row_id(r) for r in ROWS]
)
def test_decision_table_row(row, who, config, action, status):
    cell = Cell(who, config, action)
    assert inapplicable(cell) is None
    assert decide(cell).status == status


@pytest.mark.parametrize("row", sorted(OUT_OF_SLICE), ids=lambda r: f"row{r}-{OUT_OF_SLICE[r]}")
def test_out_of_slice_rows(row):
    pytest.skip(OUT_OF_SLICE[row])


def test_membership_index_detail():
    assert decide(Cell(V, OPEN, A.MEMBERSHIPS_INDEX)).detail == "empty"
    assert decide(Cell(M, BASE, A.MEMBERSHIPS_INDEX)).detail == "listed"


def test_uncast_someone_elses_stance_is_404():
    assert decide(Cell(M, replace(BASE, stance="other"), A.STANCE_UNCAST)).status == 404


@pytest.mark.parametrize("anonymous", [True, False], ids=["anonymous-404", "named-403"])
def test_uncast_own_stance_of_a_closed_poll(anonymous):
    # polls.md 4: closing an anonymous poll erases participant_id, so the lookup misses
    config = replace(BASE, poll_state="closed", anonymous=anonymous)
    assert decide(Cell(M, config, A.STANCE_UNCAST)).status == (404 if anonymous else 403)


@pytest.mark.parametrize(
    ("anonymous", "status"), [(True, 403), (False, 200)], ids=["anonymous-403", "named-200"]
)
@pytest.mark.parametrize("action", [A.POLL_SHOW, A.OUTCOME_UPDATE])
def test_a_poll_guest_is_no_one_to_a_closed_anonymous_poll(anonymous, status, action):
    # polls.md 3.4: closing it erases every stance's participant, the guest's only tie to it
    config = replace(BASE, poll_state="closed", anonymous=anonymous)
    assert decide(Cell(PG, config, action)).status == status


def test_profile_me_visitor_is_403():
    assert decide(Cell(V, BASE, A.PROFILE_ME)).status == 403


def test_comment_on_discarded_discussion_is_not_checked():
    assert decide(Cell(M, replace(BASE, discussion_discarded=True), A.COMMENT_CREATE)).allowed


DG = actor(R.DISCUSSION_GUEST)
DISCARDED_THREAD = replace(BASE, discussion_discarded=True)


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        (M, A.POLL_SHOW, 403),
        (AU, A.POLL_SHOW, 403),
        (M, A.VOTE, 403),
        (M, A.STANCE_UPDATE, 403),
        (AU, A.POLL_CLOSE, 403),
        (M, A.OUTCOME_CREATE, 200),
    ],
    ids=["show", "show-author", "vote", "stance-update", "close", "outcome-on-inactive-poll"],
)
def test_polls_of_a_discarded_thread_are_discarded(who, action, status):
    # threading.md 6: discarding a discussion gives "the discussion and all its polls" discarded_at
    assert decide(Cell(who, DISCARDED_THREAD, action)).status == status


@pytest.mark.parametrize(
    ("who", "config", "status", "detail"),
    [
        (DG, SECRET, 403, "group show"),
        (DG, BASE, 200, "listed"),
        (N, BASE, 200, "unlisted"),
        (V, SECRET, 403, "group show"),
    ],
    ids=["guest-secret-group", "guest-visible-group", "outsider-visible-group", "visitor-secret"],
)
def test_thread_list_authorizes_the_group_first(who, config, status, detail):
    decision = decide(Cell(who, config, A.DISCUSSION_LIST))
    assert (decision.status, decision.detail) == (status, detail)


def test_outcome_allowed_on_work_in_progress_poll():
    assert decide(Cell(M, replace(BASE, poll_state="wip"), A.OUTCOME_CREATE)).allowed


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            replace(BASE, privacy="secret", discussion_privacy_options="public_or_private"),
            "private_only",
        ),
        (replace(OPEN, discussion_private=True), "public_only"),
        (replace(BASE, discussion_private=False), "private_only"),
        (replace(SECRET, parent_members_can_see_discussions=True), "visible group"),
    ],
    ids=["secret-not-private-only", "open-private-thread", "closed-public-thread", "pmcsd-hidden"],
)
def test_invalid_configs(config, problem):
    assert any(problem in p for p in config_problems(config))


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        (Cell(PM, BASE, A.DISCUSSION_SHOW), "no parent"),
        (Cell(actor(R.VISITOR, author=True), BASE, A.DISCUSSION_UPDATE), "visitors"),
        (Cell(AU, BASE, A.DISCUSSION_SHOW), "no author"),
        (Cell(N, BASE, A.MEMBERSHIP_DESTROY), "own membership"),
        (Cell(M, GROUPLESS, A.GROUP_SHOW), "group-less"),
        (Cell(M, replace(BASE, missing=True), A.VOTE), "missing"),
    ],
    ids=[
        "pm-top-level",
        "visitor-author",
        "show-author",
        "non-member-own",
        "groupless-group",
        "create-missing",
    ],
)
def test_inapplicable_cells(cell, reason):
    assert reason in (inapplicable(cell) or "")
    with pytest.raises(ValueError, match="not a possible scenario"):
        decide(cell)


def test_enumeration_covers_well_over_60_distinct_cells():
    every = list(cells())
    assert len(set(every)) == len(every) > 60 * 100
    assert {c.action for c in every} == set(Action)
    assert {c.actor.role for c in every} == set(Role)


def test_canonical_cells_decide_the_same():
    people = [actor(r) for r in Role] + [AU]
    changed = [
        str(cell)
        for config in config_variants()
        for who in people
        for action in Action
        if inapplicable(cell := Cell(who, config, action)) is None
        and decide(canonical(cell)) != decide(cell)
    ]
    assert changed == []


def test_every_action_has_an_endpoint():
    assert set(ENDPOINTS) == set(Action)


def test_config_variants_are_valid_and_distinct():
    variants = config_variants()
    assert len(set(variants)) == len(variants)
    assert all(config_problems(c) == [] for c in variants)


ALL_CELLS = list(cells())


@given(st.sampled_from(ALL_CELLS))
def test_decisions_are_total_and_well_formed(cell):
    decision = decide(cell)
    assert decision.status in (200, 401, 403, 404)
    if cell.action is A.PROFILE_INDEX:
        assert decision.status in (200, 401)


@given(st.sampled_from([c for c in ALL_CELLS if c.actor.role in (R.VISITOR, R.NON_MEMBER)]))
def test_outsiders_never_write_private_data(cell):
    writes = {
        A.DISCUSSION_UPDATE,
        A.DISCUSSION_DISCARD,
        A.COMMENT_CREATE,
        A.POLL_CREATE,
        A.VOTE,
        A.POLL_CLOSE,
        A.OUTCOME_CREATE,
        A.EVENT_PIN,
        A.DISCUSSION_PIN,
        A.DISCUSSION_UNPIN,
        A.COMMENT_DESTROY,
    }
    if cell.action in writes and not cell.actor.author:
        assert not decide(cell).allowed


@given(
    st.sampled_from([c for c in ALL_CELLS if c.action in (A.DISCUSSION_PIN, A.DISCUSSION_UNPIN)])
)
def test_pinning_a_thread_follows_discussion_update(cell):
    """permissions.md 3.3: pin and unpin are the update ability."""
    update = decide(Cell(cell.actor, cell.config, A.DISCUSSION_UPDATE))
    assert decide(cell).status == update.status


@given(st.sampled_from([c for c in ALL_CELLS if c.action is A.EVENTS_INDEX]))
def test_events_index_follows_discussion_show(cell):
    show = decide(Cell(cell.actor, cell.config, A.DISCUSSION_SHOW))
    assert decide(cell).status == show.status


def test_admin_can_do_everything_a_member_can_in_the_default_group():
    member = {
        a
        for a in Action
        if inapplicable(Cell(M, BASE, a)) is None and decide(Cell(M, BASE, a)).allowed
    }
    admin = {
        a
        for a in Action
        if inapplicable(Cell(AD, BASE, a)) is None and decide(Cell(AD, BASE, a)).allowed
    }
    assert member <= admin


def test_actor_list_is_distinct():
    people = actors()
    assert len(set(people)) == len(people)
