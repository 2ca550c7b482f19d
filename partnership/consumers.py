"""The base of every websocket consumer: whatever a client sends, the consumer survives it."""

from __future__ import annotations

from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

# Clients send short commands (a resume, an acknowledge); nothing legitimate comes near this.
# Daphne itself refuses frames over 1 MB.
MAX_FRAME_CHARS = 64 * 1024


class SafeJsonConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """A JSON consumer whose ``receive_json`` is only ever given a JSON object.

    channels' own raises on a binary or empty frame and on text that is not JSON, which kills the
    connection with a server error and a traceback. Here such a frame, an oversized one or JSON
    that is not an object is answered with ``{"type": "error", "detail": …}`` and the socket stays
    open, so a faulty client learns what it did wrong and everyone else carries on.
    """

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            await self.send_error("Send text frames holding a JSON object, not binary frames.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_error(f"Message too large: at most {MAX_FRAME_CHARS} characters.")
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            await self.send_error('Not JSON: send an object such as {"type": "resume"}.')
            return
        if not isinstance(content, dict):
            await self.send_error('Send a JSON object such as {"type": "resume"}.')
            return
        await self.receive_json(content, **kwargs)

    async def send_error(self, detail: str) -> None:
        await self.send_json({"type": "error", "detail": detail})
