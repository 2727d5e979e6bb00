"""The CanCan rules of permissions.md section 3 as predicates over one scenario.

`Facts` answers the relation questions (member? discussion admin? poll admin? can show
the discussion?) for an actor in a configuration; `rule(action)` returns the function that
turns those facts into a `Decision`. Every rule cites its row of permissions.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

from properties.oracles.permission_model import (
    GROUP_MEMBERS,
    VISITORS,
    Action,
    Actor,
    Config,
    Decision,
    Role,
)

ALLOW = Decision(200)


def deny(why: str) -> Decision:
    return Decision(403, why)


def _gate(ok: bool, why: str) -> Decision:
    return ALLOW if ok else deny(why)


class Facts:
    """Relations of one actor to G, D and P under one configuration (section 1)."""

    def __init__(self, actor: Actor, config: Config) -> None:
        self.actor, self.config, self.role = actor, config, actor.role

    # -- who the actor is --
    @property
    def logged_in(self) -> bool:
        return self.role not in VISITORS

    @property
    def member(self) -> bool:
        return self.config.grouped and self.role in GROUP_MEMBERS

    @property
    def admin(self) -> bool:
        return self.config.grouped and self.role == Role.ADMIN

    @property
    def membership_row(self) -> bool:  # revoked rows count for the poll-admin author clause
        return self.member or (self.config.grouped and self.role == Role.REVOKED_MEMBER)

    @property
    def parent_member(self) -> bool:
        return self.role == Role.PARENT_MEMBER and self.config.parent is not None

    @property
    def guest(self) -> bool:
        return self.role == Role.DISCUSSION_GUEST

    @property
    def stance_guest(self) -> bool:
        """An invited poll guest, tied to the poll by their stance alone. Closing an anonymous
        poll erases every stance's participant (polls.md 3.4, "scrub anonymous stances"), so
        after it the guest is no one to the poll."""
        scrubbed = self.config.anonymous and self.config.poll_state == "closed"
        return (self.role == Role.POLL_GUEST or self.kept_guest_stance) and not scrubbed

    @property
    def kept_guest_stance(self) -> bool:
        """A revoked thread guest who wrote the poll wrote it while still a guest: its
        creation gave every guest of the thread a guest stance (PollService: anyone can vote
        unless specified voters only), and revoking a reader row leaves stances live."""
        return (
            self.role == Role.REVOKED_GUEST
            and self.actor.author
            and not self.config.specified_voters_only
        )

    @property
    def in_any_group(self) -> bool:
        return self.role in GROUP_MEMBERS | {Role.PARENT_MEMBER, Role.SUBGROUP_MEMBER}

    # -- the group --
    @cached_property
    def visible_to_public(self) -> bool:
        c = self.config
        return c.privacy == "open" or (c.privacy == "closed" and c.parent != "secret")

    @cached_property
    def visible_to_parent_members(self) -> bool:
        return self.config.privacy == "closed" and self.config.parent == "secret"

    @cached_property
    def discussion_privacy_options(self) -> str:
        if self.config.discussion_privacy_options is not None:
            return self.config.discussion_privacy_options
        return "public_only" if self.config.privacy == "open" else "private_only"

    @cached_property
    def discussion_private(self) -> bool:
        if not self.config.grouped:
            return True
        if self.config.discussion_private is not None:
            return self.config.discussion_private
        return self.discussion_privacy_options != "public_only"

    @property
    def group_open(self) -> bool:  # the derived label `open`
        return self.visible_to_public and self.discussion_privacy_options == "public_only"

    def can_show_group(self) -> bool:
        c = self.config
        return not c.group_archived and (
            self.visible_to_public
            or self.member
            or (self.visible_to_parent_members and self.parent_member)
            or self.role == Role.VISITOR_WITH_TOKEN
        )

    def can_see_private_content(self) -> bool:
        return not self.config.group_archived and (
            self.group_open
            or self.member
            or (self.visible_to_parent_members and (self.parent_member or self.member))
        )

    # -- the discussion (3.3) --
    @property
    def discussion_admin(self) -> bool:
        """Group admin, or an active reader row with admin (creator; group-less invitees)."""
        creator = self.actor.author and self.role != Role.REVOKED_GUEST
        return self.admin or (not self.config.grouped and self.guest) or creator

    @property
    def discussion_member(self) -> bool:
        return self.member or self.guest

    def can_show_discussion(self) -> bool:
        c = self.config
        return (
            not c.discussion_discarded
            and not (c.grouped and c.group_archived)
            and (
                not self.discussion_private
                or self.member
                or self.guest
                or (c.parent_members_can_see_discussions and self.parent_member)
                or self.role == Role.VISITOR_WITH_TOKEN
            )
        )

    def can_update_discussion(self) -> bool:
        return not self.config.discussion_discarded and (
            self.actor.author
            or self.discussion_admin
            or (self.config.flag("members_can_edit_discussions") and self.discussion_member)
        )

    # -- comments (3.4): the author flag means the comment's author --
    @property
    def comment_discussion_admin(self) -> bool:
        return self.admin or (not self.config.grouped and self.guest)

    # -- the poll (3.6) --
    @property
    def poll_discarded(self) -> bool:
        """threading.md section 6, "Discard discussion": "The discussion and all its polls get
        `discarded_at`", so a poll of a discarded thread is itself discarded."""
        return self.config.poll_discarded or self.config.discussion_discarded

    @property
    def poll_active(self) -> bool:
        return self.config.poll_state == "active" and not self.poll_discarded

    @property
    def poll_member(self) -> bool:
        return self.member or self.guest or self.stance_guest

    @property
    def poll_admin(self) -> bool:
        author = self.actor.author
        group_less = not self.config.grouped
        return (
            self.admin
            or (author and (self.membership_row or group_less or self.guest))
            or (group_less and self.guest)  # reader-admin guest without a membership row
        )

    @property
    def invited(self) -> bool:
        """Has a latest, non-revoked stance: guests, and members pre-invited unless svo
        (members of G: a "member" of a group-less world belongs to another group)."""
        pre_invited = self.guest or (self.member and self.role != Role.PENDING_MEMBER)
        return self.stance_guest or (pre_invited and not self.config.specified_voters_only)

    def can_vote(self, *, own_stance: bool = False) -> bool:
        """Vote rule; holding a stance of one's own means being invited."""
        open_to_members = not self.config.specified_voters_only and self.poll_member
        invited = self.invited or own_stance
        return self.logged_in and self.poll_active and (invited or open_to_members)

    def can_update_poll(self) -> bool:
        return not self.config.discussion_closed and self.poll_admin


