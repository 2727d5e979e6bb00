"""Rails inflection (ActiveSupport rules) through the `inflection` package.

Each answer is a chain of regexes: the same few hundred words are asked for thousands of
times, and compiling the package's ~90 patterns is most of a run's cost of inflection. So
every answer is kept (`known()`); extractor.cache saves them with a run's facts and hands
them to the next run (`learn()`), which then compiles none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import inflection

_KNOWN: dict[tuple[str, str], str] = {}  # (rule, word) -> answer


def known() -> Mapping[tuple[str, str], str]:
    """Every answer given in this process so far (or learned)."""
    return _KNOWN


def learn(answers: Mapping[tuple[str, str], str]) -> None:
    """Answers an earlier run gave (same `inflection` package: extractor.cache's key)."""
    _KNOWN.update(answers)


def _answer(rule: str, word: str, compute: Callable[[str], str]) -> str:
    key = (rule, word)
    found = _KNOWN.get(key)
    if found is None:
        found = _KNOWN[key] = str(compute(word))
    return found


def singularize(word: str) -> str:
    return _answer("singularize", word, inflection.singularize)


def pluralize(word: str) -> str:
    return _answer("pluralize", word, inflection.pluralize)


def underscore(word: str) -> str:
    """`Pending::UserSerializer` -> `pending/user_serializer` (Rails `String#underscore`)."""
    return _answer("underscore", word, lambda w: inflection.underscore(w.replace("::", "/")))


def camelize(word: str) -> str:
    """`api/v1/discussion_readers` -> `Api::V1::DiscussionReaders`."""
    return _answer("camelize", word, lambda w: inflection.camelize(w).replace("/", "::"))


def tableize(class_name: str) -> str:
    """`DiscussionReader` -> `discussion_readers`; namespaces are dropped (`Pending::User`)."""
    return pluralize(underscore(class_name.rsplit("::", 1)[-1]))
