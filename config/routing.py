"""Websocket routes of every app, in one list (the permission matrix enumerates it)."""

from typing import Any

websocket_urlpatterns: list[Any] = []
