"""The live room over a real websocket: everyone sees what they may see, the moment it is
entered, and nothing else; late joiners get the current state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from conference import services
from conference.models import Conference
from partnership.models import Agency, Member
from tests import factories
from tests.sockets import socket_for

pytestmark = pytest.mark.django_db(transaction=True)


async def _join(
    member: Member, conference: Conference
) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    client = await socket_for(member, f"/ws/conferences/{conference.pk}/")
    connected, _ = await client.connect()
    assert connected, member.username
    state = await client.receive_json_from(timeout=5)
    assert state["type"] == "state"
    return client, state


async def _entries_until(client: WebsocketCommunicator, text: str) -> list[dict[str, Any]]:
    """Every entry received up to and including the one with ``text``."""
    seen = []
    while True:
        event = await client.receive_json_from(timeout=5)
        if event["type"] == "entry":
            seen.append(event)
            if event["text"] == text:
                return seen


async def test_each_attendee_receives_only_what_their_agency_may_see(
    demo: dict[str, Member],
) -> None:
    conference = await sync_to_async(factories.conference_with_a_case)()
    police_agency = await sync_to_async(lambda: Agency.objects.get(name="Thames Valley Police"))()
    chair, _ = await _join(demo["chair"], conference)
    police, _ = await _join(demo["panel-police"], conference)
    housing, _ = await _join(demo["panel-housing"], conference)

    share = sync_to_async(services.room_share)
    await share(
        actor=demo["panel-police"],
        conference_id=conference.pk,
        text="Suspect on bail with conditions not to enter Queensway",
        visibility="agencies",
        visible_agencies=[police_agency],
    )
    await share(
        actor=demo["chair"],
        conference_id=conference.pk,
        text="Chair only: possible informant",
        visibility="chair",
    )
    await share(
        actor=demo["panel-housing"], conference_id=conference.pk, text="Tenancy transfer possible"
    )

    police_saw = [e["text"] for e in await _entries_until(police, "Tenancy transfer possible")]
    housing_saw = [e["text"] for e in await _entries_until(housing, "Tenancy transfer possible")]
    chair_saw = [e["text"] for e in await _entries_until(chair, "Tenancy transfer possible")]
    assert police_saw == [
        "Suspect on bail with conditions not to enter Queensway",
        "Tenancy transfer possible",
    ]
    assert housing_saw == ["Tenancy transfer possible"]
    assert chair_saw == [
        "Suspect on bail with conditions not to enter Queensway",
        "Chair only: possible informant",
        "Tenancy transfer possible",
    ]
    for client in (chair, police, housing):
        await client.disconnect()


async def test_actions_and_agreed_risk_reach_every_attendee(demo: dict[str, Member]) -> None:
    conference = await sync_to_async(factories.conference_with_a_case)()
    police, _ = await _join(demo["panel-police"], conference)
    housing, _ = await _join(demo["panel-housing"], conference)
    item_id = conference.current_item_id
    assert item_id is not None
    await sync_to_async(services.room_agree_risk)(
        actor=demo["chair"], conference_id=conference.pk, item_id=item_id, level="high"
    )
    await sync_to_async(services.action_agree)(
        actor=demo["chair"],
        conference_id=conference.pk,
        item_id=item_id,
        description="Install a fire-proof letterbox",
        owner=demo["panel-housing"],
        due_at=timezone.now() + timedelta(days=7),
    )
    action_text = await _action_text(conference)
    for client in (police, housing):
        entries = await _entries_until(client, action_text)
        kinds = [e["kind"] for e in entries]
        assert kinds == ["risk_agreed", "action"]
        assert entries[0]["text"] == "Risk agreed: High"
        assert entries[1]["action_id"] is not None
        await client.disconnect()


async def _action_text(conference: Conference) -> str:
    from conference.models import RoomEntry

    entry = await sync_to_async(
        lambda: RoomEntry.objects.filter(conference=conference, kind="action").get()
    )()
    return str(entry.text)


async def test_late_joiner_gets_the_current_state_and_reconnect_resumes(
    demo: dict[str, Member],
) -> None:
    conference = await sync_to_async(factories.conference_with_a_case)()
    await sync_to_async(services.room_share)(
        actor=demo["chair"], conference_id=conference.pk, text="Victim moved to a relative's"
    )
    housing, state = await _join(demo["panel-housing"], conference)
    assert state["conference"]["current_item_id"] == conference.current_item_id
    assert [e["text"] for e in state["entries"]][-1] == "Victim moved to a relative's"
    case = state["agenda"][0]
    assert case["case"].startswith("P-")
    assert case["missing_agencies"] == []  # the referring agency (police) is present
    last_id = state["entries"][-1]["id"]
    await housing.disconnect()

    await sync_to_async(services.room_share)(
        actor=demo["panel-police"], conference_id=conference.pk, text="Arrest made this morning"
    )
    housing, _ = await _join(demo["panel-housing"], conference)
    await housing.send_json_to({"type": "resume", "last_entry_id": last_id})
    resumed = await housing.receive_json_from(timeout=5)
    assert resumed["type"] == "resumed"
    assert [e["text"] for e in resumed["entries"]] == ["Arrest made this morning"]
    await housing.disconnect()


async def test_outsiders_cannot_join_the_room(demo: dict[str, Member]) -> None:
    conference = await sync_to_async(factories.conference_with_a_case)()
    for username in ("staff", "officer", "gold"):
        client = await socket_for(demo[username], f"/ws/conferences/{conference.pk}/")
        connected, _ = await client.connect()
        assert not connected, username
