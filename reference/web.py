"""The request edge: one transaction per request, the caller, parameters, JSON and Rails errors.

Handlers are plain functions `handler(ctx: Ctx) -> Response | dict | list | None`; the
`endpoint` decorator reads the body on the event loop, runs the handler in a worker thread
inside one database transaction and turns `ApiError` into Loomio's error bodies.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from psycopg import Connection
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from reference import faults, live
from reference.db import Row

log = logging.getLogger("reference")

FORBIDDEN_BODY = {
    "exception": "CanCan::AccessDenied",
    "error": "You are not authorized to access this page.",
}

F_403_AS_404 = faults.declare(
    "forbidden_as_404", "status", "a record that exists but is hidden answers 404 instead of 403"
)
F_EXCLUDE_IGNORED = faults.declare(
    "exclude_types_ignored",
    "envelope",
    "exclude_types is ignored: every association and sideload is sent whatever the client asks",
)
F_422_FLAT = faults.declare(
    "validation_errors_flat",
    "status",
    "422 bodies list full sentences {'errors': ['Title can't be blank']} instead of field -> messages",
)


class ApiError(Exception):
    """Ends the request with `status` and JSON `body` (the transaction is rolled back)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


def forbidden() -> ApiError:
    if F_403_AS_404.on:
        return not_found("Couldn't find record")
    return ApiError(403, dict(FORBIDDEN_BODY))


def not_found(message: str) -> ApiError:
    return ApiError(404, {"exception": "ActiveRecord::RecordNotFound", "error": message})


def record_not_found(model: str, value: Any, column: str = "id") -> ApiError:
    return not_found(f"Couldn't find {model} with '{column}'={value}")


def param_missing(name: str) -> ApiError:
    return ApiError(
        400,
        {
            "exception": "ActionController::ParameterMissing",
            "error": f"param is missing or the value is empty: {name}",
        },
    )


def unpermitted(names: list[str]) -> ApiError:
    listed = ", ".join(f":{n}" for n in names)
    word = "parameter" if len(names) == 1 else "parameters"
    return ApiError(
        400,
        {
            "exception": "ActionController::UnpermittedParameters",
            "error": f"found unpermitted {word}: {listed}",
        },
    )


def invalid(errors: dict[str, list[str]]) -> ApiError:
    if F_422_FLAT.on:
        sentences = [
            f"{k.replace('_', ' ').capitalize()} {m}" for k, ms in errors.items() for m in ms
        ]
        return ApiError(422, {"errors": sentences})
    return ApiError(422, {"errors": errors})


