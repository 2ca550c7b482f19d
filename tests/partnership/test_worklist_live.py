"""The home page's work list over a real websocket: a change in the partnership is a hint with
nothing in it, and only the partnership's members hear it."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from escalation import services
from partnership.models import Member, Role
from tests import factories
from tests.sockets import socket_for

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_step_done_tells_every_open_home_page_to_fetch_its_list(
    demo: dict[str, Member],
) -> None:
    incident = await sync_to_async(factories.incident_declared)()
    duty = await sync_to_async(factories.duty)(incident, "inform-csp-coordinator")
    home = await socket_for(demo["coordinator"], "/ws/worklist/")
    connected, _ = await home.connect()
    assert connected
    await sync_to_async(services.duty_complete)(
        actor=demo["crro"], duty_id=duty.pk, message="Major incident in Woughton."
    )
    # Nothing but the hint: the page asks the server for the member's own list.
    assert await home.receive_json_from(timeout=5) == {"type": "worklist.changed"}
    await home.disconnect()


async def test_the_work_list_socket_is_for_members_of_a_partnership_only(
    demo: dict[str, Member],
) -> None:
    anonymous = WebsocketCommunicator(application, "/ws/worklist/")
    connected, _ = await anonymous.connect()
    assert not connected
    neighbour = await sync_to_async(factories.partnership_new)(name="Neighbour", slug="neighbour")
    elsewhere = await sync_to_async(factories.member)(
        username="elsewhere",
        agency=await sync_to_async(factories.agency)("Thames Valley Police"),
        roles=[Role.CSP_COORDINATOR],
        within=neighbour,
    )
    other = await socket_for(elsewhere, "/ws/worklist/")
    connected, _ = await other.connect()
    assert connected  # their own partnership's hints
    incident = await sync_to_async(factories.incident_declared)()
    duty = await sync_to_async(factories.duty)(incident, "inform-rec")
    await sync_to_async(services.duty_complete)(
        actor=demo["crro"], duty_id=duty.pk, message="REC told."
    )
    assert await other.receive_nothing(timeout=1)
    await other.disconnect()
