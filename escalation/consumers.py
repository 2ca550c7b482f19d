"""The co-ordinators' board, live: a push whenever an incident or one of its duties changes, or
a panel a higher app adds to the board (casework's community tension).

Pushes carry ids only; the page fetches the fresh board from the server, so a missed push costs
nothing but a moment (the page also refreshes on reconnect).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.http import Http404

from escalation.selectors import incident_for
from escalation.services import board_group
from partnership.consumers import CLOSE_FORBIDDEN, MemberConsumer
from partnership.models import Member
from partnership.permissions import can


def _board_of(user: object) -> str | None:
    """The board group of the partnership ``user`` works in, if they may watch its board."""
    if not can(user, "incident.board") or not isinstance(user, Member):  # type: ignore[arg-type]
        return None
    return board_group(user.partnership.pk) if user.partnership is not None else None


class BoardConsumer(MemberConsumer):
    member: Member
    group: str = ""

    async def connect(self) -> None:
        user = self.scope.get("user")
        group = await database_sync_to_async(_board_of)(user)
        if group is None or not isinstance(user, Member):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.member, self.group = user, group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The board only listens; anything a client sends is ignored.
        return

    def _may_see(self, incident_id: int) -> bool:
        # Asked again on every push, by the one incident lookup (the rule the board page's rows
        # are filtered by): a push about an incident the member may not see is not sent, not
        # even its id and state.
        try:
            incident_for(self.member, incident_id)
        except Http404:
            return False
        return True

    async def board_panel(self, event: dict[str, Any]) -> None:
        # A panel of a higher app (casework: tension): only to a member its rule lets see it,
        # asked again on every push.
        if not await database_sync_to_async(can)(self.member, event["rule"]):
            return
        await self.send_json({"type": "board.panel", "panel": event["panel"]})

    async def board_changed(self, event: dict[str, Any]) -> None:
        if not await database_sync_to_async(self._may_see)(event["incident_id"]):
            return
        await self.send_json(
            {"type": "board.changed", "incident_id": event["incident_id"], "state": event["state"]}
        )
