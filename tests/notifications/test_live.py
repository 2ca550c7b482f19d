"""Live alerts over a real websocket (Redis in CI), with replay on reconnect and Redis outages."""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from config.asgi import application
from escalation import services as escalation_services
from notifications.dispatch import live_publish, senders_wait, unread_count
from notifications.models import Delivery, LiveEvent, Notification, NotificationState
from partnership.models import Member
from tests import factories
from tests.processes import OwnRedis
from tests.replay import aged_and_pruned
from tests.sockets import socket_for

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(member: Member) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    client = await socket_for(member, "/ws/alerts/")
    connected, _ = await client.connect()
    assert connected
    hello = await client.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return client, hello


async def _until(client: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict[str, Any]:
    while True:
        event: dict[str, Any] = await client.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


async def _report(report: Any) -> Any:
    return await sync_to_async(factories.incident)()


def _declare(officer: Member, incident_id: int) -> None:
    escalation_services.incident_determine(
        officer=officer, incident_id=incident_id, is_major=True, rationale="Disorder likely."
    )


async def test_declaring_alerts_the_crro_at_once(demo: dict[str, Member]) -> None:
    client, hello = await _connect(demo["crro"])
    incident = await sync_to_async(factories.incident_declared)()
    event = await _until(client, "notification")
    assert event["id"] > hello["last_event_id"]
    assert event["urgency"] == "urgent"
    assert event["title"].endswith(": three protocol steps are yours now. Please acknowledge.")
    assert event["url"] == f"/incidents/{incident.pk}/"
    assert event["unread"] >= 1
    # Acknowledging over the socket updates every open page of the member.
    await client.send_json_to({"type": "acknowledge", "notification_id": event["notification_id"]})
    updated = await _until(client, "notification.updated")
    assert updated["state"] == "acknowledged"
    assert updated["unread"] == event["unread"] - 1
    await client.disconnect()


async def test_reconnecting_with_the_last_seen_id_replays_exactly_the_missed_alerts(
    demo: dict[str, Member],
) -> None:
    client, _ = await _connect(demo["coordinator"])
    await sync_to_async(factories.incident_declared)()
    first = await _until(client, "notification")
    await client.disconnect()

    # Three more alerts for the co-ordinator while it is away.
    await sync_to_async(factories.incident_declared)()
    await sync_to_async(factories.incident_declared)()
    await sync_to_async(factories.incident_declared)()
    await sync_to_async(senders_wait)()

    client, _ = await _connect(demo["coordinator"])
    await client.send_json_to({"type": "resume", "last_event_id": first["id"]})
    replayed = []
    while True:
        event = await client.receive_json_from(timeout=5)
        if event["type"] == "resumed":
            break
        replayed.append(event)
    missed = await sync_to_async(
        lambda: list(
            Notification.objects.filter(
                recipient=demo["coordinator"], pk__gt=first["notification_id"]
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    )()
    # Exactly the missed ones, each once, in the order they were published (senders run in
    # parallel, so that need not be the order the notifications were written).
    received = [e["notification_id"] for e in replayed if e["type"] == "notification"]
    assert sorted(received) == missed
    assert len(missed) == 3
    ids = [e["id"] for e in replayed]
    assert ids == sorted(ids)
    assert ids[0] > first["id"]
    await client.disconnect()


def _aged_and_pruned(ids: list[int]) -> None:
    aged_and_pruned(LiveEvent, ids, owner="member", at="created_at")


@pytest.mark.postgres
async def test_a_page_away_longer_than_events_are_kept_is_told_so_not_left_asking(
    demo: dict[str, Member],
) -> None:
    """The events it missed that were pruned are named (the page moves on past them and says the
    inbox has them); the ones kept are replayed after, each naming one the page now has. Before,
    the first kept event named a ``previous`` the page never received, and it asked again on
    every event, for ever."""
    crro = demo["crro"]
    client, hello = await _connect(crro)
    await client.disconnect()  # the page is away (a laptop closed for the week)

    def publish(count: int) -> list[int]:
        for _ in range(count):
            live_publish(crro.pk, {"type": "notification.updated", "state": "open"}, None)
        return list(
            LiveEvent.objects.filter(member=crro, pk__gt=hello["last_event_id"])
            .order_by("pk")
            .values_list("pk", flat=True)
        )

    events = await sync_to_async(publish)(3)
    await sync_to_async(_aged_and_pruned)(events[:2])
    assert await sync_to_async(lambda: LiveEvent.objects.filter(pk__in=events[:2]).count())() == 0
    unread = await sync_to_async(unread_count)(crro.pk)

    client, _ = await _connect(crro)
    await client.send_json_to({"type": "resume", "last_event_id": hello["last_event_id"]})
    skipped = await client.receive_json_from(timeout=5)
    assert skipped == {"type": "skipped", "up_to": events[1], "unread": unread}
    kept = await client.receive_json_from(timeout=5)
    assert (kept["id"], kept["previous"]) == (events[2], events[1])
    assert (await client.receive_json_from(timeout=5))["type"] == "resumed"
    # From there on the page is whole: a heartbeat brings only its answer.
    await client.send_json_to({"type": "resume", "last_event_id": events[2]})
    assert await client.receive_json_from(timeout=5) == {"type": "resumed", "unread": unread}
    await client.disconnect()


async def test_bad_frames_get_a_clear_error_and_the_socket_stays_useful(
    demo: dict[str, Member],
) -> None:
    client, _ = await _connect(demo["crro"])
    await client.send_json_to({"type": "resume", "last_event_id": "lots"})
    assert (await client.receive_json_from())["type"] == "error"
    await client.send_json_to({"type": "acknowledge", "notification_id": 999999})
    assert "No such notification" in (await client.receive_json_from())["detail"]
    await client.send_json_to({"type": "resume", "last_event_id": 0})
    assert (await _until(client, "resumed"))["type"] == "resumed"
    await client.disconnect()


async def test_anonymous_and_outsiders_are_refused() -> None:
    client = WebsocketCommunicator(application, "/ws/alerts/")
    connected, _ = await client.connect()
    assert not connected


# --- Redis going away ----------------------------------------------------------------------------
@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis()
    server.start()
    with override_settings(
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [server.url]},
            }
        }
    ):
        yield server
    server.stop()


@pytest.mark.redis
async def test_with_redis_stopped_the_declaration_succeeds_and_the_alert_arrives_after(
    demo: dict[str, Member], own_redis: OwnRedis
) -> None:
    client, hello = await _connect(demo["crro"])
    incident = await sync_to_async(factories.incident)()
    own_redis.stop()
    # The consumer loses its channel layer with Redis: the browser's socket closes and it
    # reconnects later. Whether this test's connection died already or not does not matter.
    with contextlib.suppress(Exception):
        await client.disconnect()

    began = time.monotonic()
    await sync_to_async(_declare)(demo["officer"], incident.pk)
    assert time.monotonic() - began < 5
    await sync_to_async(senders_wait)()
    referral = await sync_to_async(
        lambda: Notification.objects.get(recipient=demo["crro"], scope=f"incident:{incident.pk}")
    )()
    live = await sync_to_async(
        lambda: Delivery.objects.get(notification=referral, channel="live")
    )()
    assert live.state == "failed"  # recorded: the push could not be made
    assert referral.state == NotificationState.OPEN

    own_redis.start()
    client, _ = await _connect(demo["crro"])
    await client.send_json_to({"type": "resume", "last_event_id": hello["last_event_id"]})
    event = await _until(client, "notification")
    assert event["notification_id"] == referral.pk
    await client.disconnect()
