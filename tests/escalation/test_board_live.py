"""The co-ordinators' board over a real websocket (the in-memory layer, or Redis when present)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from escalation import services
from escalation.models import BoardChange
from partnership import services as services_partnership
from partnership.models import Agency, AgencyKind, Member, Role
from tests import factories
from tests.replay import aged_and_pruned
from tests.sockets import socket_for

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(member: Member, origin: bytes | None = None) -> WebsocketCommunicator:
    return await socket_for(member, "/ws/board/", origin=origin)


async def test_coordinator_sees_a_declaration_on_the_board(demo: dict[str, Member]) -> None:
    incident = await sync_to_async(factories.incident)()
    board = await _connect(demo["coordinator"])
    connected, _ = await board.connect()
    assert connected
    await sync_to_async(services.incident_determine)(
        officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="Disorder."
    )
    event = await board.receive_json_from(timeout=5)
    change = await sync_to_async(BoardChange.objects.filter(incident=incident).latest)("pk")
    assert event == {
        "type": "board.changed",
        "id": change.pk,
        "incident_id": incident.pk,
        "state": "declared_major",
    }
    await board.disconnect()


def _gold_whose_agency_left(demo: dict[str, Member]) -> Member:
    """A gold group member whose agency has left the partnership: the board's own rule still
    lets them in (their role lingers until it is revoked), but they may see no incident."""
    agency = factories.agency_new(
        kind=AgencyKind.VOLUNTARY, name="Former partner", actor=demo["admin"]
    )
    member = factories.member(
        username="gold-left", agency=agency, roles=[Role.GOLD_GROUP], actor=demo["admin"]
    )
    Agency.objects.filter(pk=agency.pk).update(is_active=False)
    return Member.objects.get(pk=member.pk)


async def _resumed(board: WebsocketCommunicator, last: int | None) -> list[dict[str, object]]:
    """What a resume from ``last`` brings, up to and including its ``resumed``."""
    await board.send_json_to(
        {"type": "resume"} if last is None else {"type": "resume", "last_change_id": last}
    )
    received = []
    while True:
        message = await board.receive_json_from(timeout=5)
        received.append(message)
        if message["type"] == "resumed":
            return received


async def test_a_watcher_who_may_not_see_the_incident_receives_nothing_of_it(
    demo: dict[str, Member],
) -> None:
    """The push's visibility is worked out once for every watcher of the process, and still
    answers each by the rule: the co-ordinator beside them receives it, they do not, pushed or
    replayed."""
    left = await sync_to_async(_gold_whose_agency_left)(demo)
    incident = await sync_to_async(factories.incident)()
    hidden = await _connect(left)
    assert (await hidden.connect())[0]
    watching = await _connect(demo["coordinator"])
    assert (await watching.connect())[0]
    start = (await _resumed(hidden, None))[-1]["last_change_id"]
    assert isinstance(start, int)
    number = await sync_to_async(services.board_change_publish)(
        partnership_id=incident.partnership_id, incident_id=incident.pk, state=incident.state
    )
    assert (await watching.receive_json_from(timeout=5))["id"] == number
    assert await hidden.receive_nothing(timeout=0.5)
    assert await _resumed(hidden, start) == [{"type": "resumed", "last_change_id": start}]
    await hidden.disconnect()
    await watching.disconnect()


async def test_a_board_that_missed_pushes_gets_them_when_it_resumes(
    demo: dict[str, Member],
) -> None:
    incident = await sync_to_async(factories.incident)()
    board = await _connect(demo["coordinator"])
    assert (await board.connect())[0]
    start = (await _resumed(board, None))[-1]["last_change_id"]
    assert isinstance(start, int)
    await board.disconnect()  # the page is away while the incident changes
    await sync_to_async(services.incident_determine)(
        officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="Disorder."
    )
    change = await sync_to_async(BoardChange.objects.filter(incident=incident).latest)("pk")
    board = await _connect(demo["coordinator"])
    assert (await board.connect())[0]
    missed = {"type": "board.changed", "id": change.pk, "incident_id": incident.pk}
    assert await _resumed(board, start) == [
        dict(missed, state="declared_major"),
        {"type": "resumed", "last_change_id": change.pk},
    ]
    # Nothing since: a heartbeat's resume brings only its answer.
    assert await _resumed(board, change.pk) == [{"type": "resumed", "last_change_id": change.pk}]
    await board.disconnect()


def _aged_and_pruned(ids: list[int]) -> None:
    aged_and_pruned(BoardChange, ids, owner="partnership", at="changed_at")


@pytest.mark.postgres
async def test_a_board_away_longer_than_changes_are_kept_is_told_to_fetch_it_afresh(
    demo: dict[str, Member],
) -> None:
    """Some changes after its number are gone: the page cannot be brought up to date by the
    ones left, so it is told to fetch the board (as on a reconnect), from a number after which
    nothing is missing; resuming from that number is quiet, however long the board stays
    quiet and however often it is pruned."""
    incident = await sync_to_async(factories.incident)()
    board = await _connect(demo["coordinator"])
    assert (await board.connect())[0]
    start = (await _resumed(board, None))[-1]["last_change_id"]
    assert isinstance(start, int)
    await board.disconnect()  # away for the week

    def publish(count: int) -> list[int]:
        return [
            services.board_change_publish(
                partnership_id=incident.partnership_id, incident_id=incident.pk, state="reported"
            )
            for _ in range(count)
        ]

    changes = await sync_to_async(publish)(3)
    await sync_to_async(_aged_and_pruned)(changes[:2])
    board = await _connect(demo["coordinator"])
    assert (await board.connect())[0]
    assert await _resumed(board, start) == [
        {"type": "resumed", "last_change_id": changes[2], "refetch": True}
    ]
    await sync_to_async(_aged_and_pruned)(changes)  # the newest stays, however old
    assert await _resumed(board, changes[2]) == [{"type": "resumed", "last_change_id": changes[2]}]
    await board.disconnect()


async def test_a_member_whose_board_role_is_revoked_stops_receiving_at_once(
    demo: dict[str, Member],
) -> None:
    incident = await sync_to_async(factories.incident)()
    member = demo["coordinator"]
    board = await _connect(member)
    assert (await board.connect())[0]

    def revoke() -> None:
        for assignment in member.role_assignments.all():
            services_partnership.role_revoke(actor=demo["admin"], assignment=assignment)

    await sync_to_async(revoke)()
    closed = await board.receive_output(timeout=5)
    while closed["type"] != "websocket.close":
        closed = await board.receive_output(timeout=5)
    assert closed["code"] == 4403
    await sync_to_async(services.board_change_publish)(
        partnership_id=incident.partnership_id, incident_id=incident.pk, state=incident.state
    )
    assert await board.receive_nothing(timeout=0.5)


async def test_board_refuses_other_roles_and_anonymous(demo: dict[str, Member]) -> None:
    refused = await _connect(demo["panel-housing"])
    connected, code = await refused.connect()
    assert not connected
    assert code == 4403
    anonymous = WebsocketCommunicator(application, "/ws/board/")
    connected, _ = await anonymous.connect()
    assert not connected


async def test_board_refuses_pages_of_other_sites(demo: dict[str, Member]) -> None:
    hijack = await _connect(demo["coordinator"], origin=b"https://evil.example")
    connected, _ = await hijack.connect()
    assert not connected
    same_site = await _connect(demo["coordinator"], origin=b"http://127.0.0.1:8000")
    connected, _ = await same_site.connect()
    assert connected
    await same_site.disconnect()


async def test_a_watcher_whose_agency_is_withdrawn_stops_receiving_at_once(
    demo: dict[str, Member],
) -> None:
    """Withdrawn in Django admin: the board's own rule still lets a gold member in, but they may
    see no incident from that moment, not from their page's next heartbeat."""
    agency = await sync_to_async(factories.agency_new)(
        kind=AgencyKind.VOLUNTARY, name="Leaving partner", actor=demo["admin"]
    )
    member = await sync_to_async(factories.member)(
        username="gold-leaving", agency=agency, roles=[Role.GOLD_GROUP], actor=demo["admin"]
    )
    incident = await sync_to_async(factories.incident)()
    board = await _connect(member)
    assert (await board.connect())[0]
    await sync_to_async(services.board_change_publish)(
        partnership_id=incident.partnership_id, incident_id=incident.pk, state=incident.state
    )
    assert (await board.receive_json_from(timeout=5))["incident_id"] == incident.pk

    def withdraw() -> None:
        agency.is_active = False
        agency.save()

    await sync_to_async(withdraw)()
    await sync_to_async(services.board_change_publish)(
        partnership_id=incident.partnership_id, incident_id=incident.pk, state=incident.state
    )
    assert await board.receive_nothing(timeout=1)
    await board.disconnect()
