"""Walk the sign-in paths on one backend, as a person in a browser of their own.

Each path runs in a new browser (harness.client.open_browser: a cookie jar the harness never
signs in): `POST /api/v1/sessions` with the email as typed, then `GET /api/v1/profile/me`
with the session's cookie; when it signed in, a copy of the cookies is kept, `DELETE
/api/v1/sessions`, profile/me with the browser again and with the kept copy. An HTTP Basic
path sends the typed credentials on one profile/me. What came back is compared with
properties.oracles.sign_in and with the other backend (properties/test_permissions.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields

from harness.actors import Actor, as_typed
from harness.backends import Backend
from harness.http import ApiRequest
from harness.seed import UserSpec, World
from properties.findings import Problem
from properties.oracles.sign_in import Expected, SignInPath, answer_kind

SESSIONS = "/api/v1/sessions"
PROFILE = "/api/v1/profile/me"
STEPS = {  # step -> (what it is, its operation)
    "sign_in": ("the sign-in", "POST /sessions"),
    "signed_in": ("profile/me with the session cookie", "GET /profile/me"),
    "sign_out": ("the sign-out", "DELETE /sessions"),
    "after_sign_out": ("profile/me with the browser after sign-out", "GET /profile/me"),
    "kept_cookie": ("profile/me with a copy of the cookie kept from before", "GET /profile/me"),
}


def sign_in_world(tag: str) -> World:
    """One account per state, nothing else: a path only ever touches its own account."""
    return World(
        users=(
            UserSpec(name="verified"),
            UserSpec(name="unverified", verified=False),
            UserSpec(name="deactivated", deactivated=True),
        ),
        tag=f"-{tag}",
    )


@contextmanager
def browser(
    backend: Backend,
    *,
    basic: tuple[str, str] | None = None,
    cookies: dict[str, str] | None = None,
) -> Iterator[str]:
    """A new browser on `backend` (its actor key), forgotten afterwards."""
    key = f"browser#{secrets.token_hex(4)}"
    backend.client.open_browser(key, basic=basic, cookies=cookies)
    try:
        yield key
    finally:
        backend.client.remove_actors([key])


def _kind(backend: Backend, method: str, path: str, key: str, body: object = None) -> str:
    answer = backend.send(
        ApiRequest(method=method, path=path, actor=key, json=body, label="sign-in")
    )
    return answer_kind(answer.status, answer.body)


def walk(backend: Backend, path: SignInPath, account: Actor) -> Expected:
    """What `backend` answers on `path` for `account` (same fields as the oracle's)."""
    email = as_typed(account.email, path.typing)
    password = account.password if path.right else f"{account.password}-wrong"
    if path.via == "basic":
        with browser(backend, basic=(email, password)) as key:
            return Expected(_kind(backend, "GET", PROFILE, key))
    with browser(backend) as key:
        body = {"user": {"email": email, "password": password}}
        signed = _kind(backend, "POST", SESSIONS, key, body)
        me = _kind(backend, "GET", PROFILE, key)
        if signed != "200":
            return Expected(signed, signed_in=me)
        with browser(backend, cookies=backend.client.cookies_of(key)) as kept:
            return Expected(
                signed,
                signed_in=me,
                sign_out=_kind(backend, "DELETE", SESSIONS, key),
                after_sign_out=_kind(backend, "GET", PROFILE, key),
                kept_cookie=_kind(backend, "GET", PROFILE, kept),
            )


def judge(path: SignInPath, want: Expected, got: dict[str, Expected]) -> list[Problem]:
    """Each step against the oracle per backend, and the backends against each other."""
    problems = []
    for step in (f.name for f in fields(Expected)):
        what, operation = STEPS[step]
        if path.via == "basic" and step == "sign_in":
            what, operation = (
                "profile/me (HTTP Basic)",
                "GET /profile/me",
            )  # "Basic word" reads as a token to harness.redact
        expected = getattr(want, step)
        answers = {name: getattr(answer, step) for name, answer in got.items()}
        for name, actual in answers.items():
            if actual != expected:
                problems.append(
                    Problem(
                        backend=name,
                        operation=operation,
                        title=f"{path}: {what} answered {actual or 'nothing'}",
                        detail=f"{path}: {what} answered {actual or 'nothing (not reached)'}"
                        f" on {name}; Loomio (Devise) answers {expected or 'nothing'}",
                        expected=expected,
                        actual=actual,
                    )
                )
        if len(set(answers.values())) > 1:
            problems.append(
                Problem(
                    backend=",".join(sorted(answers)),
                    operation=operation,
                    title=f"{path}: the backends answer {what} differently",
                    detail=", ".join(f"{n} {a or 'nothing'}" for n, a in sorted(answers.items())),
                )
            )
    return problems
