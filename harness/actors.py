"""Actors: the seeded people suites act as. A visitor is no actor at all (`actor=None`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class Actor:
    """A seeded user with known credentials; the password never shows in a repr."""

    name: str
    email: str
    password: str = field(repr=False)
    verified: bool = True

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


# How people type an email into a sign-in form (Devise strips and downcases it: both suites
# sign in every way; contracts.lockstep's sign_in rule, properties/sign_in_paths.py).
TYPINGS = ("exact", "upper", "spaces", "mixed", "tab")


def as_typed(email: str, typing: str) -> str:
    """`email` as a person types it: `upper`, `spaces` around it, `mixed` case, `tab`."""
    if typing not in TYPINGS:
        raise ValueError(f"unknown typing {typing!r} (one of {', '.join(TYPINGS)})")
    return {
        "exact": email,
        "upper": email.upper(),
        "spaces": f"  {email} ",
        "mixed": email[:1].upper() + email[1:],
        "tab": f"\t{email.upper()}\n",
    }[typing]
