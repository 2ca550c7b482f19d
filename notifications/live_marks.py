"""Each member's live mark (``partnership.marks``): it changes whenever events are numbered for
the member, so that an open page's heartbeat resume can tell, without asking the database, that
nothing was numbered for them since it last asked.

Every open page resumes every 20 seconds (100 a second at 2,000 pages) and nearly every resume
finds nothing new. The sender moves the mark after its events commit; a mark the sender failed to
move, with its push lost too, delays an alert by at most ``partnership.marks.TRUST_SECONDS``.
"""

from __future__ import annotations

from collections.abc import Iterable

from partnership.marks import Marks

LIVE = Marks("notifications.live_mark")


def live_marks_move(member_ids: Iterable[int]) -> None:
    """The members' events were numbered and have committed: move their marks."""
    LIVE.move(member_ids)


def live_mark(member_id: int) -> str | None:
    """The member's live mark now, or None when the cache cannot say."""
    return LIVE.read(member_id)
