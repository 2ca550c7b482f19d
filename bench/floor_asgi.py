"""The floor of ``bench.live_alerts``: the same fan-out through bare Channels, nothing else.

A minimal ASGI application that shares no code with the product (none of its settings,
middleware, consumers, models or database): Channels' ``ProtocolTypeRouter`` over the same
``channels_redis`` layer (the product's capacity and expiry, and no client-side read timeout:
see ``_configure``), served by the same Daphne.

- ``ws://…/ws/floor/<n>/``: an ``AsyncJsonWebsocketConsumer`` that joins the group ``floor.<n>``,
  says ``{"type": "hello"}`` once it has joined, and forwards each group message's payload as
  JSON, as the product's alerts consumer does for a member's group.
- ``POST /fire`` with ``{"clients": N, "payload": {…}}``: answers 200, then ``group_send``s the
  payload to ``floor.1`` … ``floor.N`` one after another (one group per client, as the product has
  one group per member); with ``"numbers": [n, …]`` (``bench.surge``), to those groups instead.
  The sends start as the answer goes out, as the product's sender thread starts when the
  declaring transaction commits, just before its answer; sending before answering would put the
  whole fan-out before the benchmark's clock starts.
- ``GET /healthz`` answers 200.

Nothing is written anywhere, nothing is numbered or recorded: whatever the product takes beyond
this is the product's own cost. ``bench.live_alerts`` serves it as::

    FLOOR_REDIS_URL=redis://127.0.0.1:6379/10 \
        daphne -b 127.0.0.1 -p PORT bench.floor_asgi:application

Django is configured only when Daphne asks for ``application``, so importing this module (as
``python -m bench`` does with every module) changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

CAPACITY = 1000  # as the product's channel layer
EXPIRY = 60


def _configure() -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="floor-benchmark-not-a-secret",  # noqa: S106 (nothing is signed)
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        INSTALLED_APPS=["channels"],
        USE_TZ=True,
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [
                        {
                            "address": os.environ.get(
                                "FLOOR_REDIS_URL", "redis://127.0.0.1:6379/10"
                            ),
                            # redis-py 8 reads with a 5 s timeout by default, as long as
                            # channels_redis' blocking receive waits, so an idle consumer dies
                            # every 5 s (django/channels_redis#422). The floor should not lose
                            # clients to that; it changes no figure of a busy fan-out.
                            "socket_timeout": None,
                        }
                    ],
                    "capacity": CAPACITY,
                    "expiry": EXPIRY,
                },
            }
        },
    )
    django.setup()


def _build() -> Any:
    _configure()
    from channels.generic.websocket import AsyncJsonWebsocketConsumer
    from channels.layers import get_channel_layer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from django.urls import path

    class FloorConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
        group = ""

        async def connect(self) -> None:
            self.group = f"floor.{self.scope['url_route']['kwargs']['number']}"
            await self.accept()
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.send_json({"type": "hello"})

        async def disconnect(self, code: int) -> None:
            if self.group:
                await self.channel_layer.group_discard(self.group, self.channel_name)

        async def alert_event(self, event: dict[str, Any]) -> None:
            await self.send_json(event["payload"])

    async def fan_out(numbers: Sequence[int], payload: dict[str, Any]) -> None:
        layer = get_channel_layer()
        for number in numbers:
            await layer.group_send(
                f"floor.{number}", {"type": "alert.event", "payload": dict(payload, id=number)}
            )

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
            request = json.loads(body)
            clients, payload = int(request["clients"]), dict(request["payload"])
            # bench.surge names the clients a message goes to (one group_send each, in order).
            numbers = [int(n) for n in request.get("numbers") or range(1, clients + 1)]
        except (ValueError, KeyError, TypeError):
            await respond(send, 400, b'{"detail": "send {\\"clients\\": N, \\"payload\\": {}}"}')
            return
        sending = asyncio.ensure_future(fan_out(numbers, payload))
        await respond(send, 200, json.dumps({"clients": clients}).encode())
        await sending

    return ProtocolTypeRouter(
        {
            "http": http,
            "websocket": URLRouter([path("ws/floor/<int:number>/", FloorConsumer.as_asgi())]),
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
    """Not a benchmark by itself: ``bench.live_alerts`` serves it."""
    print("bench.floor_asgi is served by bench.live_alerts; nothing to run.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
