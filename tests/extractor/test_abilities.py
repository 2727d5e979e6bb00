"""Ability rules -> conditions, checks -> operations, spec/abilities.yaml: one test per construct."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extractor.abilities import Abilities, CheckFinder, read_abilities
from extractor.ability_spec import InvalidAbilities, validate_abilities
from extractor.cli import main
from extractor.conditions import opaque_terms
from extractor.ruby.abilities import parse_abilities
from extractor.sources import SourceFile, SourceTree, read_tree

PROJECT = Path(__file__).resolve().parents[2]
EXAMPLE = PROJECT / "examples" / "loomio-mini"


def rule_of(block: str, head: str = "can :update, ::Comment do |comment|") -> str:
    """The condition of one rule written in a module like Loomio's, as text."""
    ruby = f"module Ability::Comment\n  def initialize(user)\n    super(user)\n    {head}\n{block}\n    end\n  end\nend\n"
    facts = parse_abilities(SourceFile("app/models/ability/comment.rb", ruby))
    assert len(facts.rules) == 1, facts.diagnostics
    return str(facts.rules[0].condition)


CONSTRUCTS = [
    ("user.is_logged_in?", "logged_in"),
    ("user.email_verified?", "verified"),
    ("user.is_admin?", "site_admin"),
    ("user.group_ids.any?", "in_any_group"),
    ("comment.discussion.members.exists?(user.id)", "member[discussion]"),
    ("comment.discussion.admins.exists?(user.id)", "admin[discussion]"),
    ("comment.discussion.guests.exists?(user.id)", "guest[discussion]"),
    ("comment.poll.unmasked_voters.exists?(user.id)", "voter[poll]"),
    ("user_is_member_of?(comment.group_id)", "member[group]"),
    ("user_is_admin_of?(comment.group.parent_id)", "admin[group.parent]"),
    ("user.adminable_groups.exists?(comment.group.id)", "admin[group]"),
    ("comment.author == user", "is_user(author)[self]"),
    ("comment.user_id == user.id", "is_user(user)[self]"),
    ("user == comment", "is_user(self)[self]"),
    ("user_is_author_of?(comment)", "is_user(author)[self]"),
    ("comment.group.members_can_edit_comments", "flag(members_can_edit_comments)[group]"),
    ("comment.group.is_visible_to_public?", "flag(is_visible_to_public)[group]"),
    ("Subscription.for(comment.group).allow_guests", "flag(subscription.allow_guests)[group]"),
    ("Subscription.for(comment.group).is_active?", "state(subscription.active)[group]"),
    ("!comment.discussion.closed_at", "not state(closed)[discussion]"),
    ("comment.discarded_at.nil?", "not state(discarded)[self]"),
    ("comment.kept?", "state(kept)[self]"),
    ("comment.anonymous", "state(anonymous)[self]"),
    ("comment.group.group_privacy == 'open'", "state(group_privacy=open)[group]"),
    ("comment.discussion_id.nil?", "not present[discussion]"),
    ("comment.discussion.present?", "present[discussion]"),
    ("comment.group.admin_memberships.count == 0", "not present[group.admin_memberships]"),
    ("can?(:show, comment.discussion)", "can(show)[discussion]"),
    ("user.can? :update, comment.discussion", "can(update)[discussion]"),
    (
        "DiscussionQuery.visible_to(user: user).exists?(comment.id)",
        "query(DiscussionQuery.visible_to)[self]",
    ),
    (
        "ContactableQuery.contactable(actor: user, user: comment)",
        "query(ContactableQuery.contactable)[self]",
    ),
    ("true", "true"),
]


@pytest.mark.parametrize(("ruby", "expected"), CONSTRUCTS, ids=[c[1] for c in CONSTRUCTS])
def test_each_atom_is_read_from_its_ruby(ruby: str, expected: str) -> None:
    assert rule_of(ruby) == expected


def test_and_or_not_as_operators_and_words_read_the_same() -> None:
    words = rule_of("user.is_admin and (user.email_verified? or not user.is_logged_in?)")
    ops = rule_of("user.is_admin && (user.email_verified? || !user.is_logged_in?)")
    assert words == ops == "site_admin and (verified or not logged_in)"


