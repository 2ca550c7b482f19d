"""A socket's client messages are checked against the database only when the member's access mark
moved since the last check (``partnership.access_marks``), at least every ``TRUST_SECONDS``, and
never past the expiry of the token the socket was opened with. Every way the member's access can
change through the services or the admin moves the mark; a change behind every signal is noticed
within the trust time; a cache that errs sends every message to the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from config.asgi import application
from partnership import consumers, live, marks, ws_auth
from partnership.access_marks import ACCESS
from partnership.auth import token_issue, token_revoke
from partnership.models import ApiToken, Member, RoleAssignment
from partnership.services import role_revoke
from tests.sockets import socket_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.usefixtures("marks_shared"),
]


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each look at the database for a socket's member, by member."""
    seen: list[int] = []
    read = ws_auth.scope_member_now

    def counted(scope: dict[str, Any]) -> Member | None:
        seen.append(scope["user"].pk)
        return read(scope)

    monkeypatch.setattr(consumers, "scope_member_now", counted)
    return seen


@pytest.fixture
def control_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control messages never reach the sockets (Redis dropped them)."""
    monkeypatch.setattr(live, "group_send_on_commit", lambda group, event: None)


async def _open(client: WebsocketCommunicator) -> WebsocketCommunicator:
    assert (await client.connect(timeout=5))[0]
    assert (await client.receive_json_from(timeout=5))["type"] == "hello"
    return client


async def _resume(client: WebsocketCommunicator) -> str:
    """The socket's answer to a resume: ``resumed``, or how it closed."""
    await client.send_json_to({"type": "resume", "last_event_id": 0})
    while True:
        message = await client.receive_json_from(timeout=5)
        if message["type"] in ("resumed", "signed_out", "refused"):
            return str(message["type"])


async def test_messages_while_nothing_changed_ask_the_database_once(
    demo: dict[str, Member], checks: list[int]
) -> None:
    client = await _open(await socket_for(demo["crro"], "/ws/alerts/"))
    assert [await _resume(client) for _ in range(3)] == ["resumed"] * 3
    assert checks == [demo["crro"].pk]
    await client.disconnect()


def _role_revoked(member: Member) -> None:
    role_revoke(actor=None, assignment=RoleAssignment.objects.filter(member=member)[0])


def _role_deleted_in_admin(member: Member) -> None:
    RoleAssignment.objects.filter(member=member)[0].delete()


def _deputy_replaced(member: Member) -> None:
    assignment = RoleAssignment.objects.filter(deputy=member)[0]
    assignment.deputy = None
    assignment.save()


def _password_changed(member: Member) -> None:
    member.set_password("a completely new passphrase 42")
    member.save()


def _token_revoked(member: Member) -> None:
    token_revoke(member=member, ref=token_issue(member=member).token.ref)


def _partnership_left(member: Member) -> None:
    member.partnerships.remove(member.partnerships.all()[0])


def _partnership_emptied(member: Member) -> None:
    member.partnerships.all()[0].members.clear()


def _agency_withdrawn(member: Member) -> None:
    agency = member.agency
    assert agency is not None
    agency.is_active = False
    agency.save()


CHANGES: dict[str, tuple[str, Callable[[Member], None]]] = {
    "role revoked": ("crro", _role_revoked),
    "role deleted in the admin": ("crro", _role_deleted_in_admin),
    "deputy replaced": ("ppc", _deputy_replaced),
    "password changed": ("crro", _password_changed),
    "token revoked": ("crro", _token_revoked),
    "left a partnership": ("crro", _partnership_left),
    "partnership emptied": ("crro", _partnership_emptied),
    "agency withdrawn": ("crro", _agency_withdrawn),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_change_to_what_a_door_depends_on_moves_the_mark(
    change: str, demo: dict[str, Member]
) -> None:
    who, make = CHANGES[change]
    member = demo[who]
    before = ACCESS.read(member.pk)
    assert before is not None
    assert ACCESS.read(member.pk) == before  # reading does not move it
    make(Member.objects.get(pk=member.pk))
    assert ACCESS.read(member.pk) != before


async def test_a_change_whose_control_message_was_lost_is_noticed_at_the_next_message(
    demo: dict[str, Member], checks: list[int], control_lost: None
) -> None:
    member = demo["crro"]
    client = await _open(await socket_for(member, "/ws/alerts/"))
    assert await _resume(client) == "resumed"
    await sync_to_async(_partnership_left)(member)
    assert await _resume(client) == "refused"
    assert len(checks) == 2


async def test_a_change_behind_every_signal_is_noticed_within_the_trust_time(
    demo: dict[str, Member], checks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    member = demo["crro"]
    client = await _open(await socket_for(member, "/ws/alerts/"))
    assert await _resume(client) == "resumed"
    # A bulk update: no signal, no mark moved, no control message.
    await sync_to_async(lambda: Member.objects.filter(pk=member.pk).update(is_active=False))()
    assert await _resume(client) == "resumed"  # late, within TRUST_SECONDS of the last check ...
    monkeypatch.setattr(marks, "TRUST_SECONDS", 0.0)
    assert await _resume(client) == "signed_out"  # ... never later
    assert len(checks) == 2


async def test_a_socket_trusts_its_last_check_no_longer_than_its_token_lives(
    demo: dict[str, Member], checks: list[int]
) -> None:
    member = demo["crro"]

    def short_lived() -> str:
        issued = token_issue(member=member)
        ApiToken.objects.filter(pk=issued.token.pk).update(
            expiry=timezone.now() + timedelta(seconds=1.5)
        )
        return issued.key

    key = await sync_to_async(short_lived)()
    client = await _open(
        WebsocketCommunicator(
            application, "/ws/alerts/", headers=[(b"authorization", f"Token {key}".encode())]
        )
    )
    assert await _resume(client) == "resumed"
    await asyncio.sleep(1.6)
    assert await _resume(client) == "signed_out"
    assert len(checks) == 2


async def test_a_cache_that_errs_sends_every_message_to_the_database(
    demo: dict[str, Member], checks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await _open(await socket_for(demo["crro"], "/ws/alerts/"))

    def away(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(marks, "cache", type("Away", (), {"get": away, "add": away})())
    assert [await _resume(client) for _ in range(2)] == ["resumed"] * 2
    assert len(checks) == 2
    await client.disconnect()
