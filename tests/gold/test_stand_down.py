"""A gold group stands down (with its reason, every member told, on every party's timeline; its
room read-only from then, live; the reviews of its decisions in force stop), and members are
seated in a sitting group (each told at once; the room's list refreshed live)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from gold import services
from gold.jobs import decision_reviews_run
from gold.models import Decision, DecisionState, GoldGroup, GroupState
from notifications.models import Notification
from partnership.demo import NEIGHBOUR_SLUG, PARTNERSHIP_SLUG
from partnership.models import AgencyKind, AuditEvent, Member
from partnership.timeline import timeline_verify
from tests import factories
from tests.gold.test_groups import _api, _convened, _decide, _linked_pair, _working_in
from tests.sockets import socket_for

REASON = "Tension back to normal on both estates; no further leaflets for a week."


def _page(username: str, group: GoldGroup) -> str:
    """The group's page as a member working in Milton Keynes (the convening partnership)."""
    Member.objects.filter(username=username).update(
        chosen_partnership=factories.partnership(PARTNERSHIP_SLUG)
    )
    client = Client()
    client.force_login(Member.objects.get(username=username))
    response = client.get(f"/gold-groups/{group.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_group_stands_down_with_its_reason_every_member_told_and_on_every_timeline(
    demo: dict[str, Member],
) -> None:
    mk, av = _linked_pair()
    group = _convened(mk)
    decision = _decide(group)
    path = f"/api/gold-groups/{group.pk}/stand-down/"
    # Only the convening partnership's gold commander or co-ordinator stands it down.
    assert _api("rec").post(path, {"reason": REASON}, "application/json").status_code == 403
    seated_elsewhere = _api("av-coordinator", NEIGHBOUR_SLUG)
    assert seated_elsewhere.post(path, {"reason": REASON}, "application/json").status_code == 403
    gold = _api("gold", PARTNERSHIP_SLUG)
    assert gold.post(path, {"reason": ""}, "application/json").status_code == 400

    response = gold.post(path, {"reason": REASON}, "application/json")
    assert response.status_code == 200, response.content
    assert response.json()["group"]["state"] == "stood_down"
    group.refresh_from_db()
    assert (group.state, group.stand_down_reason) == (GroupState.STOOD_DOWN, REASON)
    assert group.stood_down_by is not None
    assert group.stood_down_by.username == "gold"
    told = Notification.objects.filter(idempotency_key__startswith=f"gold-group:{group.pk}:stood")
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "av-coordinator",
        "av-rec",
        "chief",
        "rec",
    ]
    assert all(REASON in body for body in told.values_list("body", flat=True))
    for slug, incident in [(PARTNERSHIP_SLUG, mk), (NEIGHBOUR_SLUG, av)]:
        event = AuditEvent.objects.get(
            verb="gold_group.stood_down", partnership__slug=slug, scope=f"incident:{incident.pk}"
        )
        assert event.changes["reason"] == REASON
        assert event.changes["decisions"] == [f"{decision.number}.{decision.version}"]
        assert timeline_verify(partnership=factories.partnership(slug)).ok
    # The decision stands as the group's last word; nobody is left to review it, so no ladder.
    decision.refresh_from_db()
    assert (decision.state, decision.next_rung_at) == (DecisionState.STOOD_DOWN, None)
    decision_reviews_run(decision.review_at + timedelta(hours=5))
    assert not Notification.objects.filter(subject_id=str(decision.pk), title__startswith="REVIEW")
    # Again: it already has.
    assert gold.post(path, {"reason": REASON}, "application/json").status_code == 409


@pytest.mark.django_db
def test_a_stood_down_group_s_room_is_read_only(demo: dict[str, Member]) -> None:
    mk, _ = _linked_pair()
    group = _convened(mk)
    decision = _decide(group)
    chief = Member.objects.get(username="chief")
    item = services.comms_propose(
        actor=_working_in("gold", PARTNERSHIP_SLUG),
        group_id=group.pk,
        audiences="Worshippers",
        message="Officers at evening prayers.",
        channel="meeting",
        approver_id=chief.pk,
        send_at=timezone.now() + timedelta(hours=2),
    )
    services.gold_group_stand_down(
        actor=_working_in("gold", PARTNERSHIP_SLUG), group_id=group.pk, reason=REASON
    )
    gold = _api("gold", PARTNERSHIP_SLUG)
    base = f"/api/gold-groups/{group.pk}"
    later = (timezone.now() + timedelta(hours=6)).isoformat()
    refused = {
        "decision": gold.post(
            f"{base}/decisions/",
            {
                "information": "x",
                "threat_and_risk": "x",
                "powers_and_policies": "x",
                "options": [
                    {"option": "a", "chosen": True},
                    {"option": "b", "chosen": False, "why": "c"},
                ],
                "decision": "x",
                "rationale": "x",
                "review_at": later,
                "supersedes_id": decision.pk,
                "change_reason": "Reviewed.",
            },
            "application/json",
        ),
        "share": gold.post(f"{base}/share/", {"shares": ["summary"]}, "application/json"),
        "comms": gold.post(
            f"{base}/comms/",
            {
                "audiences": "x",
                "message": "x",
                "channel": "press",
                "approver_id": chief.pk,
                "send_at": later,
            },
            "application/json",
        ),
        "seat": gold.post(
            f"{base}/seats/",
            {"member_ids": [Member.objects.get(username="crro").pk]},
            "application/json",
        ),
        "approve": _api("chief", PARTNERSHIP_SLUG).post(f"/api/comms/{item.pk}/approve/"),
    }
    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 409)
    assert Decision.objects.filter(group=group).count() == 1
    assert group.seats.count() == 5
    # Its page keeps everything to read, and offers nothing to do.
    text = _page("gold", group)
    assert "This group has stood down" in text
    assert REASON in text
    assert decision.decision in text
    for form in ("decisions/", "share/", "comms/", "seats/", "stand-down/", "approve/"):
        assert f'/{form}"' not in text, form


