"""The co-ordinators' board over a real websocket (the in-memory layer, or Redis when present)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from escalation import services
from partnership.models import Member
from tests import factories
from tests.sockets import socket_for

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(member: Member, origin: bytes | None = None) -> WebsocketCommunicator:
    return await socket_for(member, "/ws/board/", origin=origin)


async def test_coordinator_sees_a_declaration_on_the_board(demo: dict[str, Member]) -> None:
    incident = await sync_to_async(factories.incident)()
    board = await _connect(demo["coordinator"])
    connected, _ = await board.connect()
    assert connected
    await sync_to_async(services.incident_determine)(
        officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="Disorder."
    )
    event = await board.receive_json_from(timeout=5)
    assert event == {"type": "board.changed", "incident_id": incident.pk, "state": "declared_major"}
    await board.disconnect()


async def test_board_refuses_other_roles_and_anonymous(demo: dict[str, Member]) -> None:
    refused = await _connect(demo["panel-housing"])
    connected, code = await refused.connect()
    assert not connected
    assert code == 4403
    anonymous = WebsocketCommunicator(application, "/ws/board/")
    connected, _ = await anonymous.connect()
    assert not connected


async def test_board_refuses_pages_of_other_sites(demo: dict[str, Member]) -> None:
    hijack = await _connect(demo["coordinator"], origin=b"https://evil.example")
    connected, _ = await hijack.connect()
    assert not connected
    same_site = await _connect(demo["coordinator"], origin=b"http://127.0.0.1:8000")
    connected, _ = await same_site.connect()
    assert connected
    await same_site.disconnect()