def test_if_else_becomes_both_guarded_branches() -> None:
    ruby = (
        "if comment.group_id\n  comment.group.admins.exists?(user.id)\nelse\n  user.is_admin\nend"
    )
    assert (
        rule_of(ruby) == "(present[group] and admin[group]) or (not present[group] and site_admin)"
    )


def test_return_false_guards_and_local_aliases_fold_into_the_condition() -> None:
    ruby = (
        "thread = comment.discussion\n"
        "return false unless user.email_verified?\n"
        "return false if thread.closed_at\n"
        "thread.members.exists?(user.id)"
    )
    assert rule_of(ruby) == "verified and not state(closed)[discussion] and member[discussion]"


def test_unknown_expression_is_kept_verbatim_with_its_line() -> None:
    ruby = "user.is_admin || Comment.where(parent_id: comment.id).none?"
    facts = parse_abilities(
        SourceFile(
            "app/models/ability/comment.rb",
            f"module Ability::Comment\n  def initialize(user)\n    can :destroy, ::Comment do |comment|\n      {ruby}\n    end\n  end\nend\n",
        )
    )
    (opaque,) = opaque_terms(facts.rules[0].condition)
    assert opaque.ruby == "Comment.where(parent_id: comment.id).none?"
    assert str(opaque.loc) == "app/models/ability/comment.rb:4"


def test_hash_conditions_a_rule_without_block_and_an_empty_block() -> None:
    ruby = (
        "class Base\n  def initialize(user)\n    can :read, ::Tag\n"
        "    can :cancel, ::MembershipRequest, requestor_id: user.id, revoked_at: nil\n"
        "    can(:hide, ::Tag) { }\n  end\nend\n"
    )
    rules = parse_abilities(SourceFile("app/models/ability/base.rb", ruby)).rules
    assert [(r.actions, str(r.condition)) for r in rules] == [
        (("read",), "true"),
        (("cancel",), "is_user(requestor)[self] and not state(revoked)[self]"),
        (("hide",), "false"),  # an empty block returns nil
    ]


def test_a_non_literal_rule_is_a_diagnostic_not_dropped_silently() -> None:
    facts = parse_abilities(
        SourceFile(
            "app/models/ability/x.rb",
            "module A\n  def initialize(u)\n    can ACTIONS, ::X\n  end\nend\n",
        )
    )
    assert not facts.rules
    assert str(facts.diagnostics[0].loc) == "app/models/ability/x.rb:3"


@pytest.fixture(scope="module")
def mini() -> tuple[Abilities, CheckFinder]:
    tree = read_tree(EXAMPLE)
    return read_abilities(tree.models), CheckFinder.from_tree(tree)


def test_cannot_overrides_an_earlier_can_and_aliases_expand(
    mini: tuple[Abilities, CheckFinder],
) -> None:
    abilities = mini[0]
    # can [:discard, :undiscard] (line 16), then cannot :undiscard when discarded_at.nil? (35)
    undiscard = str(abilities.condition("Comment", "undiscard"))
    assert undiscard.startswith("state(discarded)[self] and not state(closed)[discussion] and")
    assert "close" in abilities.expands("update_thread")
    assert [str(r.loc) for r in abilities.rules_for("Discussion", "close")] == [
        "app/models/ability/discussion.rb:18"
    ]
    assert abilities.rules_for("Tag", "index") == []


def test_rules_follow_the_base_class_composition(mini: tuple[Abilities, CheckFinder]) -> None:
    abilities = mini[0]
    modules = [r.module for r in abilities.rules]
    assert (
        modules.index("Ability::Group")
        < modules.index("Ability::Discussion")
        < modules.index("Ability::User")
    )
    assert len(abilities.files) == 10


@pytest.mark.parametrize(
    ("controller", "action", "cells"),
    [
        (
            "api/v1/discussions",
            "show",
            {("Discussion", "show")},
        ),  # load_and_authorize in the action
        ("api/v1/discussions", "close", {("Discussion", "update")}),  # service.close -> authorize!
        ("api/v1/comments", "update", {("Comment", "update")}),  # inherited update -> update_action
        ("api/v1/memberships", "destroy", {("Membership", "revoke")}),  # overridden destroy_action
        ("api/v1/stances", "create", {("Poll", "vote_in")}),  # authorize!(:vote_in, stance.poll)
        ("api/v1/events", "index", {("Discussion", "show")}),  # accessible_records override
    ],
)
def test_operations_reach_the_cells_their_code_checks(
    mini: tuple[Abilities, CheckFinder], controller: str, action: str, cells: set[tuple[str, str]]
) -> None:
    reached = mini[1].reach(controller, action)
    assert {(c.model, c.action) for c in reached.checks} == cells


