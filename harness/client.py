"""HTTP to one backend: a `requests.Session` per actor, logged in once, reused.

`BackendClient.send()` is the harness' only network call. Every request has a timeout.
Cookie auth logs an actor in on first use through `POST /api/v1/sessions` (Loomio allows
10 logins per hour per IP, so never per example) and echoes the `csrftoken` cookie as
`X-CSRF-Token` on writes (api-envelope.md §8.3). Basic auth sends credentials on every
request and never logs in. Visitors get a session whose cookies are dropped after each call.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.cookiejar
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3

from harness.actors import Actor
from harness.errors import HarnessError
from harness.events import BackendFailure, BackendGone, record_backend_failure, take_announced
from harness.http import ApiRequest, ApiResponse
from harness.redact import redact, redact_headers, register_secret

LOGIN_PATH = "/api/v1/sessions"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


class LoopbackCookieJar(requests.cookies.RequestsCookieJar):
    """Keeps `Secure` cookies of loopback backends usable over http, as browsers treat
    localhost as a secure context: a backend under test on 127.0.0.1 may mark its session
    cookie Secure. (requests copies the jar per request, so the flag is cleared on storing.)"""

    def set_cookie(self, cookie: http.cookiejar.Cookie, *args: Any, **kwargs: Any) -> None:
        if cookie.secure and cookie.domain.lstrip(".").removesuffix(".local") in LOOPBACK:
            cookie.secure = False
        super().set_cookie(cookie, *args, **kwargs)


def dropped(exc: requests.ConnectionError) -> bool:
    """The server closed a kept-alive connection without answering: the request raced its
    idle timeout (uvicorn's 5 s, Puma's 20 s; more often on a loaded machine), and was never
    read. A read is sent again once, on a new connection; a write is not (it may have been
    read), nor a connection refused (nothing listening: the liveness check says why)."""
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, urllib3.exceptions.ProtocolError)


class BackendFailed(HarnessError):
    """A backend did not answer in time; the failure is already recorded. (A backend that
    died or became unreachable raises `BackendGone`, which ends the run.)"""

    def __init__(self, failure: BackendFailure):
        self.failure = failure
        super().__init__(failure.message())


class LoginFailed(HarnessError):
    """An actor could not log in: the run cannot act as them."""


@dataclass(slots=True, kw_only=True)
class Liveness:
    """How a client learns about its backend when a request fails."""

    alive: Callable[[], bool] = lambda: True
    exit_code: Callable[[], int | None] = lambda: None
    log_tail: Callable[[], str] = lambda: ""
    log_path: str = ""


@dataclass(slots=True, kw_only=True)
class BackendClient:
    """Sessions of every actor on one backend, and `send`."""

    name: str
    base_url: str
    timeout: float
    auth: str = "cookie"
    liveness: Liveness = field(default_factory=Liveness)
    actors: dict[str, Actor] = field(default_factory=dict)
    # Called with (backend name, request, response) after every answer, e.g. the report's
    # coverage recorder: whichever suite sends a request, it counts.
    observers: list[Callable[[str, ApiRequest, ApiResponse], None]] = field(default_factory=list)
    # How an actor signs in (a recipe-seeded backend's own way); None: Loomio's sessions API.
    login: Callable[[Actor], ApiRequest] | None = None
    _sessions: dict[str | None, requests.Session] = field(default_factory=dict)
    in_flight: str | None = None  # the request being sent, for a death seen meanwhile
    gone: BackendFailure | None = None  # set once: the backend died or became unreachable
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_actors(self, actors: dict[str, Actor], *, auth: str | None = None) -> None:
        """Make actors known; `auth="basic"` for actors that must never log in."""
        for name, actor in actors.items():
            self.actors[name] = actor
            if (auth or self.auth) == "basic":
                session = requests.Session()
                session.auth = (actor.email, actor.password)
                self._sessions[name] = session

    def open_browser(
        self,
        key: str,
        *,
        basic: tuple[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> None:
        """A browser the suite drives itself (send with `ApiRequest(actor=key)`): a cookie jar
        the harness never signs in, so a suite can sign in through the API as a person does;
        with HTTP Basic credentials, or a copy of another browser's cookies (`cookies_of`).
        `remove_actors([key])` forgets it."""
        session = requests.Session()
        session.cookies = LoopbackCookieJar()
        if basic is not None:
            register_secret(basic[1])
            session.auth = basic
        for name, value in (cookies or {}).items():
            session.cookies.set(name, value)
        self._sessions[key] = session

    def cookies_of(self, key: str) -> dict[str, str]:
        """The cookies a browser (or signed-in actor) holds now, by name (values are secrets:
        registered, so they are masked wherever they appear)."""
        session = self._sessions.get(key)
        if session is None:
            raise HarnessError(f"no browser or signed-in actor {key!r} on {self.name}")
        held = {c.name: c.value for c in session.cookies if c.value}
        for value in held.values():
            register_secret(value)
        return held

    def remove_actors(self, names: list[str]) -> None:
        """Forget actors and close their sessions."""
        for name in names:
            self.actors.pop(name, None)
            session = self._sessions.pop(name, None)
            if session is not None:
                session.close()

    def send(self, request: ApiRequest) -> ApiResponse:
        """Send one request as its actor; BackendGone when the backend is gone (at once, once
        it is known to be), BackendFailed when it does not answer in time."""
        if self.gone is not None:
            take_announced()  # raised here: the liveness watch must not raise it again
            raise BackendGone(self.gone)
        session = self._session(request.actor, request)
        response = self._call(session, request)
        if request.actor is None:
            session.cookies.clear()  # a visitor stays a visitor
        for observe in self.observers:
            observe(self.name, request, response)
        return response

    def identity_headers(self, actor: str | None) -> dict[str, str]:
        """Headers that make a server see `actor` as this client does (a recording that is
        replayed elsewhere): HTTP Basic credentials, else the session cookies; none for a
        visitor."""
        session = self._sessions.get(actor) if actor is not None else None
        if session is None:
            return {}
        if isinstance(session.auth, tuple):
            user, password = session.auth
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            return {"Authorization": f"Basic {token}"}
        cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies if c.value)
        return {"Cookie": cookies} if cookies else {}

    def signed_in(self, actor: str) -> requests.Session:
        """The session of `actor`, signed in (once) the backend's way, for a caller that
        sends its own requests (schemathesis' cases)."""
        return self._session(actor, ApiRequest(method="GET", path="/", actor=actor))

    def close(self) -> None:
        for session in self._sessions.values():
            session.close()
        self._sessions.clear()

    def _session(self, actor: str | None, request: ApiRequest) -> requests.Session:
        if actor in self._sessions:
            return self._sessions[actor]
        session = requests.Session()
        session.cookies = LoopbackCookieJar()
        if actor is not None:
            if actor not in self.actors:
                known = ", ".join(sorted(self.actors)) or "none"
                raise HarnessError(f"unknown actor {actor!r} on {self.name} (known: {known})")
            self._login(session, self.actors[actor], request)
        self._sessions[actor] = session
        return session

    def _login(self, session: requests.Session, actor: Actor, cause: ApiRequest) -> None:
        if self.login is not None:
            login = self.login(actor)
        else:
            body = {"user": {"email": actor.email, "password": actor.password}}
            login = ApiRequest(
                method="POST", path=LOGIN_PATH, json=body, label=f"login {actor.name}"
            )
        answer = self._call(
            session, login, describe=f"login of {actor.name} before {cause.describe()}"
        )
        for cookie in session.cookies:
            if cookie.value:
                register_secret(cookie.value)
        if answer.status != 200:
            raise LoginFailed(
                f"{self.name}: {actor} could not log in: {login.method} {self.base_url}{login.path} "
                f"answered {answer.status}: {redact(answer.text[:300])}. Check the seeded user "
                "(email_verified, encrypted_password) or use --auth=basic."
            )

    def _call(
        self, session: requests.Session, request: ApiRequest, describe: str | None = None
    ) -> ApiResponse:
        headers = {"Accept": "application/json"}
        token = session.cookies.get("csrftoken")
        if token and request.method.upper() not in SAFE_METHODS:
            headers["X-CSRF-Token"] = token
        started = time.perf_counter()
        self.in_flight = describe or request.describe()
        send = functools.partial(
            session.request,
            request.method,
            self.base_url + request.path,
            params=list(request.params),
            json=request.json,
            headers=headers,
            timeout=self.timeout,
            allow_redirects=False,
        )
        try:
            try:
                answer = send()
            except requests.ConnectionError as exc:
                if request.method.upper() not in SAFE_METHODS or not dropped(exc):
                    raise
                answer = send()  # once, on a new connection: see `dropped`
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise self.failure(exc, describe or request.describe()) from None
        finally:
            self.in_flight = None
        elapsed = (time.perf_counter() - started) * 1000
        return ApiResponse(
            status=answer.status_code,
            headers=redact_headers(answer.headers.items()),  # Set-Cookie never leaves
            body=ApiResponse.decode(answer.text),
            text=answer.text,
            elapsed_ms=elapsed,
        )

    @contextlib.contextmanager
    def guard(self, what: str) -> Iterator[None]:
        """HTTP to this backend sent by other code (schemathesis' `case.call`): a connection
        error or timeout becomes BackendGone / BackendFailed as in `send`."""
        if self.gone is not None:
            take_announced()
            raise BackendGone(self.gone)
        try:
            yield
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise self.failure(exc, what) from None

    def failure(self, exc: Exception, what: str) -> BackendFailed | BackendGone:
        """What a connection error or timeout during `what` means; recorded (once)."""
        if isinstance(exc, requests.Timeout):
            return BackendFailed(
                self._record("timeout", what, f"no answer within {self.timeout:g}s")
            )
        time.sleep(0.2)  # let a dying process finish dying (and flush its log) before we look
        if self.liveness.alive():
            detail = f"connection failed ({type(exc).__name__}) but the server still runs"
            return self.died(what, "unreachable", detail)
        return self.died(what, "died", "the server process is gone")

    def died(self, what: str, kind: str, detail: str) -> BackendGone:
        """The backend is gone (recorded once), for the caller to raise."""
        failure, _ = self.mark_gone(what, kind, detail)
        take_announced()  # raised by the caller: the liveness watch must not raise it again
        return BackendGone(failure)

    def mark_gone(self, what: str, kind: str, detail: str) -> tuple[BackendFailure, bool]:
        """Record that the backend is gone, once (any thread): (the failure, whether new)."""
        with self._lock:
            if self.gone is not None:
                return self.gone, False
            self.gone = self._record(kind, what, detail)
            return self.gone, True

    def _record(self, kind: str, what: str, detail: str) -> BackendFailure:
        failure = BackendFailure(
            backend=self.name,
            kind=kind,  # type: ignore[arg-type]  # one of FailureKind by construction
            request=what,
            detail=f"{detail} ({self.base_url})",
            log_tail=self.liveness.log_tail(),
            log_path=self.liveness.log_path,
            exit_code=self.liveness.exit_code(),
        )
        record_backend_failure(failure)
        return failure
