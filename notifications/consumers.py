"""``/ws/alerts/``: every notification for the signed-in member, live, with replay.

Each event carries an increasing ``id`` and the ``previous`` event's id for the same member (so a
client can tell a gap from an event it has simply not been sent yet). A client sends
``{"type": "resume", "last_event_id": N}`` when it (re)connects, from time to time, and on seeing
a gap; it then receives, from the database, every event after N. So a dropped connection, a
restarted Daphne or Redis being away delays an alert, never loses it. Events are kept for
``LIVE_REPLAY_RETENTION_HOURS`` (``partnership.replay``, which keeps each member's newest): when
the first event replayed names a ``previous`` that is no longer there, the page was away longer
than that, and is first sent ``{"type": "skipped", "up_to": P, "unread": U}`` (the events up to P
are only in the inbox now) rather than being left to ask for them again and again. A client may
also send ``{"type": "acknowledge", "notification_id": N}``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import structlog
from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from notifications import live_marks
from notifications.dispatch import member_group, unread_count
from notifications.models import LiveEvent, Notification, NotificationState
from notifications.services import notification_acknowledge
from partnership import marks
from partnership.consumers import CLOSE_FORBIDDEN, MemberConsumer, socket_db
from partnership.errors import ConflictError
from partnership.models import Member
from partnership.permissions import can

log = structlog.get_logger(__name__)
REPLAY_LIMIT = 500


# Every open page resumes every 20 seconds (100 a second at 2,000 pages), and nearly every
# resume finds nothing new: these two statements are written out rather than built by the ORM,
# whose compiling cost more than the queries themselves (the events on the ``(member, id)``
# index; the unread count as ``unread_count``).
_EVENTS_AFTER = (
    f"SELECT id, payload FROM {LiveEvent._meta.db_table}"  # noqa: S608 (our own table names)
    " WHERE member_id = %s AND id > %s ORDER BY id LIMIT %s"
)
_UNREAD = (
    f"SELECT count(*) FROM {Notification._meta.db_table}"  # noqa: S608
    " WHERE recipient_id = %s AND state = %s"
)


def _replay(member_id: int, last_event_id: int) -> tuple[list[dict[str, Any]], int]:
    """The member's events after ``last_event_id`` and their unread count, in one trip to the
    database thread."""
    with connection.cursor() as cursor:
        cursor.execute(_EVENTS_AFTER, [member_id, last_event_id, REPLAY_LIMIT])
        rows = cursor.fetchall()
        cursor.execute(_UNREAD, [member_id, NotificationState.OPEN])
        (unread,) = cursor.fetchone()
    return [
        dict(payload if isinstance(payload, dict) else json.loads(payload), id=pk)
        for pk, payload in rows
    ], int(unread)


def _hello(member_id: int) -> dict[str, Any]:
    latest = (
        LiveEvent.objects.filter(member_id=member_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return {"type": "hello", "unread": unread_count(member_id), "last_event_id": latest or 0}


@dataclass(frozen=True)
class _LastLook:
    """What this socket's last look at the database found, and the member's live mark read just
    before it (``notifications.live_marks``)."""

    mark: str
    latest: int  # the member's latest event id then
    unread: int
    at: float  # time.monotonic()


class AlertsConsumer(MemberConsumer):
    member: Member
    last_look: _LastLook | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await socket_db(can)(user, "alerts.receive"):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.member = user
        await self.accept()
        await self._join()
        await self.send_json(await socket_db(_hello)(self.member.pk))

    def allowed_now(self, member: Member) -> int | None:
        return None if can(member, "alerts.receive") else CLOSE_FORBIDDEN

    async def _join(self) -> bool:
        # Redis may be away: the socket still serves replays, and each resume tries again.
        try:
            await self.channel_layer.group_add(member_group(self.member.pk), self.channel_name)
        except Exception as exc:
            log.warning("alerts.join_failed", error=type(exc).__name__)
            return False
        return True

    async def disconnect(self, code: int) -> None:
        member = getattr(self, "member", None)
        if member is not None:
            try:
                await self.channel_layer.group_discard(member_group(member.pk), self.channel_name)
            except Exception as exc:
                log.warning("alerts.leave_failed", error=type(exc).__name__)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "resume":
            last = content.get("last_event_id", 0)
            if not isinstance(last, int) or isinstance(last, bool) or last < 0:
                await self._error("last_event_id must be a whole number of at least 0.")
                return
            await self._join()
            events, unread = await socket_db(self._resume)(last)
            if events and events[0].get("previous", 0) > last:
                # The member's event before the first kept after ``last`` was pruned (a later
                # number commits after an earlier one, so it is not merely late).
                await self.send_json(
                    {"type": "skipped", "up_to": events[0]["previous"], "unread": unread}
                )
            for event in events:
                await self.send_json(event)
            await self.send_json({"type": "resumed", "unread": unread})
        elif kind == "acknowledge":
            pk = content.get("notification_id")
            if not isinstance(pk, int) or isinstance(pk, bool):
                await self._error("notification_id must be a whole number.")
                return
            try:
                await database_sync_to_async(notification_acknowledge)(
                    member=self.member, notification_id=pk, via="websocket"
                )
            except (ConflictError, PermissionDenied, ValidationError) as exc:
                await self._error(" ".join(getattr(exc, "messages", [str(exc)])))
        else:
            await self._error("Unknown message: send a resume or an acknowledge.")

    def _resume(self, last: int) -> tuple[list[dict[str, Any]], int]:
        """The events after ``last`` and the unread count: from the database, unless the member's
        live mark is the one read before this socket's last look, that look was recent, and the
        client has everything it found (then nothing is new, and the unread count is the same)."""
        mark = live_marks.live_mark(self.member.pk)
        look = self.last_look
        if (
            look is not None
            and mark == look.mark
            and last >= look.latest
            and time.monotonic() - look.at < marks.TRUST_SECONDS
        ):
            return [], look.unread
        events, unread = _replay(self.member.pk, last)
        complete = len(events) < REPLAY_LIMIT
        self.last_look = (
            _LastLook(mark, events[-1]["id"] if events else last, unread, time.monotonic())
            if mark is not None and complete
            else None
        )
        return events, unread

    async def _error(self, detail: str) -> None:
        await self.send_json({"type": "error", "detail": detail})

    async def alert_event(self, event: dict[str, Any]) -> None:
        await self.send_json(event["payload"])
