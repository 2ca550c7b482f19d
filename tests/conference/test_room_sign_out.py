"""Issue 13 item 2, as the tester found it: a deactivated member's open conference-room socket
kept receiving restricted entries, and ``resume`` returned the full state. And its follow-up: a
member who may no longer see the room (removed from its invitees, their agency's access
withdrawn) is refused at their next message or push, and so is an alerts socket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from conference import consumers as conference_consumers
from conference import services
from partnership.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_SIGNED_OUT
from partnership.models import Agency, Member
from tests import factories
from tests.sockets import socket_for

pytestmark = pytest.mark.django_db(transaction=True)


async def _join(member: Member, conference_id: int) -> WebsocketCommunicator:
    client = await socket_for(member, f"/ws/conferences/{conference_id}/")
    connected, _ = await client.connect()
    assert connected
    assert (await client.receive_json_from(timeout=5))["type"] == "state"
    return client


def _deactivate(member: Member) -> None:
    member.refresh_from_db()
    member.is_active = False
    member.save()


async def test_a_deactivated_member_is_put_out_of_the_room_at_once(demo: dict[str, Member]) -> None:
    conference = await sync_to_async(factories.conference_with_a_case)()
    police = await _join(demo["panel-police"], conference.pk)
    chair = await _join(demo["chair"], conference.pk)

    await sync_to_async(_deactivate)(demo["panel-police"])
    signed_out = await police.receive_json_from(timeout=5)
    assert signed_out["type"] == "signed_out"
    closed = await police.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": CLOSE_SIGNED_OUT}

    police_agency = await sync_to_async(lambda: Agency.objects.get(name="Thames Valley Police"))()
    await sync_to_async(services.room_share)(
        actor=demo["chair"],
        conference_id=conference.pk,
        text="Police only: address of the suspect",
        visibility="agencies",
        visible_agencies=[police_agency],
    )
    # The room carries on for the others; the closed socket is sent nothing more.
    while (await chair.receive_json_from(timeout=5)).get("type") != "entry":
        pass
    assert await police.receive_nothing(timeout=0.5)
    await chair.disconnect()


async def test_resume_after_deactivation_returns_nothing(demo: dict[str, Member]) -> None:
    """Even when the control message is lost (Redis dropped it), the next message the client
    sends is checked first."""
    conference = await sync_to_async(factories.conference_with_a_case)()
    housing = await _join(demo["panel-housing"], conference.pk)
    # A bulk update sends no control message: only the check on receive can catch it.
    await sync_to_async(
        lambda: Member.objects.filter(pk=demo["panel-housing"].pk).update(is_active=False)
    )()
    await housing.send_json_to({"type": "resume", "last_entry_id": 0})
    answer = await housing.receive_json_from(timeout=5)
    assert answer["type"] == "signed_out"
    assert "entries" not in answer
    assert (await housing.receive_output(timeout=5))["code"] == CLOSE_SIGNED_OUT


# --- Still allowed to see the room (issue 13, item 2 follow-up) ----------------------------------
async def test_a_member_removed_from_the_invitees_is_refused_on_their_next_message(
    demo: dict[str, Member],
) -> None:
    conference = await sync_to_async(factories.conference_with_a_case)()
    housing = await _join(demo["panel-housing"], conference.pk)
    # Removed behind the socket's back: no message tells it; its next resume must find out.
    await sync_to_async(lambda: conference.invitees.remove(demo["panel-housing"]))()
    await housing.send_json_to({"type": "resume", "last_entry_id": 0})
    answer = await housing.receive_json_from(timeout=5)
    assert answer["type"] == "refused"
    assert "entries" not in answer
    assert await housing.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": CLOSE_NOT_FOUND,
    }


async def test_entries_are_withheld_once_the_agencys_access_is_withdrawn(
    demo: dict[str, Member], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every push re-asks the database (in production at most every RECHECK_SECONDS).
    monkeypatch.setattr(conference_consumers, "RECHECK_SECONDS", 0.0)
    conference = await sync_to_async(factories.conference_with_a_case)()
    housing = await _join(demo["panel-housing"], conference.pk)
    chair = await _join(demo["chair"], conference.pk)
    await sync_to_async(
        lambda: Agency.objects.filter(name="Milton Keynes Housing").update(is_active=False)
    )()
    await sync_to_async(services.room_share)(
        actor=demo["chair"], conference_id=conference.pk, text="The family moves on Friday"
    )
    while (await chair.receive_json_from(timeout=5)).get("type") != "entry":
        pass
    answer = await housing.receive_json_from(timeout=5)
    assert answer["type"] == "refused"
    assert (await housing.receive_output(timeout=5))["code"] in (CLOSE_FORBIDDEN, CLOSE_NOT_FOUND)
    assert await housing.receive_nothing(timeout=0.5)
    await chair.disconnect()


async def test_an_alerts_socket_is_refused_once_the_agencys_access_is_withdrawn(
    demo: dict[str, Member],
) -> None:
    alerts = await socket_for(demo["panel-health"], "/ws/alerts/")
    connected, _ = await alerts.connect()
    assert connected
    assert (await alerts.receive_json_from(timeout=5))["type"] == "hello"
    health = demo["panel-health"].agency_id
    assert health is not None
    await sync_to_async(lambda: Agency.objects.filter(pk=health).update(is_active=False))()
    await alerts.send_json_to({"type": "resume", "last_event_id": 0})
    assert (await alerts.receive_json_from(timeout=5))["type"] == "refused"
    assert (await alerts.receive_output(timeout=5))["code"] == CLOSE_FORBIDDEN
