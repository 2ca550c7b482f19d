"""Websocket routes of every app, in one list (the permission matrix enumerates it)."""

from typing import Any

from django.urls import path

from conference.consumers import RoomConsumer
from escalation.consumers import BoardConsumer
from gold.consumers import GoldRoomConsumer
from notifications.consumers import AlertsConsumer
from partnership.consumers import WorklistConsumer

websocket_urlpatterns: list[Any] = [
    path("ws/alerts/", AlertsConsumer.as_asgi()),
    path("ws/board/", BoardConsumer.as_asgi()),
    path("ws/conferences/<int:pk>/", RoomConsumer.as_asgi()),
    path("ws/worklist/", WorklistConsumer.as_asgi()),
    path("ws/gold-groups/<int:pk>/", GoldRoomConsumer.as_asgi()),
]
