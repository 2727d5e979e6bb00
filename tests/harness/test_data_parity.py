"""Two sides' rows through the comparison core (pure: rows as harness.rows reads them)."""

from __future__ import annotations

from datetime import datetime

from harness.compare import Kind
from harness.data_parity import compare_sides, place_of, side_data
from harness.normalize import CanonicalIds
from harness.rows import Rows

T0 = datetime(2025, 6, 1, 9, 0, 0, 123456)
T1 = datetime(2025, 6, 1, 9, 0, 5, 654321)


def rows(offset: int, **changes: object) -> Rows:
    """A discussion with a comment and a stance choice the API never showed; raw ids shifted
    by `offset` (each database gives its own ids)."""
    comment = {
        "id": 10 + offset, "discussion_id": 1 + offset, "user_id": 5 + offset, "body": "Hi",
        "body_format": "md", "parent_type": "Discussion", "parent_id": 1 + offset,
        "created_at": T1, "updated_at": T1, "discarded_at": None,
    }  # fmt: skip
    user = {
        "id": 5 + offset,
        "email": "a@x",
        "encrypted_password": "pw",
        "reset_password_token": None,
    }
    choices = [
        {"id": 30 + offset + n, "stance_id": 20 + offset, "poll_option_id": 40 + offset + n,
         "score": n, "created_at": T0}
        for n in (1, 0)  # inserted in the opposite order of their options
    ]  # fmt: skip
    comment.update(changes)
    return {
        "users": [user],
        "discussions": [{"id": 1 + offset, "author_id": 5 + offset, "created_at": T0}],
        "comments": [comment],
        "stance_choices": choices,
    }


def api_ids(offset: int) -> CanonicalIds:
    """The names the example's API answers gave: the user, discussion, comment, stance,
    options; never the stance choices."""
    ids = CanonicalIds()
    for rtype, raw in (("users", 5), ("discussions", 1), ("comments", 10), ("stances", 20)):
        ids.name(rtype, raw + offset)
    for n in (0, 1):
        ids.name("poll_options", 40 + offset + n)
    return ids


def differences(rails: Rows, go: Rows) -> list[tuple[str, Kind]]:
    found = compare_sides(side_data(rails, api_ids(0)), side_data(go, api_ids(100)))
    return [(d.pointer, d.kind) for d in found]


def test_same_rows_under_other_ids_are_the_same() -> None:
    assert differences(rows(0), rows(100)) == []


def test_rows_the_api_never_showed_are_matched_by_their_references() -> None:
    go = rows(100)
    go["stance_choices"].reverse()  # other raw ids for the same (stance, option) pairs
    go["stance_choices"][0]["id"], go["stance_choices"][1]["id"] = 130, 131
    assert differences(rows(0), go) == []


def test_a_stored_value_differs_at_table_row_column() -> None:
    found = differences(rows(0), rows(100, body_format="MD"))
    assert found == [("/comments/comments#1/body_format", Kind.VALUE)]
    assert place_of(found[0][0]).table == "comments" and place_of(found[0][0]).row == "comments#1"


def test_a_timestamp_stored_without_microseconds_differs_in_format_not_value() -> None:
    found = differences(rows(0), rows(100, created_at=T1.replace(microsecond=0)))
    assert found == [("/comments/comments#1/created_at", Kind.TIMESTAMP_FORMAT)]
    assert differences(rows(0), rows(100, created_at=T1.replace(second=7))) == []


def test_timestamp_order_and_presence_are_compared() -> None:
    earlier = differences(rows(0), rows(100, created_at=datetime(2025, 6, 1, 8, 0, 0, 1)))
    assert ("/comments/comments#1/created_at", Kind.TIMESTAMP_ORDER) in earlier
    assert differences(rows(0), rows(100, discarded_at=T1)) != []


def test_a_foreign_key_to_another_record_differs() -> None:
    go = rows(100, user_id=999)
    assert differences(rows(0), go) == [("/comments/comments#1/user_id", Kind.VALUE)]


def test_secret_columns_are_compared_for_presence_only_and_never_shown() -> None:
    go = rows(100)
    go["users"][0]["encrypted_password"] = "another-planted-pw"
    assert differences(rows(0), go) == []
    go["users"][0]["encrypted_password"] = None
    go["users"][0]["reset_password_token"] = "planted-token"
    found = compare_sides(side_data(rows(0), api_ids(0)), side_data(go, api_ids(100)))
    assert {d.pointer for d in found} == {
        "/users/users#1/encrypted_password",
        "/users/users#1/reset_password_token",
    }
    assert "planted" not in repr(found) and "'pw'" not in repr(found)


def test_an_orphaned_row_is_an_extra_record() -> None:
    go = rows(100)
    go["comments"].append({**go["comments"][0], "id": 111})
    assert differences(rows(0), go) == [("/comments/comments#2", Kind.EXTRA_RECORD)]


def test_the_api_id_map_is_left_untouched() -> None:
    ids = api_ids(0)
    side_data(rows(0), ids)
    assert not ids.known("stance_choices", 31)


def test_ids_keying_a_recorded_change_are_named() -> None:
    def version(offset: int) -> Rows:
        change = {"option_scores": [{}, {str(40 + offset): 1}]}
        return {"versions": [{"id": 9 + offset, "item_type": "Stance", "item_id": 20 + offset,
                              "event": "update", "object_changes": change}]}  # fmt: skip

    assert differences(version(0), version(100)) == []


def test_recorded_changes_of_reference_fields_are_named() -> None:
    """A version row records `{"poll_option_id": [before, after]}`: each side is a reference
    (raw ids differ between the databases; a clean pair once failed on it)."""

    def version(offset: int) -> Rows:
        change = {
            "poll_option_id": [40 + offset, None],
            "stance_id": [None, 20 + offset],
            "discarded_by": [5 + offset, None],
            "guest_ids": [[5 + offset], []],
            "sequence_id": [3, 4],  # a counter, not a reference: kept as it is
        }
        return {"versions": [{"id": 9 + offset, "item_type": "Outcome", "item_id": 7,
                              "event": "update", "object_changes": change}]}  # fmt: skip

    assert differences(version(0), version(100)) == []
    moved = version(100)
    moved["versions"][0]["object_changes"]["poll_option_id"] = [141, None]
    assert differences(version(0), moved) == [
        ("/versions/versions#1/object_changes/poll_option_id/0", Kind.VALUE)
    ]
