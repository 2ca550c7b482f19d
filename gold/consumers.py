"""``/ws/gold-groups/<id>/``: a gold group's live room, on the one live-room mechanism
(``partnership.consumers.LiveRoomConsumer``). Its entries are the group's decisions (every member
of the group sees every decision); any other change (what a party shares, the communications plan,
a decision superseded) sends the room's state again, as its members may see it, after asking the
room's door again (so a member who has lost the room is refused, not sent it)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from gold import selectors
from gold.models import GoldGroup
from gold.services.decisions import decision_payload
from gold.services.groups import group_room
from partnership.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, LiveRoomConsumer
from partnership.models import Member


def _joinable(user: object, group_id: int) -> GoldGroup | int:
    if not isinstance(user, Member):
        return CLOSE_FORBIDDEN
    try:
        return selectors.group_for(user, group_id)
    except Http404:
        return CLOSE_NOT_FOUND


def room_state(member: Member, group: GoldGroup) -> dict[str, Any]:
    """What a (re)joining member needs: the group, its members, what each party shares as this
    member may see it, and every decision."""
    shares = {side.partnership.name: sorted(side.shares) for side in group.sides.all()}
    return {
        "type": "state",
        "group": {
            "id": group.pk,
            "title": group.title,
            "state": group.state,
            "stood_down_at": group.stood_down_at.isoformat() if group.stood_down_at else None,
            "stand_down_reason": group.stand_down_reason,
        },
        "members": [
            {
                "member": str(seat.member),
                "agency": str(seat.member.agency),
                "partnership": seat.partnership.name,
            }
            for seat in group.seats.select_related("member__agency", "partnership")
        ],
        "shares": shares,
        # The communications plan and the shared incidents are drawn by the page (per member:
        # who may approve or send, what each party shows them); a change of this makes it
        # fetch them again, on a push or on a resume after a reconnection alike.
        "parts_version": selectors.room_parts_version(group),
        "entries": [decision_payload(d) for d in selectors.decisions_of(group)],
    }


class GoldRoomConsumer(LiveRoomConsumer):
    room: GoldGroup

    def room_join(self, user: object, pk: int) -> GoldGroup | int:
        return _joinable(user, pk)

    def room_group(self) -> str:
        return group_room(self.room.pk)

    def room_state(self) -> dict[str, Any]:
        return room_state(self.member, self.room)

    def room_entries_after(self, last: int) -> list[dict[str, Any]]:
        return [decision_payload(d) for d in selectors.decisions_of(self.room) if d.pk > last]
