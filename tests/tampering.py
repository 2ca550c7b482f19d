"""Changing the timeline behind the application's back, as a DBA could: for the tests that show
the tampering is found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import connection


def behind_the_back(sql: str, params: Sequence[str | int | datetime] = ()) -> None:
    """Run ``sql`` past the append-only trigger (disabled for this session, which needs a
    superuser on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, list(params))
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")
