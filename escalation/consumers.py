"""The co-ordinators' board, live: a push whenever an incident or one of its duties changes.

Pushes carry ids only; the page fetches the fresh board from the server, so a missed push costs
nothing but a moment (the page also refreshes on reconnect).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from escalation.services import BOARD_GROUP
from partnership.consumers import MemberConsumer
from partnership.permissions import can


class BoardConsumer(MemberConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        allowed = await database_sync_to_async(can)(user, "incident.board")
        if not allowed:
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(BOARD_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(BOARD_GROUP, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The board only listens; anything a client sends is ignored.
        return

    async def board_changed(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "board.changed", "incident_id": event["incident_id"], "state": event["state"]}
        )
