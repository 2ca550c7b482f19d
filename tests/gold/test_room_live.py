"""The gold group's room, live: a change to its communications plan or to what a party shares
reaches every member with the room open without a reload (persisted first, pushed after commit,
found again by a resume after a reconnection), and never a member who has lost the room."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from gold import selectors, services
from gold.models import CommsItem, GoldGroup, GoldGroupMember, ShareKind
from partnership.demo import NEIGHBOUR_SLUG, PARTNERSHIP_SLUG
from partnership.models import Member
from tests.gold.test_groups import _convened, _linked_pair, _working_in
from tests.sockets import socket_for

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGE = "GoldLiveMessage: officers at evening prayers all week."


def _group() -> GoldGroup:
    mk, _ = _linked_pair()
    return _convened(mk)


def _plan(group: GoldGroup) -> CommsItem:
    return services.comms_propose(
        actor=_working_in("gold", PARTNERSHIP_SLUG),
        group_id=group.pk,
        audiences="Worshippers at both estates' mosques",
        message=MESSAGE,
        channel="meeting",
        approver_id=Member.objects.get(username="chief").pk,
        send_at=timezone.now() + timedelta(hours=2),
    )


def _page(username: str, group: GoldGroup) -> str:
    client = Client()
    client.force_login(Member.objects.get(username=username))
    page = client.get(f"/gold-groups/{group.pk}/")
    assert page.status_code == 200
    return page.content.decode()


async def _join(username: str, group: GoldGroup) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    member = await sync_to_async(Member.objects.get)(username=username)
    client = await socket_for(member, f"/ws/gold-groups/{group.pk}/")
    connected, _ = await client.connect(timeout=5)
    assert connected, username
    state = await client.receive_json_from(timeout=5)
    assert state["type"] == "state"
    return client, state


async def test_the_comms_plan_and_what_is_shared_reach_the_open_room_without_a_reload(
    demo: dict[str, Member],
) -> None:
    group = await sync_to_async(_group)()
    client, joined = await _join("av-rec", group)
    drawn = await sync_to_async(_page)("av-rec", group)
    assert f'data-parts-version="{joined["parts_version"]}"' in drawn
    assert MESSAGE not in drawn

    await sync_to_async(_plan)(group)
    planned = await client.receive_json_from(timeout=5)
    assert planned["type"] == "state"
    assert planned["parts_version"] != joined["parts_version"]
    # What the open page fetches on that push: the plan, drawn with the version pushed (so it
    # does not fetch again until the next change).
    page = await sync_to_async(_page)("av-rec", group)
    assert MESSAGE in page
    assert f'data-parts-version="{planned["parts_version"]}"' in page

    # Aylesbury Vale's co-ordinator shares the incident's summary with the group.
    await sync_to_async(services.gold_group_share)(
        actor=await sync_to_async(_working_in)("av-coordinator", NEIGHBOUR_SLUG),
        group_id=group.pk,
        shares=[ShareKind.SUMMARY],
    )
    shared = await client.receive_json_from(timeout=5)
    assert shared["type"] == "state"
    assert shared["shares"]["Aylesbury Vale Hate Crime Partnership"] == [ShareKind.SUMMARY]
    assert shared["parts_version"] not in (joined["parts_version"], planned["parts_version"])
    await client.disconnect()


async def test_a_page_that_reconnects_finds_the_change_it_missed(demo: dict[str, Member]) -> None:
    group = await sync_to_async(_group)()
    client, joined = await _join("av-rec", group)
    await client.disconnect()
    item = await sync_to_async(_plan)(group)  # made while the page was away
    await sync_to_async(services.comms_approve)(
        actor=await sync_to_async(Member.objects.get)(username="chief"), item_id=item.pk
    )
    back, _ = await _join("av-rec", group)
    await back.send_json_to({"type": "resume", "last_entry_id": 0})
    resumed = await back.receive_json_from(timeout=5)
    assert resumed["type"] == "resumed"
    assert resumed["parts_version"] != joined["parts_version"]
    assert resumed["parts_version"] == await sync_to_async(selectors.room_parts_version)(group)
    await back.disconnect()


async def test_a_member_who_lost_the_room_is_not_sent_its_changes(
    demo: dict[str, Member],
) -> None:
    group = await sync_to_async(_group)()
    client, _ = await _join("av-rec", group)
    # Their seat goes (no service takes a seat away yet; nothing tells the socket): the next
    # push finds the room's door shut to them, however recently the socket last asked.
    await sync_to_async(
        GoldGroupMember.objects.filter(group=group, member__username="av-rec").delete
    )()
    await sync_to_async(_plan)(group)
    refused = await client.receive_json_from(timeout=5)
    assert refused["type"] == "refused"
    closed = await client.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4404}
    assert await client.receive_nothing(timeout=0.5)
