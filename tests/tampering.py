"""Changing the timeline behind the application's back, as a DBA could: for the tests that show
the tampering is found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection

from partnership.timeline import TIMELINE, event_hash


def behind_the_back(sql: str, params: Sequence[str | int | datetime] = ()) -> None:
    """Run ``sql`` past the append-only trigger (disabled for this session, which needs a
    superuser on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, list(params))
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def rewritten_from(chain: int | None, seq: int, sql: str, params: Sequence[str | int]) -> None:
    """A forger with SQL access: change an event of ``chain`` (a partnership's id) with ``sql``,
    then recompute its hash and every later one's so the chain links up again."""
    behind_the_back(sql, params)
    prev = TIMELINE.rows_of(chain).get(seq=seq - 1).hash
    for event in TIMELINE.rows_of(chain).filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = prev
        prev = event_hash(event)
        behind_the_back(
            "UPDATE partnership_auditevent SET prev_hash = %s, hash = %s WHERE id = %s",
            [event.prev_hash, prev, event.pk],
        )
