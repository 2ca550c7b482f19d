"""Issue 13 item 2: every open websocket of a member closes when they are deactivated, sign out or
change their password, or when the token it was opened with is revoked; every message a client
sends is checked against the member's credentials first."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from partnership.auth import token_issue, token_revoke
from partnership.consumers import CLOSE_SIGNED_OUT
from partnership.models import Member

pytestmark = pytest.mark.django_db(transaction=True)


async def _open(path: str, headers: list[tuple[bytes, bytes]]) -> WebsocketCommunicator:
    client = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await client.connect(timeout=5)
    assert connected, path
    if path == "/ws/alerts/":
        assert (await client.receive_json_from(timeout=5))["type"] == "hello"
    return client


async def _with_token(member: Member, path: str) -> tuple[WebsocketCommunicator, str]:
    issued = await sync_to_async(token_issue)(member=member)
    client = await _open(path, [(b"authorization", f"Token {issued.key}".encode())])
    return client, issued.token.ref


async def _with_session(member: Member, path: str) -> tuple[WebsocketCommunicator, Client]:
    browser = Client()
    await sync_to_async(browser.force_login)(member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    return await _open(path, [(b"cookie", cookie.encode())]), browser


async def _closed(client: WebsocketCommunicator) -> bool:
    """The socket says it is signed out and closes (skipping pushes that were already on the
    way)."""
    while True:
        output = await client.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return bool(output.get("code") == CLOSE_SIGNED_OUT)


async def _still_open(client: WebsocketCommunicator) -> bool:
    await client.send_json_to({"type": "resume", "last_event_id": 0})
    while True:
        output = await client.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            return False
        if '"resumed"' in output.get("text", ""):
            return True


async def test_deactivation_closes_every_socket_of_the_member(demo: dict[str, Member]) -> None:
    member = demo["coordinator"]
    alerts, _ = await _with_token(member, "/ws/alerts/")
    board, _ = await _with_session(member, "/ws/board/")
    other, _ = await _with_token(demo["crro"], "/ws/alerts/")

    def deactivate() -> None:
        member.is_active = False
        member.save()

    await sync_to_async(deactivate)()
    assert await _closed(alerts)
    assert await _closed(board)
    assert await _still_open(other)
    await other.disconnect()


async def test_signing_out_closes_the_sockets_of_that_session_only(
    demo: dict[str, Member],
) -> None:
    member = demo["crro"]
    signed_out, browser = await _with_session(member, "/ws/alerts/")
    elsewhere, _ = await _with_session(member, "/ws/alerts/")
    with_token, _ = await _with_token(member, "/ws/alerts/")
    assert (await sync_to_async(browser.post)("/accounts/logout/")).status_code == 302
    assert await _closed(signed_out)
    assert await _still_open(elsewhere)
    assert await _still_open(with_token)
    await elsewhere.disconnect()
    await with_token.disconnect()


async def test_a_password_change_closes_token_and_session_sockets(
    demo: dict[str, Member],
) -> None:
    member = demo["chair"]
    by_token, _ = await _with_token(member, "/ws/alerts/")
    by_session, _ = await _with_session(member, "/ws/alerts/")

    def change() -> None:
        member.set_password("another-long-password")
        member.save()

    await sync_to_async(change)()
    assert await _closed(by_token)
    assert await _closed(by_session)


async def test_revoking_a_token_closes_the_sockets_opened_with_it(
    demo: dict[str, Member],
) -> None:
    member = demo["gold"]
    revoked, ref = await _with_token(member, "/ws/alerts/")
    kept, _ = await _with_token(member, "/ws/board/")
    assert await sync_to_async(token_revoke)(member=member, ref=ref)
    assert await _closed(revoked)
    await kept.send_json_to({"type": "anything"})  # the board ignores it, if still open
    assert await kept.receive_nothing(timeout=0.5)
    await kept.disconnect()


async def test_every_message_is_checked_even_when_no_control_message_came(
    demo: dict[str, Member],
) -> None:
    """Alerts' ``resume`` had no active check: a bulk update (no signal, no control message)
    stands for a control message Redis lost."""
    member = demo["staff"]
    alerts, _ = await _with_token(member, "/ws/alerts/")
    await sync_to_async(lambda: Member.objects.filter(pk=member.pk).update(is_active=False))()
    await alerts.send_json_to({"type": "resume", "last_event_id": 0})
    first = await alerts.receive_json_from(timeout=5)
    assert first["type"] == "signed_out"
    assert await _closed(alerts)
