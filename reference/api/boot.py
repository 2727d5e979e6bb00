"""GET /api/v1/boot/site: the site configuration, the user's boot payload, a channel token.

The token (the user's secret_token, else random hex) is stored in Redis at
`/current_users/<token>` as {"name", "group_ids", "id"}: the channel server looks it up when
a socket connects (realtime.md sections 2 and 3). `boot/user` is routed without an action
(the catch-all 404).
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.routing import Route

from reference import db, live
from reference.api.sessions import boot_payload
from reference.web import Ctx, endpoint

SITE = {"version": "3.0.0", "environment": "production"}


def site(ctx: Ctx) -> Any:
    user = ctx.user
    token = str(user["secret_token"]) if user and user["secret_token"] else secrets.token_hex(16)
    group_ids = (
        [
            r["group_id"]
            for r in db.all_rows(
                ctx.conn,
                "SELECT group_id FROM memberships WHERE user_id = %s AND revoked_at IS NULL "
                "ORDER BY group_id",
                (user["id"],),
            )
        ]
        if user
        else []
    )
    entry = {"name": user["name"] if user else None, "group_ids": group_ids, "id": ctx.user_id}
    live.store(f"/current_users/{token}", json.dumps(entry, separators=(",", ":")))
    if user is None:
        payload = {
            "users": [],
            "current_user_id": None,
            "pending_identity": {},
            "flash": {},
        }
    else:
        payload = boot_payload(ctx, user)
    return {**SITE, **payload, "channel_token": token}


ROUTES = [Route("/api/v1/boot/site", endpoint(site), methods=["GET"])]
