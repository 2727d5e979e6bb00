"""Rails inflection (ActiveSupport rules) through the `inflection` package."""

from __future__ import annotations

from functools import cache

import inflection

# each is a chain of regexes; the same few hundred words are asked for thousands of times


@cache
def singularize(word: str) -> str:
    return str(inflection.singularize(word))


@cache
def pluralize(word: str) -> str:
    return str(inflection.pluralize(word))


@cache
def underscore(word: str) -> str:
    """`Pending::UserSerializer` -> `pending/user_serializer` (Rails `String#underscore`)."""
    return str(inflection.underscore(word.replace("::", "/")))


@cache
def camelize(word: str) -> str:
    """`api/v1/discussion_readers` -> `Api::V1::DiscussionReaders`."""
    return str(inflection.camelize(word)).replace("/", "::")


@cache
def tableize(class_name: str) -> str:
    """`DiscussionReader` -> `discussion_readers`; namespaces are dropped (`Pending::User`)."""
    return pluralize(underscore(class_name.rsplit("::", 1)[-1]))
