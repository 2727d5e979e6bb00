"""GET /api/v1/discussion_readers?discussion_id=: the thread's invited readers (guests)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from reference import db
from reference.api.common import page, respond
from reference.api.discussions import load_visible
from reference.web import Ctx, endpoint, record_not_found


def index(ctx: Ctx) -> Any:
    ident = ctx.param("discussion_id") or ctx.param("discussion_key")
    if ident in (None, ""):
        raise record_not_found("Discussion", "")
    discussion = load_visible(ctx, ident)
    ctx.scope["include_email"] = True
    where = "discussion_id = %s AND revoked_at IS NULL AND (guest OR inviter_id IS NOT NULL)"
    total = db.scalar(
        ctx.conn, f"SELECT count(*) FROM discussion_readers WHERE {where}", (discussion["id"],)
    )
    offset, per = page(ctx)
    rows = db.all_rows(
        ctx.conn,
        f"SELECT * FROM discussion_readers WHERE {where} ORDER BY id OFFSET {offset} LIMIT {per}",
        (discussion["id"],),
    )
    return respond(
        ctx, rows, serializer="discussion_reader", root="discussion_readers", total=total
    )


ROUTES = [Route("/api/v1/discussion_readers", endpoint(index), methods=["GET"])]
