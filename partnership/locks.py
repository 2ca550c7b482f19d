"""Transaction-scoped locks for work that has no row to lock yet."""

from __future__ import annotations

import hashlib

from django.db import connection


def advisory_xact_lock(name: str) -> None:
    """Serialise transactions on ``name`` until the caller's transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite needs none: every transaction begins
    IMMEDIATE (see settings), so writers are already serialised.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_xact_lock needs a transaction to scope the lock")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_key(name)])


def advisory_xact_lock_shared(name: str) -> None:
    """Like ``advisory_xact_lock``, shared: any number of holders at once, while a holder of
    ``advisory_xact_lock(name)`` waits for them all (and they for it)."""
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_xact_lock_shared needs a transaction to scope the lock")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_key(name)])


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def advisory_xact_locks(names: list[str]) -> None:
    """Several locks in one round trip, always taken in the same (sorted) order so that two
    transactions wanting overlapping sets cannot deadlock."""
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_xact_locks needs a transaction to scope the locks")
    if connection.vendor != "postgresql" or not names:
        return
    keys = sorted({_key(name) for name in names})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k ORDER BY k", [keys]
        )
