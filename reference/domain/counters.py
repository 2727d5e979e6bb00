"""Loomio's counter caches on groups and users, recomputed after the writes that move them."""

from __future__ import annotations

from psycopg import Connection

from reference.domain.threading import has_polls


def refresh_group(conn: Connection, group_id: int | None) -> None:
    """memberships/admin/pending/discussions/... counts of one group (and its parent's subgroups_count)."""
    if group_id is None:
        return
    polls = (
        """, polls_count = (SELECT count(*) FROM polls WHERE group_id = g.id AND discarded_at IS NULL),
             closed_polls_count = (SELECT count(*) FROM polls WHERE group_id = g.id AND discarded_at IS NULL
                                   AND closed_at IS NOT NULL)"""
        if has_polls(conn)
        else ""
    )
    conn.execute(
        f"""UPDATE groups g SET
              memberships_count = (SELECT count(*) FROM memberships WHERE group_id = g.id AND revoked_at IS NULL),
              admin_memberships_count = (SELECT count(*) FROM memberships WHERE group_id = g.id
                                         AND revoked_at IS NULL AND admin),
              pending_memberships_count = (SELECT count(*) FROM memberships WHERE group_id = g.id
                                           AND revoked_at IS NULL AND accepted_at IS NULL),
              delegates_count = (SELECT count(*) FROM memberships WHERE group_id = g.id
                                 AND revoked_at IS NULL AND delegate),
              discussions_count = (SELECT count(*) FROM discussions WHERE group_id = g.id AND discarded_at IS NULL),
              public_discussions_count = (SELECT count(*) FROM discussions WHERE group_id = g.id
                                          AND discarded_at IS NULL AND NOT private),
              open_discussions_count = (SELECT count(*) FROM discussions WHERE group_id = g.id
                                        AND discarded_at IS NULL AND closed_at IS NULL),
              closed_discussions_count = (SELECT count(*) FROM discussions WHERE group_id = g.id
                                          AND discarded_at IS NULL AND closed_at IS NOT NULL),
              subgroups_count = (SELECT count(*) FROM groups s WHERE s.parent_id = g.id AND s.archived_at IS NULL)
              {polls}
            WHERE g.id = %s OR g.id = (SELECT parent_id FROM groups WHERE id = %s)""",
        (group_id, group_id),
    )


def refresh_user(conn: Connection, user_id: int | None) -> None:
    if user_id is None:
        return
    conn.execute(
        """UPDATE users u SET memberships_count = (SELECT count(*) FROM memberships
             WHERE user_id = u.id AND revoked_at IS NULL) WHERE u.id = %s""",
        (user_id,),
    )
