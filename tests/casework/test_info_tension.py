"""Information shared by practitioners reaches the CRRO and the co-ordinator at once, graded and
on the timeline; community tension per area over time, where a rise alerts them live."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError

from casework import services
from casework.info_models import TensionRecord
from notifications.models import Notification
from partnership.models import AgencyKind, AuditEvent, Member, Role
from tests import factories
from tests.sockets import socket_for


@pytest.mark.django_db
def test_shared_information_is_graded_told_to_the_crro_and_coordinator_and_on_the_timeline(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident()
    shared = services.information_share(
        actor=demo["officer"],
        text="Leaflets calling for a protest outside the mosque on Friday.",
        source_grade="2",
        information_grade="B",
        incident=incident,
    )
    assert shared.grading == "2B"
    told = set(
        Notification.objects.filter(
            idempotency_key__startswith=f"information:{shared.pk}:"
        ).values_list("recipient__username", flat=True)
    )
    assert {"crro", "coordinator"} <= told
    assert AuditEvent.objects.filter(
        verb="information.shared", scope=f"incident:{incident.pk}"
    ).exists()
    with pytest.raises(ValidationError):
        services.information_share(
            actor=demo["member"],
            text="x",
            source_grade="9",
            information_grade="B",
            area=factories.area(),
        )
    with pytest.raises(PermissionDenied):  # Victim Support's member may not see that incident
        services.information_share(
            actor=demo["member"],
            text="x",
            source_grade="1",
            information_grade="A",
            incident=incident,
        )


@pytest.mark.django_db
def test_only_the_crro_and_coordinator_record_tension_and_a_fall_alerts_nobody(
    demo: dict[str, Member],
) -> None:
    area = factories.area()
    with pytest.raises(PermissionDenied):
        services.tension_record(
            actor=demo["member"], area=area, level="high", reason="x", source="y"
        )
    services.tension_record(
        actor=demo["crro"], area=area, level="high", reason="Graffiti.", source="Patrol"
    )
    calmer = services.tension_record(
        actor=demo["crro"], area=area, level="low", reason="Calm weekend.", source="Patrol"
    )
    assert not Notification.objects.filter(idempotency_key__startswith="tension:").exists()
    assert services.tension_now(area) == calmer


@pytest.mark.django_db
def test_the_area_page_charts_tension_over_time_and_the_board_shows_it_now(
    demo: dict[str, Member], client_for: Any
) -> None:
    area = factories.area()
    for level in ("low", "elevated", "high"):
        services.tension_record(
            actor=demo["coordinator"], area=area, level=level, reason=f"{level} now", source="CCTV"
        )
    page = client_for("member").get(f"/tension/areas/{area.pk}/")
    assert page.status_code == 200
    assert b"<polyline" in page.content
    assert page.content.count(b"<tr><td>") == 3
    board = client_for("coordinator").get("/board/")
    assert b"Community tension" in board.content
    assert b"high now" in board.content


async def _notification(client: Any) -> dict[str, Any]:
    while True:
        event: dict[str, Any] = await client.receive_json_from(timeout=5)
        if event["type"] == "notification":
            return event


@pytest.mark.django_db(transaction=True)
async def test_a_tension_rise_alerts_the_coordinator_and_crro_live_and_the_board_shows_it(
    demo: dict[str, Member], client_for: Any
) -> None:
    area = await sync_to_async(factories.area)()
    await sync_to_async(services.tension_record)(
        actor=demo["crro"], area=area, level="low", reason="Quiet.", source="Patrol"
    )
    alerts = {}
    for username in ("coordinator", "crro"):
        alerts[username] = await socket_for(demo[username], "/ws/alerts/")
        connected, _ = await alerts[username].connect()
        assert connected
        assert (await alerts[username].receive_json_from(timeout=5))["type"] == "hello"
    board = await socket_for(demo["coordinator"], "/ws/board/")
    connected, _ = await board.connect()
    assert connected
    record = await sync_to_async(services.tension_record)(
        actor=demo["ppc"],
        area=area,
        level="critical",
        reason="Counter-protest called for tonight.",
        source="Community leader",
    )
    for client in alerts.values():
        event = await _notification(client)
        assert event["title"] == f"Tension rising in {area}: Low → Critical"
        assert event["urgency"] == "urgent"
        await client.disconnect()
    # The board is told its tension panel changed, and fetching the panel shows the rise.
    assert await board.receive_json_from(timeout=5) == {"type": "board.panel", "panel": "tension"}
    await board.disconnect()
    panel = await sync_to_async(lambda: client_for("coordinator").get("/tension/board/"))()
    assert b"Counter-protest called for tonight." in panel.content
    assert b"tension-critical" in panel.content
    assert await sync_to_async(TensionRecord.objects.filter(pk=record.pk).exists)()


@pytest.mark.django_db(transaction=True)
async def test_a_tension_record_reaches_no_board_of_another_partnership(
    demo: dict[str, Member],
) -> None:
    def outsider_made() -> Member:
        third = factories.partnership_new(name="Wycombe Hate Crime Partnership", slug="wycombe")
        council = factories.agency_new(
            kind=AgencyKind.COUNCIL, name="Wycombe Council", within=third
        )
        return factories.member(
            username="wycombe-all", agency=council, roles=tuple(Role), within=third
        )

    outsider = await sync_to_async(outsider_made)()
    board = await socket_for(outsider, "/ws/board/")
    connected, _ = await board.connect()
    assert connected
    await sync_to_async(services.tension_record)(
        actor=demo["crro"],
        area=await sync_to_async(factories.area)(),
        level="high",
        reason="Graffiti.",
        source="Patrol",
    )
    assert await board.receive_nothing(timeout=1)
    await board.disconnect()
