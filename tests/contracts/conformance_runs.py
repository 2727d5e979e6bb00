"""Run the conformance suite as users do (a pytest subprocess) and read its findings.

Which faults of the reference catalogue conformance detects, and which it cannot see
(they keep the spec: only the differential suite, comparing both sides, finds them).
"""

from __future__ import annotations

from pathlib import Path

from tests.contracts.suite_runs import SuiteRun, run_suite
from tests.contracts.suite_runs import catalogue as suite_catalogue

SUITE = "contracts/test_conformance.py"
CATEGORIES = ("shape", "type", "null", "envelope", "status")

# fault -> the operations where conformance shows it (run only these, on the go side).
DETECTED: dict[str, tuple[str, ...]] = {
    "event_pinned_title_missing": ("comments_create",),
    "ids_as_strings": ("groups_show",),
    "empty_ranges_null": ("discussions_show",),
    "membership_destroy_root_memberships": ("memberships_destroy",),
    "meta_root_missing": ("discussions_show",),
    "timeline_wrapped": ("events_timeline",),
    "create_returns_201": ("comments_create",),
    "forbidden_as_404": ("discussions_show",),
    "status_stance_invalid_as_error_string": ("stances_create",),
    "validation_errors_flat": ("comments_create",),
}

# fault -> why the spec cannot tell it from Loomio: the differential suite, comparing both
# sides, finds it (its meta-test runs every fault of these categories).
UNDETECTED: dict[str, str] = {
    "author_email_always": "email is an optional Author key: present or not, both conform",
    "discussion_extra_author_key": "record schemas allow extra keys (no additionalProperties)",
    "event_actor_renamed": "an extra key: the actor association still writes actor_id (AMS "
    "embed :ids), so events keep every required key and gain user_id, which records allow",
    "event_counts_float": "JSON Schema integers accept 2.0",
    "timestamps_offset_suffix": "'+00:00' is a valid date-time",
    "timestamps_without_millis": "a date-time without milliseconds is valid",
    "comment_destroy_empty_array": "{'events': []} is a valid EventsEnvelopeNoMeta",
    "discarded_comment_body_kept": "Comment.body is nullable, a string conforms too",
    "reader_fields_null_for_visitors": "visitor replays are checked for their status only",
    "discussion_show_no_root_heal": "created_event_id is nullable in the spec: null conforms",
    "empty_sideloads_omitted": "sideload collections are optional envelope keys",
    "meta_total_page_size": "a value, not a shape: any integer total conforms",
    "parent_events_in_events": "parent events are valid Events in either collection",
    "sideloads_not_deduplicated": "duplicates are valid array items",
    "comment_author_not_sideloaded": "author_id is a valid integer; the spec cannot say the "
    "users sideload must hold it",
    "events_position_key_no_500": "order=position_key without from: 200 is a documented status",
    "exclude_types_ignored": "every sideload sent anyway is a valid envelope: the spec cannot "
    "say which ones a request's exclude_types leaves out",
}


def run_conformance(
    tmp_path: Path, *args: str, profile: str | None = None, timeout: float = 1800
) -> SuiteRun:
    """`pytest contracts/test_conformance.py --report DIR ARGS`; its conformance findings."""
    return run_suite(SUITE, "conformance", tmp_path, *args, profile=profile, timeout=timeout)


def catalogue() -> list[tuple[str, str]]:
    """(fault, category) of the reference catalogue in the categories conformance covers."""
    return suite_catalogue(CATEGORIES)
