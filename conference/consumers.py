"""``/ws/conferences/<id>/``: the live room.

On joining, an attendee receives the room's state as they may see it. Entries arrive the moment
they are saved; each consumer passes on only what its own member may see (the whole panel, their
agency when named, or the chair). A client that reconnects sends ``{"type": "resume",
"last_entry_id": N}`` and receives what it missed from the database.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from conference import selectors
from conference.models import Conference
from conference.rules import Viewer, viewer_may_see, viewer_of
from conference.services import room_group
from partnership.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, LiveRoomConsumer
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


# Entries pushed to an open room are checked against what the connection worked out when it last
# asked the database; it asks again at most this often (and before every message the client
# sends), so a member removed from the conference stops receiving within this many seconds.
RECHECK_SECONDS = 5.0


class RoomConsumer(LiveRoomConsumer):
    """A conference's room on the one live-room mechanism (``partnership.consumers``)."""

    room: Conference
    # Who this connection's member is in this conference, worked out when they join (and again
    # on every state change or resume), so each entry is checked without a database query.
    viewer: Viewer

    def room_join(self, user: object, pk: int) -> Conference | int:
        return _joinable(user, pk)

    def room_group(self) -> str:
        return room_group(self.room.pk)

    def room_enter(self) -> None:
        self.viewer = viewer_of(self.member, self.room)

    def room_state(self) -> dict[str, Any]:
        return selectors.room_state(self.member, self.room)

    def room_entries_after(self, last: int) -> list[dict[str, Any]]:
        return selectors.entries_visible(self.member, self.room, after=last)

    def entry_visible(self, event: dict[str, Any]) -> bool:
        return viewer_may_see(
            self.viewer,
            visibility=event["visibility"],
            agency_ids=event["agency_ids"],
            author_id=event["author_id"],
        )

    def recheck_seconds(self) -> float:
        return RECHECK_SECONDS
