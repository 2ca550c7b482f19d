"""The floor of ``bench.conference_room``: one room's fan-out through bare Channels, nothing else.

``bench.floor_asgi`` gives each client a group of its own and sends to each in turn, the shape of
the product's alerts (one group per member). A conference room has another shape: every attendee's
consumer is in one group, the conference's, and an entry is one ``group_send`` to it, after which
each consumer decides for itself whether to pass it on. This floor has that shape and none of the
deciding:

- ``ws://…/ws/room/``: an ``AsyncJsonWebsocketConsumer`` that joins the group ``room``, says
  ``{"type": "hello"}`` once it has joined, and forwards each event it receives, as it is.
- ``POST /fire`` with ``{"payload": {…}}``: one ``group_send`` of the payload to ``room``, then
  answers 200. In that order because the product does the same: the room push runs when the
  entry's transaction commits, inside the request, before its response is written.
- ``GET /healthz`` answers 200.

It uses ``bench.floor_asgi``'s settings (the product's ``channels_redis`` capacity and expiry, on
``FLOOR_REDIS_URL``), shares no code with the product, touches no database and records nothing.
``bench.conference_room`` serves it as::

    FLOOR_REDIS_URL=redis://127.0.0.1:6379/13 \
        daphne -b 127.0.0.1 -p PORT bench.floor_room_asgi:application

Django is configured only when Daphne asks for ``application``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

GROUP = "room"


def _build() -> Any:
    from bench.floor_asgi import _configure

    _configure()
    from channels.generic.websocket import AsyncJsonWebsocketConsumer
    from channels.layers import get_channel_layer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    class RoomFloorConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
        joined = False

        async def connect(self) -> None:
            await self.accept()
            await self.channel_layer.group_add(GROUP, self.channel_name)
            self.joined = True
            await self.send_json({"type": "hello"})

        async def disconnect(self, code: int) -> None:
            if self.joined:
                await self.channel_layer.group_discard(GROUP, self.channel_name)

        async def room_event(self, message: dict[str, Any]) -> None:
            await self.send_json(message["event"])

    async def respond(send: Any, status: int, body: bytes) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def http(scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] == "GET" and scope["path"] == "/healthz":
            await respond(send, 200, b'{"status": "ok"}')
            return
        if scope["method"] != "POST" or scope["path"] != "/fire":
            await respond(send, 404, b'{"detail": "POST /fire or GET /healthz"}')
            return
        try:
            payload = dict(json.loads(body)["payload"])
        except (ValueError, KeyError, TypeError):
            await respond(send, 400, b'{"detail": "send {\\"payload\\": {}}"}')
            return
        await get_channel_layer().group_send(GROUP, {"type": "room.event", "event": payload})
        await respond(send, 200, b'{"sent": 1}')

    return ProtocolTypeRouter(
        {
            "http": http,
            "websocket": URLRouter([path("ws/room/", RoomFloorConsumer.as_asgi())]),
        }
    )


_application: Any = None


def __getattr__(name: str) -> Any:
    global _application
    if name != "application":
        raise AttributeError(name)
    if _application is None:
        _application = _build()
    return _application


def main(argv: Sequence[str] | None = None) -> int:
    """Not a benchmark by itself: ``bench.conference_room`` serves it."""
    print(
        "bench.floor_room_asgi is served by bench.conference_room; nothing to run.", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
