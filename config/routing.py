"""Websocket routes of every app, in one list (the permission matrix enumerates it)."""

from typing import Any

from django.urls import path

from escalation.consumers import BoardConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/board/", BoardConsumer.as_asgi()),
]
