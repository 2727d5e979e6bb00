"""Poll request parameters -> column values, as ActiveRecord's attribute assignment casts them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from reference.domain import poll_types as pt
from reference.domain.casts import to_i
from reference.web import ApiError

POLL_PERMITTED = frozenset(
    {
        "agree_target",
        "title",
        "details",
        "details_format",
        "discussion_id",
        "default_duration_in_days",
        "poll_type",
        "group_id",
        "closing_at",
        "anonymous",
        "hide_results",
        "key",
        "limit_reason_length",
        "shuffle_options",
        "show_none_of_the_above",
        "notify_on_closing_soon",
        "voter_can_add_options",
        "specified_voters_only",
        "recipient_audience",
        "recipient_message",
        "tags",
        "notify_recipients",
        "recipient_user_ids",
        "recipient_chatbot_ids",
        "recipient_emails",
        "can_respond_maybe",
        "dots_per_person",
        "max_score",
        "min_score",
        "options",
        "process_name",
        "process_subtitle",
        "poll_option_name_format",
        "reason_prompt",
        "template",
        "time_zone",
        "stance_reason_required",
        "meeting_duration",
        "minimum_stance_choices",
        "maximum_stance_choices",
        "chart_type",
        "document_ids",
        "poll_template_id",
        "poll_template_key",
        "poll_options_attributes",
        "link_previews",
        "files",
        "image_files",
    }
)
OPTION_PERMITTED = frozenset({"id", "name", "icon", "meaning", "prompt", "priority", "_destroy"})

BOOLEAN_COLUMNS = (
    "anonymous",
    "limit_reason_length",
    "shuffle_options",
    "show_none_of_the_above",
    "voter_can_add_options",
    "specified_voters_only",
    "template",
)
INTEGER_COLUMNS = (
    "agree_target",
    "group_id",
    "minimum_stance_choices",
    "maximum_stance_choices",
    "poll_template_id",
)
STRING_COLUMNS = (
    "title",
    "details",
    "details_format",
    "key",
    "reason_prompt",
    "process_name",
    "process_subtitle",
    "poll_template_key",
)
ENUMS = {
    "hide_results": pt.HIDE_RESULTS,
    "notify_on_closing_soon": pt.NOTIFY_ON_CLOSING_SOON,
    "stance_reason_required": pt.STANCE_REASON_REQUIRED,
}
CUSTOM_FIELDS = ("meeting_duration", "time_zone", "can_respond_maybe")
_FALSE = (False, 0, "0", "f", "F", "false", "FALSE", "off", "OFF", "")


def to_bool(value: Any) -> bool | None:
    if value is None:
        return None
    return value not in _FALSE


def to_int(value: Any) -> int | None:
    """An integer attribute's cast (ActiveModel::Type::Integer): nil stays nil, a number is
    truncated (Float#to_i), a string is String#to_i ("1e3" -> 1, "Infinity" -> 0)."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return int(value)
    return to_i(value)


def to_time(value: Any) -> datetime | None:
    """Rails' cast of a time string (UTC naive); unparsable -> nil."""
    if value is None or value == "":
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _enum(name: str, value: Any) -> int:
    names = ENUMS[name]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return value
    if str(value) in names:
        return names.index(str(value))
    # ActiveRecord raises ArgumentError ("'x' is not a valid hide_results"): a 500.
    raise ApiError(500, {"status": 500, "error": "Internal Server Error"})


def poll_columns(params: dict[str, Any], poll_type: str | None) -> dict[str, Any]:
    """Column values assigned by these (permitted) parameters; custom fields merged later."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name in BOOLEAN_COLUMNS:
            out[name] = bool(to_bool(value))
        elif name in INTEGER_COLUMNS:
            out[name] = to_int(value)
        elif name in STRING_COLUMNS:
            out[name] = None if value is None else str(value)
        elif name in ENUMS:
            out[name] = _enum(name, value)
        elif name == "closing_at":
            out[name] = to_time(value)
        elif name == "tags":
            out[name] = [str(t) for t in (value or [])]
        elif name == "link_previews":
            out[name] = json.dumps(value or [])
        elif name in pt.TEMPLATE_DEFAULT_FIELDS:
            cast = (
                str(value) if name in ("chart_type", "poll_option_name_format") else to_int(value)
            )
            out[name] = (
                cast if poll_type not in pt.POLL_TYPES else pt.stored_value(poll_type, name, cast)
            )
    return out


def custom_fields(params: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    fields = dict(current)
    for name in CUSTOM_FIELDS:
        if name in params:
            fields[name] = params[name]
    for name in pt.TEMPLATE_DEFAULT_FIELDS:  # their setters drop the legacy custom field
        if name in params:
            fields.pop(name, None)
    return fields
