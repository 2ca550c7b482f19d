"""Websocket clients for tests, signed in as a client outside a browser signs in: with an API
token of its own in the ``Authorization`` header."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from partnership.auth import token_issue
from partnership.models import Member


async def socket_for(
    member: Member, path: str, *, origin: bytes | None = None
) -> WebsocketCommunicator:
    """A client of the websocket at ``path`` signed in as ``member`` (not yet connected), sent
    from the page at ``origin`` if given."""
    token = await sync_to_async(token_issue)(member=member)
    headers = [(b"authorization", f"Token {token.key}".encode())]
    if origin is not None:
        headers.append((b"origin", origin))
    return WebsocketCommunicator(application, path, headers=headers)