@pytest.mark.django_db
def test_a_member_seated_in_a_sitting_group_is_told_and_may_open_it(
    demo: dict[str, Member],
) -> None:
    mk, av = _linked_pair()
    group = _convened(mk)
    newcomer = Member.objects.get(username="av-chair")
    third = factories.partnership_new(name="Wycombe Hate Crime Partnership", slug="wycombe")
    council = factories.agency_new(kind=AgencyKind.COUNCIL, name="Wycombe Council", within=third)
    outsider = factories.member(username="wycombe-lead", agency=council, within=third)
    assert _api("av-chair", NEIGHBOUR_SLUG).get(f"/api/gold-groups/{group.pk}/").status_code == 404
    path = f"/api/gold-groups/{group.pk}/seats/"
    # A seated member who is neither gold nor a co-ordinator seats nobody.
    refused = _api("rec").post(path, {"member_ids": [newcomer.pk]}, "application/json")
    assert refused.status_code == 403
    gold = _api("gold", PARTNERSHIP_SLUG)
    for ids in ([outsider.pk], [Member.objects.get(username="rec").pk]):
        bad = gold.post(path, {"member_ids": ids}, "application/json")
        assert bad.status_code == 400
        assert "members" in bad.json()
    response = gold.post(path, {"member_ids": [newcomer.pk]}, "application/json")
    assert response.status_code == 200, response.content
    assert any(m["member"] == str(newcomer) for m in response.json()["members"])
    seat = group.seats.get(member=newcomer)
    assert seat.partnership.slug == NEIGHBOUR_SLUG
    told = Notification.objects.get(idempotency_key__startswith=f"gold-group:{group.pk}:seated")
    assert told.recipient == newcomer
    assert told.partnership_id == av.partnership_id
    for slug in (PARTNERSHIP_SLUG, NEIGHBOUR_SLUG):
        assert AuditEvent.objects.filter(verb="gold_group.seated", partnership__slug=slug).exists()
    assert _api("av-chair", NEIGHBOUR_SLUG).get(f"/api/gold-groups/{group.pk}/").status_code == 200
    # The page offers the convening co-ordinator the same, by name.
    text = _page("coordinator", group)
    assert f'action="/gold-groups/{group.pk}/seats/"' in text
    assert f'action="/gold-groups/{group.pk}/stand-down/"' in text


@pytest.mark.django_db(transaction=True)
async def test_the_room_sees_a_new_seat_and_the_stand_down_live(
    demo: dict[str, Member],
) -> None:
    mk, _ = await sync_to_async(_linked_pair)()
    group = await sync_to_async(_convened)(mk)
    av_rec = await sync_to_async(Member.objects.get)(username="av-rec")
    room = await socket_for(av_rec, f"/ws/gold-groups/{group.pk}/")
    connected, _ = await room.connect(timeout=5)
    assert connected
    state = await room.receive_json_from(timeout=5)
    assert state["group"]["state"] == "convened"
    newcomer = await sync_to_async(Member.objects.get)(username="av-chair")
    gold = await sync_to_async(_working_in)("gold", PARTNERSHIP_SLUG)
    await sync_to_async(services.gold_group_seat)(
        actor=gold, group_id=group.pk, member_ids=[newcomer.pk]
    )
    seated = await room.receive_json_from(timeout=5)
    assert str(newcomer) in [m["member"] for m in seated["members"]]
    await sync_to_async(services.gold_group_stand_down)(
        actor=gold, group_id=group.pk, reason=REASON
    )
    stood = await room.receive_json_from(timeout=5)
    assert stood["group"]["state"] == "stood_down"
    assert stood["group"]["stand_down_reason"] == REASON
    await room.disconnect()


@pytest.mark.django_db
def test_a_seat_or_a_decision_sent_twice_from_the_page_is_made_once(
    demo: dict[str, Member],
) -> None:
    mk, _ = _linked_pair()
    group = _convened(mk)
    Member.objects.filter(username="gold").update(
        chosen_partnership=factories.partnership(PARTNERSHIP_SLUG)
    )
    client = Client()
    client.force_login(Member.objects.get(username="gold"))
    page = client.get(f"/gold-groups/{group.pk}/").content.decode()
    keys = re.findall(r'name="submit_once" value="([0-9a-f-]{36})"', page)
    assert len(keys) >= 3  # seats, comms, decision: each form its own key
    crro = Member.objects.get(username="crro")
    seat_form = re.search(rf'action="/gold-groups/{group.pk}/seats/"(.*?)</form>', page, re.S)
    assert seat_form
    key = re.search(r'name="submit_once" value="([0-9a-f-]{36})"', seat_form.group(1))
    assert key
    body = {"members": [crro.pk], "submit_once": key.group(1)}
    first = client.post(f"/gold-groups/{group.pk}/seats/", body)
    assert first.status_code == 302
    again = client.post(f"/gold-groups/{group.pk}/seats/", body, follow=True)
    assert "nothing new was made" in again.content.decode()
    assert group.seats.filter(member=crro).count() == 1
    assert AuditEvent.objects.filter(verb="gold_group.seated").count() == 2  # one per party