def test_abilities_yaml_is_valid_deterministic_and_current(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    first, second = tmp_path / "a" / "openapi.yaml", tmp_path / "b" / "openapi.yaml"
    overrides = str(PROJECT / "spec" / "overrides.yaml")
    for out in (first, second):
        assert main([str(EXAMPLE), "-o", str(out), "--overrides", overrides]) == 0
    text = first.with_name("abilities.yaml").read_text()
    assert text == second.with_name("abilities.yaml").read_text()
    document = yaml.safe_load(text)
    validate_abilities(document)
    golden = PROJECT / "spec" / "abilities.yaml"
    if request.config.getoption("--update-golden"):
        golden.write_text(text)
    assert text == golden.read_text(), "run `pytest tests/extractor --update-golden`"


def test_schema_names_the_place_of_a_broken_condition() -> None:
    document = yaml.safe_load((PROJECT / "spec" / "abilities.yaml").read_text())
    document["cells"][0]["condition"] = {"atom": "member"}  # a record atom without `of`
    with pytest.raises(InvalidAbilities, match="cells/0/condition"):
        validate_abilities(document)


def test_check_fails_when_abilities_yaml_is_stale(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    assert main([str(EXAMPLE), "-o", str(out)]) == 0
    (tmp_path / "abilities.yaml").write_text("stale: true\n")
    assert main([str(EXAMPLE), "-o", str(out), "--check"]) == 1


def test_an_alias_of_an_inherited_action_reaches_its_checks() -> None:
    controllers = (
        SourceFile(
            "app/controllers/api/v1/base_controller.rb",
            "class API::V1::BaseController\n  def update\n    service.update(reaction: load_resource)\n  end\nend\n",
        ),
        SourceFile(
            "app/controllers/api/v1/reactions_controller.rb",
            "class API::V1::ReactionsController < API::V1::BaseController\n  alias :create :update\nend\n",
        ),
    )
    services = (
        SourceFile(
            "app/services/reaction_service.rb",
            "module ReactionService\n  def self.update(reaction:, actor:)\n"
            "    actor.ability.authorize! :update, reaction\n  end\nend\n",
        ),
    )
    tree = SourceTree(
        serializers=(),
        controllers=controllers,
        services=services,
        models=(),
        schema=None,
        routes=None,
        diagnostics=(),
    )
    reached = CheckFinder.from_tree(tree).reach("api/v1/reactions", "create")
    assert [(c.model, c.action, str(c.check.loc)) for c in reached.checks] == [
        ("Reaction", "update", "app/services/reaction_service.rb:3")
    ]


def _tree(controllers: dict[str, str], services: dict[str, str] | None = None) -> SourceTree:
    return SourceTree(
        serializers=(),
        controllers=tuple(SourceFile(p, t) for p, t in controllers.items()),
        services=tuple(SourceFile(p, t) for p, t in (services or {}).items()),
        models=(),
        schema=None,
        routes=None,
        diagnostics=(),
    )


def test_cancan_loader_and_before_action_callbacks_are_checks_of_the_action() -> None:
    tree = _tree(
        {
            "app/controllers/api/v1/tags_controller.rb": (
                "class API::V1::TagsController < ApplicationController\n"
                "  load_and_authorize_resource except: [:index]\n"
                "  before_action :check_group, only: [:update]\n"
                "  def update; end\n"
                "  def index; end\n"
                "  private\n"
                "  def check_group\n"
                "    current_user.ability.authorize!(:update, @group) if params[:group_id]\n"
                "  end\n"
                "end\n"
            )
        }
    )
    finder = CheckFinder.from_tree(tree)
    update = [
        (c.model, c.action, c.check.how, c.check.optional)
        for c in finder.reach("api/v1/tags", "update").checks
    ]
    assert update == [
        ("Tag", "update", "load_and_authorize_resource", False),
        ("Group", "update", "authorize!", True),  # behind `if params[:group_id]`
    ]
    assert finder.reach("api/v1/tags", "index").checks == ()


def test_every_word_a_reason_looks_for_is_kept_by_the_reader() -> None:
    from extractor.abilities import _LITERAL, _PUBLIC, _RECORDS, _UNCHECKED
    from extractor.ruby.authorizations import GUARD_WORDS

    words = set().union(*(words for _, words in _UNCHECKED), _LITERAL, _PUBLIC, _RECORDS)
    assert words <= GUARD_WORDS


def test_a_service_keyword_argument_gives_the_checked_record_its_class() -> None:
    tree = _tree(
        {
            "app/controllers/api/v1/profile_controller.rb": (
                "class API::V1::ProfileController < ApplicationController\n"
                "  def merge_accounts\n"
                "    MergeService.start(actor: current_user, email: params[:email])\n"
                "  end\n"
                "end\n"
            )
        },
        {
            "app/services/merge_service.rb": (
                "class MergeService\n"
                "  def self.start(actor:, email:)\n"
                "    actor.ability.authorize! :update, actor\n"
                "  end\n"
                "end\n"
            )
        },
    )
    reached = CheckFinder.from_tree(tree).reach("api/v1/profile", "merge_accounts")
    assert [(c.model, c.action) for c in reached.checks] == [("User", "update")]


SOUNDING = (
    "module Ability::Webhook\n  def initialize(user)\n    super(user)\n"
    "    can [:create, :ping], ::Webhook do |webhook|\n"
    "      webhook.group.admins.exists?(user.id)\n    end\n  end\nend\n"
)
UNCHECKED_CONTROLLER = """class API::V1::WebhooksController < API::V1::RestfulController
  def ping
    WebhookService.send_ping(params)
    head :ok
  end

  def release
    render json: {version: Loomio::Version.current}
  end

  def gallery
    render json: Webhook.where(public: true).pluck(:name)
  end

  def check_url
    render json: {reachable: WebhookService.reachable?(params[:url])}
  end

  def archive
    service.archive(webhook: load_resource, actor: current_user)
    respond_with_resource
  end

  def feedback
    WebhookService.record_feedback(text: params[:text], actor: current_user)
    respond_with_resource
  end

  def mine
    self.collection = current_user.webhooks
    respond_with_collection
  end

  def catalogue
    instantiate_collection
    respond_with_collection
  end

  private

  def accessible_records
    Webhook.all
  end
end
"""
UNCHECKED_SERVICE = """module WebhookService
  def self.send_ping(params)
    Clients::Webhook.new.post(params[:url], params: {text: 'ping'})
  end

  def self.reachable?(url)
    Clients::Webhook.new.head(url).success?
  end

  def self.record_feedback(text:, actor:)
    Feedback.create!(text: text, author: actor)
  end
end
"""


@pytest.mark.parametrize(
    ("action", "reason", "review"),
    [
        ("ping", "the ability tree has Webhook#ping, the action never checks it", True),
        ("release", "answers no stored record (a literal body or a bare status)", False),
        ("gallery", "reads only records marked public", False),
        ("check_url", "answers no stored record, but calls `WebhookService.reachable?`", True),
        ("archive", "calls `WebhookService.archive`, which no class defines", False),
        ("feedback", "no authorization on its code path", True),  # the caller only acts
        ("mine", "acts on the current user only", False),
        ("catalogue", "no authorization on its code path", True),  # no visibility query
    ],
    ids=[
        "ability-left-unchecked",
        "literal-answer",
        "public-only",
        "literal-but-acts",
        "undefined",
        "caller-as-actor-is-no-reason",
        "caller-records",
        "collection-without-a-visibility-query",
    ],
)
def test_an_operation_without_checks_gets_the_reason_its_code_gives(
    action: str, reason: str, review: bool
) -> None:
    from extractor.abilities import unchecked_reason

    tree = _tree(
        {"app/controllers/api/v1/webhooks_controller.rb": UNCHECKED_CONTROLLER},
        {"app/services/webhook_service.rb": UNCHECKED_SERVICE},
    )
    abilities = read_abilities([SourceFile("app/models/ability/webhook.rb", SOUNDING)])
    reached = CheckFinder.from_tree(tree).reach("api/v1/webhooks", action)
    assert reached.checks == ()
    why = unchecked_reason(reached, action, abilities)
    assert why.reason.startswith(reason) and why.review is review
