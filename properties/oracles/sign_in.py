"""What Loomio answers on each sign-in path (pure): Devise 4.9 as Loomio configures it.

Sources: app/controllers/api/v1/sessions_controller.rb (create: `warden.authenticate`, 401
with `failure_message` when it gives no user), config/initializers/devise.rb
(`case_insensitive_keys`, `strip_whitespace_keys` [:email], `http_authenticatable = true`),
app/models/user.rb (`find_for_database_authentication` among `email_verified` users,
`active_for_authentication?` false once deactivated), Devise's activatable hook (a
deactivated user the strategy found is refused by the failure app: 401 `{"error":
"Your account is not activated yet."}`), Rails' cookie store (a copy of the session cookie
taken before sign-out still names the user and their password salt). api-envelope.md 8.1.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from harness.actors import TYPINGS

ACCOUNTS = ("verified", "unverified", "deactivated")
VIAS = ("session", "basic")
INVALID = "401 invalid_password"
INACTIVE = "401 inactive"
SIGNED_IN = "200"
VISITOR = "403"  # GET /profile/me refuses a visitor (CanCan, 403 for everyone)


@dataclass(frozen=True, slots=True)
class SignInPath:
    """One way a person tries to sign in: the account's state, how the email is typed,
    whether the password is right, and how (a session, or HTTP Basic on each request)."""

    account: str
    typing: str
    right: bool
    via: str

    def __str__(self) -> str:
        password = "right" if self.right else "wrong"
        return f"{self.account} account, email typed {self.typing}, {password} password, {self.via}"


@dataclass(frozen=True, slots=True)
class Expected:
    """The answers of a path, as `status` or `status kind`: the sign-in (a session's POST,
    or Basic's GET /profile/me), and for a session that signed in: profile/me with its
    cookie, the sign-out, profile/me after it, profile/me with the cookie kept from before."""

    sign_in: str
    signed_in: str = ""
    sign_out: str = ""
    after_sign_out: str = ""
    kept_cookie: str = ""


def paths() -> tuple[SignInPath, ...]:
    """Every typing for the verified account; exact and upper for the others (their refusal
    does not depend on the typing, the lookup does)."""
    found = []
    for account, right, via in itertools.product(ACCOUNTS, (True, False), VIAS):
        typings = TYPINGS if account == "verified" else ("exact", "upper")
        found += [SignInPath(account, typing, right, via) for typing in typings]
    return tuple(found)


def expect(path: SignInPath) -> Expected:
    """The answers Loomio gives on `path` (the typing never matters: Devise strips and
    downcases the email before the lookup)."""
    found = path.account != "unverified" and path.right  # the strategy finds and checks
    if path.via == "basic":
        if not found:
            return Expected(VISITOR)  # no user: a visitor, refused by the ability
        return Expected(INACTIVE if path.account == "deactivated" else SIGNED_IN)
    if not found:
        return Expected(INVALID, signed_in=VISITOR)
    if path.account == "deactivated":
        return Expected(INACTIVE, signed_in=VISITOR)
    return Expected(
        SIGNED_IN,
        signed_in=SIGNED_IN,
        sign_out=SIGNED_IN,
        after_sign_out=VISITOR,
        kept_cookie=SIGNED_IN,
    )


def answer_kind(status: int, body: object) -> str:
    """`status`, with the kind of a 401 (`invalid_password`, `account_locked`, `inactive`)."""
    if status != 401 or not isinstance(body, dict):
        return str(status)
    errors = body.get("errors")
    if isinstance(errors, dict) and isinstance(errors.get("password"), list) and errors["password"]:
        return f"401 {str(errors['password'][0]).removeprefix('auth_form.')}"
    if body.get("error") == "Your account is not activated yet.":
        return INACTIVE
    return f"401 {str(body.get('error', ''))[:40]}".rstrip()