def now() -> datetime:
    """Naive UTC now (Loomio stores `timestamp without time zone` in UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Ctx:
    """Everything a handler needs: the connection, the caller, the parameters, a record cache."""

    conn: Connection
    request: Request
    params: dict[str, Any]  # query string merged with the JSON body (body wins), like Rails
    user: Row | None  # None = visitor
    path_params: dict[str, Any]
    cache: dict[tuple[str, int], Row | None] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)  # per-request derived facts
    scope: dict[str, Any] = field(default_factory=dict)  # serializer scope flags
    set_cookies: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def user_id(self) -> int | None:
        return self.user["id"] if self.user else None

    @property
    def exclude_types(self) -> set[str]:
        value = self.scope.get("exclude_types")
        if value is None:
            # params[:exclude_types].to_s.split(' '): a non-string names no type.
            raw = self.params.get("exclude_types")
            value = set(raw.split()) if isinstance(raw, str) else set()
            if F_EXCLUDE_IGNORED.on:
                value = set()
            self.scope["exclude_types"] = value
        return value

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)

    def require(self, name: str) -> dict[str, Any]:
        """params.require(name): a non-empty hash under `name`, else 400 ParameterMissing."""
        value = self.params.get(name)
        if not isinstance(value, dict) or not value:
            raise param_missing(name)
        return value


# The shape each permitted key has in Loomio's PermittedParams: `{files: []}` permits an
# array of scalars, `{link_previews: [...]}` and the nested attributes hashes; every other
# key is a scalar permit (`:title`).
ARRAY_PARAMS = frozenset(
    {
        "files",
        "image_files",
        "attachments",
        "document_ids",
        "tags",
        "recipient_user_ids",
        "recipient_emails",
        "recipient_chatbot_ids",
        "forked_event_ids",
        "options",
        "poll_option_names",
    }
)
NESTED_PARAMS = frozenset(
    {"link_previews", "poll_options_attributes", "stance_choices_attributes", "option_scores"}
)


def permit(values: dict[str, Any], allowed: set[str] | frozenset[str]) -> dict[str, Any]:
    """Rails strong parameters configured to raise on unpermitted keys.

    A permitted key whose value has the wrong shape (a hash for `:max_depth`, `[{}]` for
    `tags: []`) is left out of the permitted hash, so Rails reports it as unpermitted too.
    """
    extra = [k for k, v in values.items() if k not in allowed or not _permitted_shape(k, v)]
    if extra:
        raise unpermitted(extra)
    return values


def _permitted_shape(name: str, value: Any) -> bool:
    if name in NESTED_PARAMS:
        return isinstance(value, dict | list)
    if name in ARRAY_PARAMS:
        return isinstance(value, list) and all(_scalar(v) for v in value)
    return _scalar(value)


def _scalar(value: Any) -> bool:
    """ActionController::Parameters::PERMITTED_SCALAR_TYPES, as JSON can send them."""
    return value is None or isinstance(value, str | int | float | bool)


def json_response(body: Any, status: int = 200) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        media_type="application/json; charset=utf-8",
    )


Handler = Callable[[Ctx], Any]


async def _read_params(request: Request) -> tuple[dict[str, Any], set[str]]:
    params: dict[str, Any] = {}
    body_keys: set[str] = set()
    for key, value in request.query_params.multi_items():
        name = key[:-2] if key.endswith("[]") else key
        if not name:  # Rack drops a parameter without a name (`=x`, `[]=x`)
            continue
        if name == key:
            params[key] = value
        elif isinstance(params.setdefault(name, []), list):
            params[name].append(value)
        else:  # `a=1&a[]=2`: Rack's ParameterTypeError, which Rails answers 400
            raise ApiError(400, {"status": 400, "error": "Bad Request"})
    body = await request.body()
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            raise ApiError(400, {"status": 400, "error": "Bad Request"}) from None
        if isinstance(data, dict):
            params.update(data)
            body_keys = set(data)
    return params, body_keys


def endpoint(handler: Handler, *, status: int = 200) -> Callable[[Request], Any]:
    """Wrap a handler into a Starlette endpoint (see module docstring)."""
    from reference import auth  # late: auth imports web

    async def run(request: Request) -> Response:
        app_state = request.app.state
        try:
            params, body_keys = await _read_params(request)
        except ApiError as exc:
            return json_response(exc.body, exc.status)

        route = request.scope.get("route")
        operation = f"{request.method} {getattr(route, 'path', request.url.path)}"

        def work() -> Response:
            with (
                faults.serving(operation),
                app_state.pool.connection() as conn,
                live.collecting() as publications,
            ):
                try:
                    with conn.transaction():
                        ctx = Ctx(conn, request, params, None, dict(request.path_params))
                        ctx.memo["json_body_keys"] = body_keys
                        ctx.user = auth.authenticate(ctx)
                        result = handler(ctx)
                        response = (
                            result
                            if isinstance(result, Response)
                            else json_response(result, status)
                        )
                    live.hand_over(publications)  # committed: Sidekiq may run the jobs now
                except ApiError as exc:
                    response = json_response(exc.body, exc.status)
                auth.write_cookies(ctx, response)
                return response

        try:
            return await run_in_threadpool(work)
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return json_response({"status": 500, "error": "Internal Server Error"}, 500)

    run.__name__ = handler.__name__
    return run
