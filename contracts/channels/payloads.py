"""What the API publishes, as Hypothesis strategies (realtime.md section 2).

A `/records` message is `{"room": ROOM, "records": ENVELOPE}`, the envelope the API
answers with: events (with their eventables side-loaded), discussions, stances, users,
notifications. Numbers come in both written forms Rails uses (`50.0` for a float column,
`3` for an integer) because the channel server re-emits them as JavaScript does.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

TIMESTAMPS = st.sampled_from(
    ("2025-06-01T10:15:00.000Z", "2025-06-01T10:15:01.250Z", "2025-06-02T08:00:00.000Z")
)
KINDS = st.sampled_from(("new_comment", "new_discussion", "stance_created", "poll_closed_by_user"))
# Texts from a few samples: the channel server passes strings through, and sampled values
# shrink in one step (a drawn text would cost the shrinker hundreds of server round trips).
TEXT = st.sampled_from(("", "Budget 2025", "Ünïcode — thread ✓", 'quote " and \\ backslash'))


@st.composite
def envelopes(draw: st.DrawFn, group_id: int) -> dict[str, Any]:
    """A side-loading envelope of one event, or of a discussion, stances or notifications."""
    root = draw(st.sampled_from(("events", "discussions", "stances", "notifications")))
    ident = draw(st.sampled_from((1, 2, 49)))
    discussion = {
        "id": ident,
        "group_id": group_id,
        "title": draw(TEXT),
        "closed_at": draw(st.none() | TIMESTAMPS),
        "items_count": draw(st.sampled_from((0, 31))),
        "importance": draw(st.sampled_from((0, 1.0, 2.5))),
    }
    if root == "discussions":
        return {"discussions": [discussion], "meta": {"root": "discussions"}}
    if root == "stances":
        score = draw(st.sampled_from((0, 1, 50.0, 2.5, -0.0, 1e2)))
        stance = {"id": ident, "poll_id": 3, "latest": draw(st.booleans()), "score": score}
        return {"stances": [stance], "meta": {"root": "stances"}}
    if root == "notifications":
        note = {"id": ident, "viewed": draw(st.booleans()), "url": f"/d/{ident}", "kind": "x"}
        return {"notifications": [note], "meta": {"root": "notifications"}}
    event = {
        "id": ident,
        "kind": draw(KINDS),
        "sequence_id": draw(st.sampled_from((1, 7))),
        "position_key": "00001-00002",
        "created_at": draw(TIMESTAMPS),
        "discussion_id": ident,
        "eventable_type": "Discussion",
        "eventable_id": ident,
    }
    return {
        "events": [event],
        "discussions": [discussion],
        "users": [{"id": draw(st.sampled_from((1, 9))), "name": draw(TEXT)}],
        "meta": {"root": "events"},
    }


def system_notices() -> st.SearchStrategy[dict[str, Any]]:
    """An operator's `/system_notice`: {version, notice, reload}."""
    return st.fixed_dictionaries(
        {"version": st.sampled_from(("3.1.0", "3.1.1")), "notice": TEXT, "reload": st.booleans()}
    )


MALFORMED = st.sampled_from(("{", "{'room': 'notice'}", "undefined", "NaN", '{"room": "notice",}'))


def encode(message: Any) -> str:
    """As Rails' to_json writes it: floats keep their `.0`."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)