def _memberships_index(f: Facts) -> Decision:
    if not f.can_see_private_content():
        return deny("see_private_content")
    return Decision(200, "listed" if f.member else "empty")


def _make_admin(f: Facts) -> Decision:
    own = f.config.membership == "own"
    return _gate(f.admin or (own and not f.config.group_has_admins), "make_admin")


def _remove_membership(f: Facts) -> Decision:
    c = f.config
    ok = f.role == Role.SITE_ADMIN or c.membership in ("own", "sent_pending") or f.admin
    return _gate(ok and f.logged_in, "membership remove/destroy")


def _discussion_create(f: Facts) -> Decision:
    c = f.config
    ok = (not c.grouped and f.in_any_group) or f.admin
    ok = ok or (c.flag("members_can_start_discussions") and f.member)
    return _gate(f.logged_in and f.actor.verified and ok, "discussion create")


def _comment_update(f: Facts) -> Decision:
    c = f.config
    own = f.discussion_member and f.actor.author and c.flag("members_can_edit_comments")
    as_admin = f.comment_discussion_admin and c.flag("admins_can_edit_user_content")
    return _gate(not c.discussion_closed and (own or as_admin), "comment update")


def _comment_discard(f: Facts) -> Decision:
    own = f.actor.author and f.discussion_member
    ok = not f.config.discussion_closed and (own or f.comment_discussion_admin)
    return _gate(ok, "comment discard")


def _comment_destroy(f: Facts) -> Decision:
    c = f.config
    own = f.actor.author and f.discussion_member and c.flag("members_can_delete_comments")
    ok = not c.discussion_closed and not c.comment_has_replies
    return _gate(ok and (f.comment_discussion_admin or own), "comment destroy")


def _poll_show(f: Facts) -> Decision:
    public = f.config.grouped and f.discussion_privacy_options == "public_only"
    who = f.actor.author or public or f.member or f.guest or f.stance_guest
    return _gate(not f.poll_discarded and who, "poll show")


def _poll_create(f: Facts) -> Decision:
    c = f.config
    motions = c.flag("members_can_raise_motions")
    grouped_ok = f.admin or (motions and (f.member or f.guest))
    ok = grouped_ok if c.grouped else f.discussion_member
    return _gate(not c.discussion_closed and ok, "poll create")


def _poll_reopen(f: Facts) -> Decision:
    c = f.config
    ok = c.poll_state == "closed" and not c.anonymous and f.can_update_poll()
    return _gate(ok, "poll reopen")


