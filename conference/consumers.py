"""``/ws/conferences/<id>/``: the live room.

On joining, an attendee receives the room's state as they may see it. Entries arrive the moment
they are saved; each consumer passes on only what its own member may see (the whole panel, their
agency when named, or the chair). A client that reconnects sends ``{"type": "resume",
"last_entry_id": N}`` and receives what it missed from the database.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from conference import selectors
from conference.models import Conference
from conference.rules import Viewer, viewer_may_see, viewer_of
from conference.services import room_group
from partnership.consumers import MemberConsumer
from partnership.models import Member
from partnership.permissions import can


def _load(conference_id: int) -> Conference | None:
    conference: Conference | None = Conference.objects.filter(pk=conference_id).first()
    return conference


class RoomConsumer(MemberConsumer):
    member: Member
    conference: Conference
    # Who this connection's member is in this conference, worked out when they join (and again
    # on every state change or resume), so each entry is checked without a database query.
    viewer: Viewer

    async def connect(self) -> None:
        user = self.scope.get("user")
        conference = await database_sync_to_async(_load)(
            int(self.scope["url_route"]["kwargs"]["pk"])
        )
        if conference is None or not await database_sync_to_async(can)(
            user, "conference.attend", conference
        ):
            await self.close(code=4403)
            return
        self.member, self.conference = user, conference
        self.viewer = await database_sync_to_async(viewer_of)(user, conference)
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

    async def room_event(self, message: dict[str, Any]) -> None:
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
