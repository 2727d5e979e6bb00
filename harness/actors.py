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
