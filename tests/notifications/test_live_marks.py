"""A heartbeat resume that finds nothing new skips the database (``notifications.live_marks``),
and every way the mark can be wrong sends it back there: a lost push, a flushed cache, a mark the
sender failed to move (for a bounded time), a cache that errs. Credentials are checked on every
resume all the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from notifications import consumers, dispatch, live_marks
from partnership import live, marks
from partnership.auth import token_revoke
from partnership.models import ApiToken, Member
from tests.sockets import socket_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("marks_shared")]


@pytest.fixture
def looks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each resume's look at the database, by the member it was for."""
    seen: list[int] = []
    replay = consumers._replay

    def counted(member_id: int, last: int) -> tuple[list[dict[str, Any]], int]:
        seen.append(member_id)
        return replay(member_id, last)

    monkeypatch.setattr(consumers, "_replay", counted)
    return seen


@pytest.fixture
def pushes_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatch, "group_send_now", lambda group, event: False)


async def _open(member: Member) -> tuple[WebsocketCommunicator, int]:
    client = await socket_for(member, "/ws/alerts/")
    assert (await client.connect())[0]
    hello = await client.receive_json_from(timeout=5)
    return client, int(hello["last_event_id"])


async def _resume(client: WebsocketCommunicator, last: int) -> tuple[list[dict[str, Any]], Any]:
    await client.send_json_to({"type": "resume", "last_event_id": last})
    events: list[dict[str, Any]] = []
    while True:
        message = await client.receive_json_from(timeout=5)
        if message["type"] in ("resumed", "signed_out"):
            return events, message
        events.append(message)


def _publish(member: Member) -> None:
    dispatch.live_publish(member.pk, {"type": "notification", "title": "Mark test"}, None)


async def test_a_resume_that_finds_nothing_new_does_not_ask_the_database(
    demo: dict[str, Member], looks: list[int]
) -> None:
    client, last = await _open(demo["crro"])
    events, first = await _resume(client, last)
    assert (events, len(looks)) == ([], 1)
    events, again = await _resume(client, last)
    assert (events, again, len(looks)) == ([], first, 1)
    await client.disconnect()


async def test_an_alert_whose_push_was_lost_comes_with_the_next_resume(
    demo: dict[str, Member], looks: list[int], pushes_lost: None
) -> None:
    client, last = await _open(demo["crro"])
    await _resume(client, last)
    await sync_to_async(_publish)(demo["crro"])
    events, _ = await _resume(client, last)
    assert [e["title"] for e in events] == ["Mark test"]
    assert len(looks) == 2
    await client.disconnect()


async def test_a_flushed_cache_sends_the_resume_to_the_database(
    demo: dict[str, Member], looks: list[int], pushes_lost: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, last = await _open(demo["crro"])
    await _resume(client, last)
    # The sender's mark is lost with everything else in Redis.
    monkeypatch.setattr(dispatch, "live_marks_move", lambda member_ids: None)
    await sync_to_async(_publish)(demo["crro"])
    await sync_to_async(cache.delete)(live_marks.LIVE.key(demo["crro"].pk))
    events, _ = await _resume(client, last)
    assert [e["title"] for e in events] == ["Mark test"]
    await client.disconnect()


class _FailingWrites:
    def __init__(self) -> None:
        self.get, self.add = cache.get, cache.add

    def set_many(self, *args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is away")


async def test_a_mark_the_sender_failed_to_move_is_trusted_for_a_bounded_time(
    demo: dict[str, Member], looks: list[int], pushes_lost: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, last = await _open(demo["crro"])
    await _resume(client, last)
    monkeypatch.setattr(marks, "cache", _FailingWrites())
    await sync_to_async(_publish)(demo["crro"])  # the mark is not moved, and nothing raises
    events, _ = await _resume(client, last)
    assert events == []  # late, within TRUST_SECONDS of the last look ...
    monkeypatch.setattr(marks, "TRUST_SECONDS", 0.0)
    events, _ = await _resume(client, last)
    assert [e["title"] for e in events] == ["Mark test"]  # ... never later
    await client.disconnect()


async def test_a_cache_that_errs_sends_every_resume_to_the_database(
    demo: dict[str, Member], looks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, last = await _open(demo["crro"])

    def away(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis is away")

    broken: Callable[..., None] = away
    monkeypatch.setattr(marks, "cache", type("Away", (), {"get": broken, "add": broken})())
    await _resume(client, last)
    await _resume(client, last)
    assert len(looks) == 2
    await client.disconnect()


async def test_a_revoked_token_is_refused_at_the_next_resume_when_nothing_is_new(
    demo: dict[str, Member], looks: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    member = demo["crro"]
    client, last = await _open(member)
    await _resume(client, last)
    # Its control message is lost (Redis dropped it): the resume's own check must notice, by the
    # member's access mark, which the revocation moved.
    monkeypatch.setattr(live, "group_send_on_commit", lambda group, event: None)
    ref = await sync_to_async(lambda: ApiToken.objects.get(user=member).ref)()
    assert await sync_to_async(token_revoke)(member=member, ref=ref)
    _, answer = await _resume(client, last)
    assert answer["type"] == "signed_out"
    assert len(looks) == 1
