"""``/ws/conferences/<id>/``: the live room.

On joining, an attendee receives the room's state as they may see it. Entries arrive the moment
they are saved; each consumer passes on only what its own member may see (the whole panel, their
agency when named, or the chair). A client that reconnects sends ``{"type": "resume",
"last_entry_id": N}`` and receives what it missed from the database.
"""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async
from django.http import Http404

from conference import selectors
from conference.models import Conference
from conference.rules import Viewer, viewer_may_see, viewer_of
from conference.services import room_group
from partnership.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, MemberConsumer
from partnership.models import Member
from partnership.permissions import can


def _joinable(user: object, conference_id: int) -> Conference | int:
    """The conference this user may join, or the close code that refuses them: the same lookup
    as the room's page and API, so the socket cannot tell apart what they do not."""
    if not isinstance(user, Member):
        return CLOSE_FORBIDDEN
    try:
        conference = selectors.conference_for(user, conference_id)
    except Http404:
        return CLOSE_NOT_FOUND
    return conference if can(user, "conference.attend", conference) else CLOSE_FORBIDDEN


def _rejoinable(member_id: int, conference_id: int) -> tuple[Member, Conference] | int:
    member = Member.objects.select_related("agency").filter(pk=member_id).first()
    joinable = _joinable(member, conference_id)
    if isinstance(joinable, int):
        return joinable
    assert member is not None  # noqa: S101 (_joinable refuses anyone else)
    return member, joinable


# Entries pushed to an open room are checked against what the connection worked out when it last
# asked the database; it asks again at most this often (and before every message the client
# sends), so a member removed from the conference stops receiving within this many seconds.
RECHECK_SECONDS = 5.0


class RoomConsumer(MemberConsumer):
    member: Member
    conference: Conference
    # Who this connection's member is in this conference, worked out when they join (and again
    # on every state change or resume), so each entry is checked without a database query.
    viewer: Viewer
    checked_at: float

    async def connect(self) -> None:
        user = self.scope.get("user")
        conference = await database_sync_to_async(_joinable)(
            user, int(self.scope["url_route"]["kwargs"]["pk"])
        )
        if isinstance(conference, int):
            await self.close(code=conference)
            return
        self.member, self.conference = user, conference
        self.viewer = await database_sync_to_async(viewer_of)(user, conference)
        self.checked_at = time.monotonic()
        await self.channel_layer.group_add(room_group(conference.pk), self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(selectors.room_state)(user, conference))

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "conference"):
            await self.channel_layer.group_discard(
                room_group(self.conference.pk), self.channel_name
            )

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "resume":
            await self.send_json(
                {"type": "error", "detail": "Send a resume; entries are made through the page."}
            )
            return
        last = content.get("last_entry_id", 0)
        if not isinstance(last, int) or isinstance(last, bool) or last < 0:
            await self.send_json(
                {"type": "error", "detail": "last_entry_id must be a whole number."}
            )
            return
        state = await database_sync_to_async(self._resume)(last)
        await self.send_json(state)

    def _resume(self, last: int) -> dict[str, Any]:
        self.conference.refresh_from_db()
        self.viewer = viewer_of(self.member, self.conference)
        state = selectors.room_state(self.member, self.conference)
        state["entries"] = selectors.entries_visible(self.member, self.conference, after=last)
        state["type"] = "resumed"
        return state

    async def still_allowed(self) -> int | None:
        """The room's own door again, with the member as they are now: removed from the invitees
        or their agency's access withdrawn, they are refused (4404 or 4403, as on joining)."""
        joinable = await database_sync_to_async(_rejoinable)(self.member.pk, self.conference.pk)
        self.checked_at = time.monotonic()
        if isinstance(joinable, int):
            return joinable
        self.member, self.conference = joinable
        self.viewer = await database_sync_to_async(viewer_of)(self.member, self.conference)
        return None

    async def room_event(self, message: dict[str, Any]) -> None:
        if self.signed_out:
            return
        if time.monotonic() - self.checked_at > RECHECK_SECONDS and not await self.checks_hold():
            return
        event = message["event"]
        if event["type"] == "entry":
            allowed = viewer_may_see(
                self.viewer,
                visibility=event["visibility"],
                agency_ids=event["agency_ids"],
                author_id=event["author_id"],
            )
            if allowed:
                await self.send_json(event)
            return
        # Agenda moves, attendance, conclusion: send the fresh state (what this member may see).
        self.conference = await database_sync_to_async(
            lambda: Conference.objects.get(pk=self.conference.pk)
        )()
        self.viewer = await database_sync_to_async(viewer_of)(self.member, self.conference)
        state = await database_sync_to_async(selectors.room_state)(self.member, self.conference)
        state["type"] = "state"
        await self.send_json(state)
