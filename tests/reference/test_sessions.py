"""Sessions (api-envelope.md §8.1): password login with the boot payload, HTTP Basic, failure
bodies, Devise lockout after 20 failures, logout rotating secret_token. Real server and DB."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from tests.reference.conftest import PASSWORD, World

LOGIN = "/api/v1/sessions"
BOOT_KEYS = {"users", "current_user_id", "pending_identity", "flash", "channel_token"}


def _login(world: World, email: str, password: str, session: Any = None) -> requests.Response:
    body = {"user": {"email": email, "password": password}}
    return (session or requests).post(world.server.base + LOGIN, json=body, timeout=30)


def _failure(key: str) -> dict[str, Any]:
    return {"errors": {"password": [f"auth_form.{key}"]}}


def test_login_answers_the_boot_payload_and_sets_cookies(world: World) -> None:
    user = world.seed.user()
    session = requests.Session()
    answer = _login(world, user["email"], PASSWORD, session)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == BOOT_KEYS
    assert (body["current_user_id"], body["pending_identity"], body["flash"]) == (
        user["id"],
        {},
        {},
    )
    assert body["channel_token"] is None
    assert [u["id"] for u in body["users"]] == [user["id"]] and body["users"][0]["email"]
    assert {"_loomio", "signed_in"} <= set(session.cookies.keys())
    me = session.get(world.server.base + "/api/v1/profile/me", timeout=30)
    assert me.status_code == 200 and me.json()["users"][0]["id"] == user["id"]


def test_login_saves_a_sent_name(world: World) -> None:
    user = world.seed.user()
    body = {"user": {"email": user["email"], "password": PASSWORD, "name": "Renamed"}}
    answer = requests.post(world.server.base + LOGIN, json=body, timeout=30)
    assert answer.json()["users"][0]["name"] == "Renamed"


@pytest.mark.parametrize(
    ("case", "password"),
    [("wrong password", "nope"), ("unverified email", PASSWORD), ("unknown email", PASSWORD)],
    ids=["wrong-password", "unverified", "unknown"],
)
def test_failed_login_answers_401_with_an_i18n_key(world: World, case: str, password: str) -> None:
    user = world.seed.user(verified=case != "unverified email")
    email = "nobody@example.org" if case == "unknown email" else user["email"]
    answer = _login(world, email, password)
    assert (answer.status_code, answer.json()) == (401, _failure("invalid_password"))
    assert "_loomio" not in answer.cookies


def test_twenty_failures_lock_the_account(world: World) -> None:
    user = world.seed.user()
    keys = [_login(world, user["email"], "nope").json() for _ in range(20)]
    assert keys[:19] == [_failure("invalid_password")] * 19
    assert keys[19] == _failure("account_locked")
    answer = _login(world, user["email"], PASSWORD)
    assert (answer.status_code, answer.json()) == (401, _failure("account_locked"))
    row = world.seed.one(
        "SELECT failed_attempts, locked_at FROM users WHERE id = %s", (user["id"],)
    )
    assert row["failed_attempts"] == 20 and row["locked_at"] is not None


def test_success_resets_failed_attempts(world: World) -> None:
    user = world.seed.user()
    for _ in range(3):
        _login(world, user["email"], "nope")
    assert _login(world, user["email"], PASSWORD).status_code == 200
    row = world.seed.one("SELECT failed_attempts FROM users WHERE id = %s", (user["id"],))
    assert row["failed_attempts"] == 0


def test_http_basic_authenticates_each_request(world: World) -> None:
    user = world.seed.user()
    token = base64.b64encode(f"{user['email']}:{PASSWORD}".encode()).decode()
    me = requests.get(
        world.server.base + "/api/v1/profile/me",
        timeout=30,
        headers={"Authorization": f"Basic {token}"},
    )
    assert me.status_code == 200 and me.json()["users"][0]["id"] == user["id"]
    assert "_loomio" not in me.cookies  # no session needed
    wrong = world.client(user).call("GET", "/api/v1/profile/me", auth=(user["email"], "x"))
    assert wrong[0] == 403  # a wrong Basic password is a visitor, not a 401


def test_logout_rotates_secret_token_and_ends_the_session(world: World) -> None:
    user = world.seed.user()
    session = requests.Session()
    assert _login(world, user["email"], PASSWORD, session).status_code == 200
    kept = dict(session.cookies)
    before = world.seed.one("SELECT secret_token FROM users WHERE id = %s", (user["id"],))
    out = session.delete(world.server.base + LOGIN, timeout=30)
    assert (out.status_code, out.json()) == (200, {"success": "ok"})
    after = world.seed.one("SELECT secret_token FROM users WHERE id = %s", (user["id"],))
    assert after["secret_token"] != before["secret_token"]
    me = session.get(world.server.base + "/api/v1/profile/me", timeout=30)
    assert me.status_code == 403  # the browser's cookie was deleted: a visitor again
    # Rails' cookie store keeps no session on the server: a copy of the old cookie still names
    # the user and their bcrypt salt, so it stays valid (Warden's serialize_from_session)
    replayed = requests.get(world.server.base + "/api/v1/profile/me", cookies=kept, timeout=30)
    assert replayed.status_code == 200


@pytest.mark.parametrize(
    "typed",
    ["{e}", "{E}", "  {e}  ", "\t{E}\n", "{Mixed}"],
    ids=["exact", "upper", "spaces", "tab-newline-upper", "mixed-case"],
)
def test_email_is_stripped_and_downcased_as_devise_does(world: World, typed: str) -> None:
    """config/initializers/devise.rb: case_insensitive_keys and strip_whitespace_keys [:email]."""
    user = world.seed.user()
    email = user["email"]
    given = typed.format(e=email, E=email.upper(), Mixed=email[:1].upper() + email[1:])
    assert _login(world, given, PASSWORD).status_code == 200
    token = base64.b64encode(f"{given}:{PASSWORD}".encode()).decode()
    me = requests.get(
        world.server.base + "/api/v1/profile/me",
        headers={"Authorization": f"Basic {token}"},
        timeout=30,
    )
    assert me.status_code == 200  # HTTP Basic goes through the same lookup


def test_deactivated_user_is_refused_with_devises_401(world: World) -> None:
    """Devise's activatable hook: the password is right, then `active_for_authentication?`
    is false: the failure app's 401 with devise.failure.inactive, wherever they sign in."""
    user = world.seed.user()
    session = requests.Session()
    assert _login(world, user["email"], PASSWORD, session).status_code == 200
    world.seed.one(
        "UPDATE users SET deactivated_at = now() WHERE id = %s RETURNING id", (user["id"],)
    )
    inactive = {"error": "Your account is not activated yet."}
    answer = _login(world, user["email"], PASSWORD)
    assert (answer.status_code, answer.json()) == (401, inactive)
    wrong = _login(world, user["email"], "nope")  # a wrong password fails before the hook
    assert (wrong.status_code, wrong.json()) == (401, _failure("invalid_password"))
    me = session.get(world.server.base + "/api/v1/profile/me", timeout=30)
    assert (me.status_code, me.json()) == (401, inactive)  # the old session too
    basic = world.client(user).call("GET", "/api/v1/profile/me")
    assert basic == (401, inactive)


def test_http_basic_refuses_an_unverified_user(world: World) -> None:
    """find_for_database_authentication looks among verified users only: a visitor."""
    user = world.seed.user(verified=False)
    assert world.client(user).call("GET", "/api/v1/profile/me")[0] == 403


def test_visitor_logout_still_answers_success(world: World) -> None:
    out = requests.delete(world.server.base + LOGIN, timeout=30)
    assert (out.status_code, out.json()) == (200, {"success": "ok"})
