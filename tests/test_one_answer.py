"""What a member may not see does not exist for them, at every door.

An incident, a conference and a person the member may not see are answered exactly as ones that
do not exist: 404 on the page, in the API and for the export, close code 4404 on the conference
room's socket, and no push from the board. Every door looks the record up through the one selector
of its app (``escalation.selectors.incident_for``, ``conference.selectors.conference_for``,
``conference.selectors.person_for``), so the doors cannot answer differently.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from conference.models import PersonAccess
from escalation.services import board_group
from partnership.models import Agency, AgencyKind, Member, Role
from tests import factories
from tests.sockets import socket_for
from tests.world import partnership_at_work

pytestmark = pytest.mark.django_db(transaction=True)

MISSING = 987654  # an id no record has
# Each page's sign-out form carries a fresh CSRF token: the one part of two answers that differs.
CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def _hidden_records(demo: dict[str, Member]) -> dict[str, int]:
    """A major incident the police declared, a person Police's panel member recorded and referred,
    and the conference their case is on (Police, Housing and Health invited): operational staff
    are on none of them (they are told of the incident only once their duty is done)."""
    work = partnership_at_work(demo)
    return {
        "incident": work.incident.pk,
        "conference": work.conference.pk,
        "person": work.person.pk,
    }


def _member_whose_agency_left(demo: dict[str, Member]) -> Member:
    """A gold group member of an agency that has since left the partnership (deactivated, as an
    administrator does in Django admin): their role lingers until it is revoked, but outside the
    partnership they see nothing."""
    agency = factories.agency_new(
        kind=AgencyKind.VOLUNTARY, name="Former partner", actor=demo["admin"]
    )
    member = factories.member(
        username="gold-left", agency=agency, roles=[Role.GOLD_GROUP], actor=demo["admin"]
    )
    Agency.objects.filter(pk=agency.pk).update(is_active=False)
    return Member.objects.get(pk=member.pk)


def _http_answers(client: Client, ids: dict[str, int]) -> dict[str, tuple[int, bytes]]:
    incident, conference, person = ids["incident"], ids["conference"], ids["person"]
    urls = {
        "incident page": f"/incidents/{incident}/",
        "incident API": f"/api/incidents/{incident}/",
        "incident export": f"/incidents/{incident}/timeline/export/?as=csv",
        "incident API export": f"/api/incidents/{incident}/timeline/export/?as=json",
        "conference page": f"/conferences/{conference}/",
        "conference API": f"/api/conferences/{conference}/",
        "conference export": f"/conferences/{conference}/minutes.txt",
        "conference API export": f"/api/conferences/{conference}/minutes/?download=1",
        "person page": f"/people/{person}/",
        "person API": f"/api/people/{person}/",
        "person export": f"/people/{person}/timeline/export/?as=csv",
        "person API export": f"/api/people/{person}/timeline/export/?as=json",
    }
    answers = {}
    for door, url in urls.items():
        response = client.get(url)
        answers[door] = (response.status_code, CSRF_TOKEN.sub(b"", response.content))
    return answers


async def _socket(member: Member, path: str) -> tuple[WebsocketCommunicator, bool, Any]:
    client = await socket_for(member, path)
    connected, code = await client.connect(timeout=5)
    return client, connected, code


async def _board_passes_on(member: Member, incident_id: int) -> bool | int:
    """Whether the board passes a push about ``incident_id`` on to ``member`` (or the close code
    it refused them with)."""
    client, connected, code = await _socket(member, "/ws/board/")
    if not connected:
        assert isinstance(code, int)
        return code
    await get_channel_layer().group_send(
        board_group(await sync_to_async(lambda: factories.partnership().pk)()),
        {"type": "board.changed", "incident_id": incident_id, "state": "reported"},
    )
    received = not await client.receive_nothing(timeout=0.5)
    await client.disconnect()
    return received


@pytest.mark.parametrize("who", ["staff", "gold-left"])
async def test_a_record_the_member_may_not_see_is_answered_as_one_that_does_not_exist(
    demo: dict[str, Member], who: str
) -> None:
    hidden = await sync_to_async(_hidden_records)(demo)
    missing = dict.fromkeys(hidden, MISSING)
    if who == "gold-left":
        member = await sync_to_async(_member_whose_agency_left)(demo)
    else:
        member = demo[who]
    client = Client()
    await sync_to_async(client.force_login)(member)

    # Pages, the API and exports: 404, word for word what a record that does not exist gets.
    for_hidden = await sync_to_async(_http_answers)(client, hidden)
    for_missing = await sync_to_async(_http_answers)(client, missing)
    assert {door: status for door, (status, _) in for_hidden.items()} == dict.fromkeys(
        for_hidden, 404
    )
    assert for_hidden == for_missing
    for _, body in for_hidden.values():
        assert b"Graffiti" not in body
        assert b"Amina" not in body
        assert b"Emergency panel" not in body

    # The conference room's socket: refused with 4404 (not found), as a missing conference is.
    for conference_id in (hidden["conference"], MISSING):
        _, connected, code = await _socket(member, f"/ws/conferences/{conference_id}/")
        assert (connected, code) == (False, 4404)

    # The board: whatever the member may open, it says nothing about an incident they may not
    # see, exactly as about one that does not exist.
    about_hidden = await _board_passes_on(member, hidden["incident"])
    assert about_hidden == await _board_passes_on(member, MISSING)
    assert about_hidden in (False, 4403)
    # The same push does reach a co-ordinator, who sees every incident.
    assert await _board_passes_on(demo["coordinator"], hidden["incident"]) is True

    # Nothing looked at, so nothing logged as viewed.
    assert not await sync_to_async(PersonAccess.objects.filter(member=member).exists)()
