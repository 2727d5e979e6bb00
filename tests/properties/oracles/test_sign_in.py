"""The sign-in oracle: Devise's answers per path (properties.oracles.sign_in)."""

from __future__ import annotations

import pytest

from properties.oracles.sign_in import (
    INACTIVE,
    INVALID,
    SIGNED_IN,
    VISITOR,
    Expected,
    SignInPath,
    answer_kind,
    expect,
    paths,
)

SIGNED_IN_AND_OUT = Expected(SIGNED_IN, SIGNED_IN, SIGNED_IN, VISITOR, SIGNED_IN)


@pytest.mark.parametrize(
    ("path", "want"),
    [
        (SignInPath("verified", "exact", True, "session"), SIGNED_IN_AND_OUT),
        (SignInPath("verified", "tab", True, "session"), SIGNED_IN_AND_OUT),
        (SignInPath("verified", "upper", False, "session"), Expected(INVALID, VISITOR)),
        (SignInPath("unverified", "exact", True, "session"), Expected(INVALID, VISITOR)),
        (SignInPath("deactivated", "upper", True, "session"), Expected(INACTIVE, VISITOR)),
        (SignInPath("deactivated", "exact", False, "session"), Expected(INVALID, VISITOR)),
        (SignInPath("verified", "spaces", True, "basic"), Expected(SIGNED_IN)),
        (SignInPath("verified", "exact", False, "basic"), Expected(VISITOR)),
        (SignInPath("unverified", "exact", True, "basic"), Expected(VISITOR)),
        (SignInPath("deactivated", "upper", True, "basic"), Expected(INACTIVE)),
    ],
    ids=str,
)
def test_devise_answers(path: SignInPath, want: Expected) -> None:
    assert expect(path) == want


def test_paths_cover_every_typing_of_the_verified_account_and_both_vias() -> None:
    walked = paths()
    assert len(walked) == len(set(walked)) == 36
    verified = {(p.typing, p.right, p.via) for p in walked if p.account == "verified"}
    assert len(verified) == 5 * 2 * 2
    assert {p.account for p in walked} == {"verified", "unverified", "deactivated"}


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (200, {"users": []}, "200"),
        (403, {"error": "x"}, "403"),
        (401, {"errors": {"password": ["auth_form.invalid_password"]}}, INVALID),
        (401, {"errors": {"password": ["auth_form.account_locked"]}}, "401 account_locked"),
        (401, {"error": "Your account is not activated yet."}, INACTIVE),
        (401, {"error": "You need to sign in"}, "401 You need to sign in"),
        (401, None, "401"),
    ],
)
def test_answer_kind(status: int, body: object, kind: str) -> None:
    assert answer_kind(status, body) == kind


def test_typing_is_checked() -> None:
    from harness.actors import as_typed

    with pytest.raises(ValueError, match="unknown typing 'shouting'"):
        as_typed("a@b.c", "shouting")
