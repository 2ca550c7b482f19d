"""Malformed frames on every websocket: a clear error back, never a crash, and nobody else notices.

Each socket gets text that is not JSON, binary frames, empty frames, JSON that is not an object,
a 1 MB frame, JSON nested far too deep and messages of unknown types. It must answer
``{"type": "error", …}`` (or ignore a well-formed message it has no use for) and stay open;
a second member connected at the same time still gets the next push.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from conference.services import room_group
from escalation.services import board_group
from notifications.dispatch import member_group
from partnership.models import Member
from tests import factories
from tests.sockets import socket_for

pytestmark = pytest.mark.django_db(transaction=True)

MEGABYTE = 1024 * 1024
# Sent to every socket: str as a text frame, bytes as a binary frame.
MALFORMED: list[str | bytes] = [
    "not json at all",
    '{"type": "resume"',  # cut short
    "",
    b"\x00\x01\x02binary",
    b'{"type": "resume"}',  # valid JSON, but in a binary frame
    "[1, 2, 3]",
    '"resume"',
    "42",
    "null",
    "[" * 50_000 + "]" * 50_000,  # nested far too deep for the parser
    json.dumps({"type": "resume", "padding": "x" * MEGABYTE}),
    "x" * MEGABYTE,
]
# Well-formed objects no socket understands, with odd values for the fields they do read.
UNKNOWN: list[dict[str, Any]] = [
    {"type": "explode"},
    {"no_type": True},
    {"type": None},
    {"type": ["resume"]},
    {"type": "resume", "last_event_id": 10**40, "last_entry_id": 10**40},
    {"type": "resume", "last_event_id": -1, "last_entry_id": -1},
    {"type": "resume", "last_event_id": "1; DROP TABLE", "last_entry_id": 1.5},
    {"type": "acknowledge", "notification_id": 10**40},
    {"type": "acknowledge", "notification_id": {"$gt": 0}},
]


async def _socket(member: Member, path: str) -> WebsocketCommunicator:
    client = await socket_for(member, path)
    connected, _ = await client.connect(timeout=5)
    assert connected, path
    return client


async def _drain(client: WebsocketCommunicator) -> list[dict[str, Any]]:
    """Everything the socket has to say for now (the greeting, replies)."""
    said = []
    while not await client.receive_nothing(timeout=0.3):
        said.append(await client.receive_json_from(timeout=5))
    return said


async def _send(client: WebsocketCommunicator, frame: str | bytes) -> None:
    # Straight to the consumer: the communicator's own helper refuses empty frames.
    kind = "bytes" if isinstance(frame, bytes) else "text"
    await client.send_input({"type": "websocket.receive", kind: frame})


async def _replies(client: WebsocketCommunicator, expected: int) -> list[dict[str, Any]]:
    """The socket's next replies; fails if the consumer crashed, closed the socket or said more."""
    said: list[dict[str, Any]] = []
    try:
        for _ in range(expected):
            output = await client.receive_output(timeout=5)
            assert output["type"] == "websocket.send", f"socket closed: {output}"
            said.append(json.loads(output["text"]))
        assert await client.receive_nothing(timeout=0.1 if expected else 0.3), "said too much"
    except Exception as exc:
        if client.future.done() and client.future.exception() is not None:
            raise AssertionError(f"the consumer stopped: {client.future.exception()!r}") from exc
        raise
    return said


Push = Callable[[], Awaitable[None]]


@dataclass
class Room:
    path: str
    culprit: str  # sends the bad frames
    bystander: str  # connected at the same time
    push: Push
    pushed: str  # type of the event the push delivers
    # Replies to well-formed messages it has no use for (to all, or to those this says).
    answers: bool | Callable[[dict[str, Any]], bool] = True


async def _alerts(demo: dict[str, Member]) -> Room:
    async def push() -> None:
        await get_channel_layer().group_send(
            member_group(demo["crro"].pk),
            {"type": "alert.event", "payload": {"type": "notification", "id": 10**6}},
        )

    # Alerts are per member: the bystander is another page of the same member.
    return Room("/ws/alerts/", "crro", "crro", push, "notification")


async def _board(demo: dict[str, Member]) -> Room:
    # The board passes on pushes about incidents its member may see (those that exist).
    incident_id = (await sync_to_async(factories.incident)()).pk

    async def push() -> None:
        await get_channel_layer().group_send(
            board_group(await sync_to_async(lambda: factories.partnership().pk)()),
            {"type": "board.changed", "incident_id": incident_id, "state": "reported"},
        )

    # The board answers a resume (from now, when it names no number it can use) and ignores
    # anything else.
    return Room(
        "/ws/board/",
        "coordinator",
        "coordinator2",
        push,
        "board.changed",
        answers=lambda message: message.get("type") == "resume",
    )


async def _conference_room(demo: dict[str, Member]) -> Room:
    invited = [demo["panel-police"], demo["panel-housing"]]
    pk = (await sync_to_async(factories.conference)(invite=invited)).pk

    async def push() -> None:
        # Any room event but an entry makes every attendee receive the fresh state.
        await get_channel_layer().group_send(
            room_group(pk), {"type": "room.event", "event": {"type": "attendance"}}
        )

    return Room(f"/ws/conferences/{pk}/", "panel-police", "panel-housing", push, "state")


ROOMS = {"alerts": _alerts, "board": _board, "conference": _conference_room}


@pytest.mark.parametrize("socket", list(ROOMS))
async def test_malformed_frames_get_an_error_and_leave_others_untouched(
    demo: dict[str, Member], socket: str
) -> None:
    room = await ROOMS[socket](demo)
    culprit = await _socket(demo[room.culprit], room.path)
    bystander = await _socket(demo[room.bystander], room.path)
    await _drain(culprit)
    await _drain(bystander)

    for frame in MALFORMED:
        await _send(culprit, frame)
        [said] = await _replies(culprit, 1)
        assert said["type"] == "error", (frame[:40], said)
        assert said["detail"], frame[:40]
        # The reply never echoes the frame back.
        assert len(json.dumps(said)) < 500

    for message in UNKNOWN:
        await culprit.send_json_to(message)
        answers = room.answers(message) if callable(room.answers) else room.answers
        replies = await _replies(culprit, 1 if answers else 0)
        # An explanation, or (a resume with odd but harmless numbers) the resume carried out.
        assert all(r["type"] in {"error", "resumed"} for r in replies), (message, replies)

    assert await bystander.receive_nothing(timeout=0.2)
    # Both sockets still work: the next push reaches the bystander and the culprit alike.
    await room.push()
    for client in (bystander, culprit):
        event = await client.receive_json_from(timeout=5)
        assert event["type"] == room.pushed
        assert await client.receive_nothing(timeout=0.2)
    await culprit.disconnect()
    await bystander.disconnect()
