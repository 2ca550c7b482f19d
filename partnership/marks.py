"""Marks: values in the shared cache (Redis) that change whenever something about a member
changes, so that a socket can tell, without asking the database, that nothing changed since it
last asked.

Two kinds use this one mechanism: the member's live mark (``notifications.live_marks``: events
were numbered for them) and their access mark (``partnership.access``: their credentials, roles,
partnerships or agency changed). A mark is a hint, never the truth:

- the writer moves it after its change commits, so a socket that read the mark *before* its last
  look at the database and finds it unchanged knows nothing committed since that look moved it;
- a mark that is missing (Redis flushed or restarted, the key expired) is made afresh, so it
  differs from any a socket remembers;
- a cache that errs gives no mark, and the socket asks the database;
- only a cache shared by every process is trusted (a per-process cache cannot see a mark moved by
  another process);
- a socket trusts "unchanged" for at most ``TRUST_SECONDS``, whatever the mark says: a change made
  behind the services' back (a bulk update, SQL by hand), which moves no mark, is noticed within
  that time.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import structlog
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

log = structlog.get_logger(__name__)

MARK_SECONDS = 6 * 3600  # a mark not moved for this long is dropped (and made afresh when read)
TRUST_SECONDS = 60.0  # a socket asks the database at least this often whatever the mark says


def shared() -> bool:
    return isinstance(caches["default"], RedisCache)


class Marks:
    """The marks of one kind, one per member, under keys ``<prefix>.<member id>``."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def key(self, member_id: int) -> str:
        return f"{self.prefix}.{member_id}"

    def move(self, member_ids: Iterable[int]) -> None:
        """The members' change has committed: move their marks. Never raises (a mark not moved
        is bounded by ``TRUST_SECONDS``)."""
        marks = {self.key(member_id): secrets.token_hex(8) for member_id in set(member_ids)}
        if not marks or not shared():
            return
        try:
            cache.set_many(marks, timeout=MARK_SECONDS)
        except Exception as exc:  # Redis away: sockets fall back to the database within a minute
            log.warning(
                "marks.move_failed", kind=self.prefix, members=len(marks), error=type(exc).__name__
            )

    def move_on_commit(self, member_ids: Iterable[int]) -> None:
        ids = set(member_ids)
        if ids:
            transaction.on_commit(lambda: self.move(ids))

    def read(self, member_id: int) -> str | None:
        """The member's mark now (made if there is none), or None when the cache cannot say."""
        if not shared():
            return None
        key = self.key(member_id)
        try:
            mark = cache.get(key)
            if mark is None:
                cache.add(key, secrets.token_hex(8), timeout=MARK_SECONDS)
                mark = cache.get(key)
        except Exception as exc:
            log.warning("marks.unread", kind=self.prefix, error=type(exc).__name__)
            return None
        return mark if isinstance(mark, str) else None
