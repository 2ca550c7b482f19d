"""Each member's live mark: a value in the shared cache (Redis) that changes whenever events are
numbered for the member, so that an open page's heartbeat resume can tell, without asking the
database, that nothing was numbered for them since it last asked.

Every open page resumes every 20 seconds (100 a second at 2,000 pages) and nearly every resume
finds nothing new. The mark is a hint, never the truth: the sender moves it after its events
commit; a socket trusts "unchanged" only when it read the mark *before* its last look at the
database (an event committed after that look moves the mark after that read), only while the
cache is shared by every process, and for at most ``TRUST_SECONDS`` (a mark the sender failed to
move, with its push lost too, delays an alert by at most that long). A mark that is missing
(Redis flushed or restarted, the key expired) is made afresh, so it differs from any a socket
remembers; a cache that errs gives no mark, and the socket asks the database.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

import structlog
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

log = structlog.get_logger(__name__)

MARK_SECONDS = 6 * 3600  # a mark not moved for this long is dropped (and made afresh when read)
TRUST_SECONDS = 60.0  # a socket asks the database at least this often whatever the mark says


def _key(member_id: int) -> str:
    return f"notifications.live_mark.{member_id}"


def _shared() -> bool:
    # A per-process cache (``make run`` without Redis) does not see marks moved by a sender in
    # another process (a worker): no mark then, and every resume asks the database.
    return isinstance(caches["default"], RedisCache)


def live_marks_move(member_ids: Iterable[int]) -> None:
    """The members' events were numbered and have committed: move their marks. Never raises (a
    mark not moved is bounded by ``TRUST_SECONDS``)."""
    marks = {_key(member_id): secrets.token_hex(8) for member_id in set(member_ids)}
    if not marks or not _shared():
        return
    try:
        cache.set_many(marks, timeout=MARK_SECONDS)
    except Exception as exc:  # Redis away: sockets fall back to the database within a minute
        log.warning("notifications.live_mark_failed", members=len(marks), error=type(exc).__name__)


def live_mark(member_id: int) -> str | None:
    """The member's mark now (made if there is none), or None when the cache cannot say."""
    if not _shared():
        return None
    key = _key(member_id)
    try:
        mark = cache.get(key)
        if mark is None:
            cache.add(key, secrets.token_hex(8), timeout=MARK_SECONDS)
            mark = cache.get(key)
    except Exception as exc:
        log.warning("notifications.live_mark_unread", error=type(exc).__name__)
        return None
    return mark if isinstance(mark, str) else None