def _stance_update(f: Facts) -> Decision:
    own = f.config.stance != "other"
    return _gate(own and f.can_vote(own_stance=own), "stance update")


def _stance_uncast(f: Facts) -> Decision:
    if f.config.stance == "other":
        return Decision(404, "looked up among the caller's own stances")
    if f.config.anonymous and f.config.poll_state == "closed":
        # polls.md 4: closing an anonymous poll erases every stance's participant_id, so the
        # caller's own stance is no longer among theirs (polls.md 2.1: 404)
        return Decision(404, "anonymous stances lose their participant on close")
    return _gate(f.config.stance == "own_cast" and f.can_vote(own_stance=True), "stance uncast")


def _outcome(f: Facts) -> Decision:
    edit = f.config.flag("members_can_edit_discussions") and f.poll_member
    return _gate(not f.poll_active and (f.poll_admin or edit), "outcome")


def _discussion_list(f: Facts) -> Decision:
    # `group_id` is loaded and authorized first (load_and_authorize(:group): group show,
    # section 3.1), so a guest of D in a group they cannot show is refused (403), not
    # answered with a list (CanCan: "If none does, `authorize!` raises and the API answers 403").
    if not f.can_show_group():
        return deny("group show")
    return Decision(200, "listed" if f.can_show_discussion() else "unlisted")


RULES: dict[Action, Callable[[Facts], Decision]] = {
    Action.GROUP_SHOW: lambda f: _gate(f.can_show_group(), "group show"),
    Action.GROUP_SUBGROUPS: lambda f: _gate(f.can_show_group(), "group show"),
    Action.MEMBERSHIPS_INDEX: _memberships_index,
    Action.MEMBERSHIP_MAKE_ADMIN: _make_admin,
    Action.MEMBERSHIP_REMOVE_ADMIN: _remove_membership,
    Action.MEMBERSHIP_DESTROY: _remove_membership,
    Action.DISCUSSION_SHOW: lambda f: _gate(f.can_show_discussion(), "discussion show"),
    Action.DISCUSSION_LIST: _discussion_list,
    Action.DISCUSSION_CREATE: _discussion_create,
    Action.DISCUSSION_UPDATE: lambda f: _gate(f.can_update_discussion(), "discussion update"),
    Action.DISCUSSION_CLOSE: lambda f: _gate(f.can_update_discussion(), "discussion update"),
    Action.DISCUSSION_REOPEN: lambda f: _gate(f.can_update_discussion(), "discussion update"),
    # permissions.md 3.3: pin/unpin are the update ability (`can [:update, ..., :pin]`)
    Action.DISCUSSION_PIN: lambda f: _gate(f.can_update_discussion(), "discussion update"),
    Action.DISCUSSION_UNPIN: lambda f: _gate(f.can_update_discussion(), "discussion update"),
    Action.DISCUSSION_DISCARD: lambda f: _gate(
        not f.config.discussion_discarded and (f.actor.author or f.discussion_admin),
        "discussion discard",
    ),
    Action.EVENTS_INDEX: lambda f: _gate(f.can_show_discussion(), "discussion show"),
    Action.EVENT_PIN: lambda f: _gate(f.can_update_discussion(), "discussion update"),
    Action.COMMENT_CREATE: lambda f: _gate(
        not f.config.discussion_closed and f.discussion_member, "comment create"
    ),
    Action.COMMENT_UPDATE: _comment_update,
    Action.COMMENT_DISCARD: _comment_discard,
    Action.COMMENT_DESTROY: _comment_destroy,
    Action.POLL_SHOW: _poll_show,
    Action.POLL_CREATE: _poll_create,
    Action.POLL_UPDATE: lambda f: _gate(f.can_update_poll(), "poll update"),
    Action.POLL_DISCARD: lambda f: _gate(f.can_update_poll(), "poll update"),
    Action.POLL_CLOSE: lambda f: _gate(f.poll_active and f.poll_admin, "poll close"),
    Action.POLL_REOPEN: _poll_reopen,
    Action.VOTE: lambda f: _gate(f.can_vote(), "vote"),
    Action.STANCE_UPDATE: _stance_update,
    Action.STANCE_UNCAST: _stance_uncast,
    Action.OUTCOME_CREATE: _outcome,
    Action.OUTCOME_UPDATE: _outcome,
    Action.PROFILE_ME: lambda f: _gate(f.logged_in, "profile/me needs a user"),
    Action.PROFILE_INDEX: lambda f: (
        ALLOW if f.logged_in else Decision(401, "you gotta be signed in")
    ),
}


def rule(action: Action) -> Callable[[Facts], Decision]:
    """The rule deciding `action`."""
    return RULES[action]
