"""The normalizer's and conformance's Loomio knowledge is read from the spec."""

from __future__ import annotations

import copy
from typing import Any

from harness.normalize import CanonicalIds, normalize
from harness.spec import load_spec
from harness.vocabulary import BUNDLED_SPEC, Vocabulary


def test_the_bundled_spec_says_which_collections_references_and_creates_there_are() -> None:
    vocabulary = Vocabulary.from_spec(load_spec(BUNDLED_SPEC))
    assert vocabulary.collection_types == {"parent_events": "events", "parent_groups": "groups"}
    assert vocabulary.references[("discussions", "closer_id")] == "users"
    assert vocabulary.references[("events", "parent_id")] == "events"  # root parent_events
    assert vocabulary.references[("polls", "poll_option_ids")] == "poll_options"
    assert {"discussions", "poll_options", "stance_choices"} <= set(vocabulary.record_types)
    assert vocabulary.creates == {
        "discussions_create": "discussions",
        "groups_create": "groups",
        "polls_create": "polls",
    }


def _with_reviewer(spec: dict[str, Any]) -> dict[str, Any]:
    """The bundled spec, plus a discussion field `reviewer_id` that is a user association
    and a `sibling_discussions` collection of discussions."""
    other = copy.deepcopy(spec)
    schemas = other["components"]["schemas"]
    schemas["Discussion"]["properties"]["reviewer_id"] = {
        "type": ["integer", "null"],
        "x-rails-association": {"kind": "has_one", "root": "users", "serializer": "User"},
    }
    schemas["DiscussionsEnvelope"]["properties"]["sibling_discussions"] = {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Discussion"},
    }
    return other


def test_a_users_spec_drives_what_the_normalizer_names() -> None:
    spec = _with_reviewer(load_spec(BUNDLED_SPEC))
    vocabulary = Vocabulary.from_spec(spec)
    body = {
        "discussions": [{"id": 40, "reviewer_id": 7}],
        "sibling_discussions": [{"id": 41, "reviewer_id": 8}],
        "users": [{"id": 7}, {"id": 8}],
        "meta": {"root": "discussions"},
    }
    named = normalize(body, CanonicalIds(), vocabulary=vocabulary).keyed
    assert named["discussions"]["discussions#1"]["reviewer_id"] == "users#1"
    assert list(named["sibling_discussions"]) == ["discussions#2"]
    # without the spec's word, a name is all there is: `reviewer` is not a user role
    guessed = normalize(copy.deepcopy(body), CanonicalIds()).keyed
    assert guessed["discussions"]["discussions#1"]["reviewer_id"] == "reviewers#1"
