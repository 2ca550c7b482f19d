"""Gold groups: convened for an incident and the other partnership's incident linked to it (a joint
group), members of both told at once; each partnership decides what of its incident the other's
members see; decisions under the Joint Decision Model's headings are never edited, only
superseded (both versions kept, the chains verify); a review not done falls due and climbs the
ladder; the room is live."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone

from escalation import services as escalation_services
from escalation.models import Incident
from gold import services
from gold.jobs import decision_reviews_run
from gold.models import Decision, DecisionState, GoldGroup, ShareKind
from notifications.models import Notification
from partnership.auth import token_issue
from partnership.demo import NEIGHBOUR_SLUG, PARTNERSHIP_SLUG, demo_load
from partnership.models import AgencyKind, Area, AuditEvent, Member, Partnership, Role
from partnership.timeline import timeline_verify
from tests import factories
from tests.sockets import socket_for

MK_TITLE = "MKGroupTitle leaflets at the Fishermead shops"
AV_TITLE = "AVGroupTitle leaflets at Southcourt"
OPTIONS = [
    {"option": "Targeted reassurance to the two estates' mosques", "chosen": True},
    {
        "option": "Town-wide media appeal",
        "chosen": False,
        "why": "Would spread the leaflets' message further",
    },
]


def _working_in(username: str, slug: str) -> Member:
    member = Member.objects.get(username=username)
    member.work_in(Partnership.objects.get(slug=slug))
    return member


def _api(username: str, partnership: str | None = None) -> Client:
    member = Member.objects.get(username=username)
    headers = {"Authorization": f"Token {token_issue(member=member).key}"}
    if partnership is not None:
        headers["X-Partnership"] = partnership
    return Client(headers=headers)


def _linked_pair() -> tuple[Incident, Incident]:
    """An incident declared major in Milton Keynes and one reported in Aylesbury Vale, linked."""
    mk = factories.incident_declared(title=MK_TITLE)
    demo_load(with_neighbour=True)
    av = escalation_services.incident_report(
        reporter=_working_in("av-staff", NEIGHBOUR_SLUG),
        title=AV_TITLE,
        description="Found on the Southcourt estate.",
        occurred_at=mk.occurred_at,
        area=Area.objects.filter(partnership__slug=NEIGHBOUR_SLUG).order_by("name")[0],
        strands=["race"],
        tension_level="elevated",
        location="",
        safeguarding_steps="",
    )
    link = services.incident_link_request(
        actor=_working_in("coordinator", PARTNERSHIP_SLUG),
        incident=mk,
        other_partnership=av.partnership,
        other_reference=av.reference,
        reason="Same leaflets.",
    )
    services.incident_link_agree(
        actor=_working_in("av-coordinator", NEIGHBOUR_SLUG), link_id=link.pk
    )
    return mk, av


def _convened(mk: Incident) -> GoldGroup:
    members = Member.objects.filter(username__in=["chief", "rec", "av-coordinator", "av-rec"])
    return services.gold_group_convene(
        actor=_working_in("gold", PARTNERSHIP_SLUG),
        incident=mk,
        title="Operation Leaflet",
        member_ids=[m.pk for m in members],
    )


def _decide(group: GoldGroup, by: str = "gold", **changes: Any) -> Decision:
    fields: dict[str, Any] = {
        "information": "Leaflets on two estates either side of the boundary, one signature.",
        "threat_and_risk": "Reprisals against the mosques; tension rising.",
        "powers_and_policies": "Public Order Act 1986 s.19; the partnership's protocol.",
        "options": OPTIONS,
        "decision": "Targeted reassurance; no town-wide appeal.",
        "rationale": "Reaches those affected without spreading the message.",
        "review_at": timezone.now() + timedelta(hours=6),
    }
    fields.update(changes)
    return services.decision_record(
        actor=_working_in(by, PARTNERSHIP_SLUG), group_id=group.pk, **fields
    )


@pytest.mark.django_db
def test_a_joint_group_seats_both_partnerships_and_tells_them_at_once(
    demo: dict[str, Member],
) -> None:
    mk, av = _linked_pair()
    group = _convened(mk)
    assert set(group.incidents.all()) == {mk, av}
    assert sorted(group.parties.values_list("slug", flat=True)) == [
        NEIGHBOUR_SLUG,
        PARTNERSHIP_SLUG,
    ]
    seats = {(s.member.username, s.partnership.slug) for s in group.seats.all()}
    assert seats == {
        ("gold", PARTNERSHIP_SLUG),
        ("chief", PARTNERSHIP_SLUG),
        ("rec", PARTNERSHIP_SLUG),
        ("av-coordinator", NEIGHBOUR_SLUG),
        ("av-rec", NEIGHBOUR_SLUG),
    }
    told = Notification.objects.filter(idempotency_key__startswith=f"gold-group:{group.pk}:")
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "av-coordinator",
        "av-rec",
        "chief",
        "rec",
    ]
    assert told.get(recipient__username="av-rec").partnership_id == (
        Partnership.objects.get(slug=NEIGHBOUR_SLUG).pk
    )
    for slug, incident in [(PARTNERSHIP_SLUG, mk), (NEIGHBOUR_SLUG, av)]:
        assert AuditEvent.objects.filter(
            verb="gold_group.convened", partnership__slug=slug, scope=f"incident:{incident.pk}"
        ).exists()


@pytest.mark.django_db
def test_the_other_partnership_sees_only_what_is_shared(demo: dict[str, Member]) -> None:
    mk, av = _linked_pair()
    group = _convened(mk)
    path = f"/api/gold-groups/{group.pk}/"
    before = _api("av-rec").get(path)
    assert before.status_code == 200
    assert MK_TITLE not in before.content.decode()
    mk_panel = next(i for i in before.json()["incidents"] if i["reference"] == mk.reference)
    assert mk_panel == {
        "reference": mk.reference,
        "partnership": mk.partnership.name,
        "own": False,
        "summary": None,
        "timeline": None,
        "situation_reports": None,
    }
    # Their own incident they see in full, whatever Milton Keynes shares.
    own = next(i for i in before.json()["incidents"] if i["reference"] == av.reference)
    assert own["summary"]["title"] == AV_TITLE

    # Only a seated gold commander or co-ordinator of Milton Keynes decides what it shares.
    refused = _api("rec").post(
        f"{path}share/", {"shares": ["summary"]}, content_type="application/json"
    )
    assert refused.status_code == 403
    shared = _api("gold", PARTNERSHIP_SLUG).post(
        f"{path}share/", {"shares": [ShareKind.SUMMARY]}, content_type="application/json"
    )
    assert shared.status_code == 200, shared.content
    after = _api("av-rec").get(path).json()
    mk_panel = next(i for i in after["incidents"] if i["reference"] == mk.reference)
    assert mk_panel["summary"]["title"] == MK_TITLE
    assert mk_panel["timeline"] is None
    assert mk_panel["situation_reports"] is None
    page = Client()
    page.force_login(Member.objects.get(username="av-rec"))
    text = page.get(f"/gold-groups/{group.pk}/").content.decode()
    assert MK_TITLE in text
    assert "Protocol steps" not in text.split(AV_TITLE)[0]
    assert AuditEvent.objects.filter(
        verb="gold_group.shared", partnership__slug=NEIGHBOUR_SLUG
    ).exists()
    # Withdrawn, it is gone again.
    _api("gold", PARTNERSHIP_SLUG).post(
        f"{path}share/", {"shares": []}, content_type="application/json"
    )
    assert MK_TITLE not in _api("av-rec").get(path).content.decode()


@pytest.mark.django_db
def test_nobody_outside_the_group_opens_it(demo: dict[str, Member]) -> None:
    mk, _ = _linked_pair()
    group = _convened(mk)
    third = factories.partnership_new(name="Wycombe Hate Crime Partnership", slug="wycombe")
    council = factories.agency_new(kind=AgencyKind.COUNCIL, name="Wycombe Council", within=third)
    factories.member(username="wycombe-all", agency=council, roles=tuple(Role), within=third)
    for username, slug in [
        ("wycombe-all", None),
        ("av-chair", None),  # Aylesbury Vale, not seated
        ("panel-housing", None),  # Milton Keynes, not seated
        ("officer", NEIGHBOUR_SLUG),
    ]:
        client = _api(username, slug)
        assert client.get(f"/api/gold-groups/{group.pk}/").status_code == 404, username
        assert client.get(f"/api/gold-groups/{group.pk}/decisions/").status_code == 404
    # Milton Keynes's co-ordinator sees the group its partnership convened without a seat, but
    # records nothing in it.
    coordinator = _api("coordinator")
    assert coordinator.get(f"/api/gold-groups/{group.pk}/").status_code == 200
    assert coordinator.post(f"/api/gold-groups/{group.pk}/decisions/", {}).status_code == 403


@pytest.mark.django_db
def test_a_superseded_decision_keeps_both_versions_and_the_chains_verify(
    demo: dict[str, Member],
) -> None:
    mk, av = _linked_pair()
    group = _convened(mk)
    first = _decide(group)
    first_words = (first.information, first.decision, first.options)
    no_reason = _api("gold", PARTNERSHIP_SLUG).post(
        f"/api/gold-groups/{group.pk}/decisions/",
        {
            "information": "More leaflets.",
            "threat_and_risk": "Higher.",
            "powers_and_policies": "The same.",
            "options": OPTIONS,
            "decision": "Add patrols.",
            "rationale": "Tension rose.",
            "review_at": (timezone.now() + timedelta(hours=2)).isoformat(),
            "supersedes_id": first.pk,
        },
        content_type="application/json",
    )
    assert no_reason.status_code == 400
    assert "change_reason" in no_reason.json()
    second = _decide(
        group,
        by="chief",
        decision="Targeted reassurance, and patrols at both mosques.",
        supersedes_id=first.pk,
        change_reason="A second night of leaflets.",
    )
    first.refresh_from_db()
    assert first.state == DecisionState.SUPERSEDED
    assert (first.information, first.decision, first.options) == first_words
    assert (second.number, second.version, second.supersedes_id) == (1, 2, first.pk)
    log = _api("av-coordinator").get(f"/api/gold-groups/{group.pk}/decisions/").json()
    assert [(d["number"], d["version"], d["state"]) for d in log] == [
        (1, 1, "superseded"),
        (1, 2, "in_force"),
    ]
    # A superseded version cannot be superseded again.
    with pytest.raises(Exception, match="already been superseded"):
        _decide(group, supersedes_id=first.pk, change_reason="Again.")
    for slug, incident in [(PARTNERSHIP_SLUG, mk), (NEIGHBOUR_SLUG, av)]:
        events = AuditEvent.objects.filter(
            partnership__slug=slug,
            scope=f"incident:{incident.pk}",
            verb__in=["decision.recorded", "decision.superseded"],
        ).order_by("seq")
        assert [(e.verb, e.changes["version"], e.changes["decision"]) for e in events] == [
            ("decision.recorded", 1, "Targeted reassurance; no town-wide appeal."),
            ("decision.superseded", 2, "Targeted reassurance, and patrols at both mosques."),
        ]
        assert timeline_verify(Partnership.objects.get(slug=slug).pk).ok


@pytest.mark.django_db
def test_a_decision_needs_its_headings_a_rejected_option_and_a_future_review(
    demo: dict[str, Member],
) -> None:
    mk, _ = _linked_pair()
    group = _convened(mk)
    client = _api("gold", PARTNERSHIP_SLUG)
    answer = client.post(
        f"/api/gold-groups/{group.pk}/decisions/",
        {
            "information": "x",
            "threat_and_risk": "x",
            "powers_and_policies": "x",
            "options": [{"option": "Only one", "chosen": True}],
            "decision": "x",
            "rationale": "x",
            "review_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert set(answer.json()) >= {"options", "review_at"}
    rejected_without_why = [*OPTIONS[:1], {"option": "Do nothing", "chosen": False}]
    with pytest.raises(Exception, match="Say why “Do nothing” was rejected"):
        _decide(group, options=rejected_without_why)
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_a_review_not_done_falls_due_and_escalates(demo: dict[str, Member]) -> None:
    mk, _ = _linked_pair()
    group = _convened(mk)
    decision = _decide(group)
    due = decision.review_at
    decision_reviews_run(due - timedelta(seconds=1))
    decision.refresh_from_db()
    assert decision.state == DecisionState.IN_FORCE
    decision_reviews_run(due + timedelta(seconds=1))
    decision.refresh_from_db()
    assert decision.state == DecisionState.REVIEW_OVERDUE
    reminded = Notification.objects.filter(
        subject_id=str(decision.pk), title__contains="was due for review"
    )
    assert list(reminded.values_list("recipient__username", flat=True)) == ["gold"]
    decision_reviews_run(due + timedelta(hours=1, seconds=1))
    decision.refresh_from_db()
    assert decision.state == DecisionState.REVIEW_ESCALATED
    assert set(reminded.values_list("recipient__username", flat=True)) == {"gold"}
    decision_reviews_run(due + timedelta(hours=4, seconds=1))
    told = set(reminded.values_list("recipient__username", flat=True))
    assert {"coordinator", "chief"} <= told
    # In the reader's voice: the one who decided is asked to review it, those above to make sure.
    titles = dict(reminded.values_list("recipient__username", "title"))
    assert titles["gold"].startswith("Your gold decision 1 of “")
    assert "Please make sure it is reviewed." in titles["coordinator"]
    assert not any("OVERDUE" in title for title in titles.values())
    verbs = list(
        AuditEvent.objects.filter(
            subject_id=str(decision.pk),
            verb__startswith="decision.",
            partnership__slug=PARTNERSHIP_SLUG,
        )
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs[:2] == ["decision.recorded", "decision.overdue"]
    assert "decision.escalated" in verbs
    # Reviewed (a version that stands), the ladder stops.
    _decide(group, supersedes_id=decision.pk, change_reason="Reviewed: it stands.")
    decision.refresh_from_db()
    assert (decision.state, decision.next_rung_at) == (DecisionState.SUPERSEDED, None)


@pytest.mark.django_db(transaction=True)
async def test_a_member_of_the_other_partnership_sees_a_decision_the_moment_it_is_made(
    demo: dict[str, Member],
) -> None:
    mk, _ = await sync_to_async(_linked_pair)()
    group = await sync_to_async(_convened)(mk)
    av_rec = await sync_to_async(Member.objects.get)(username="av-rec")
    client = await socket_for(av_rec, f"/ws/gold-groups/{group.pk}/")
    connected, _ = await client.connect(timeout=5)
    assert connected
    state = await client.receive_json_from(timeout=5)
    assert (state["type"], state["entries"]) == ("state", [])
    made = await sync_to_async(_decide)(group)
    entry = await client.receive_json_from(timeout=5)
    assert entry["type"] == "entry"
    assert (entry["id"], entry["decision"]) == (made.pk, made.decision)
    await client.disconnect()
    outsider = await sync_to_async(Member.objects.get)(username="av-chair")
    refused = await socket_for(outsider, f"/ws/gold-groups/{group.pk}/")
    connected, code = await refused.connect(timeout=5)
    assert (connected, code) == (False, 4404)


@pytest.mark.django_db
def test_a_message_goes_out_only_once_its_approver_has_approved_it(
    demo: dict[str, Member],
) -> None:
    mk, av = _linked_pair()
    group = _convened(mk)
    chief = Member.objects.get(username="chief")
    gold = _api("gold", PARTNERSHIP_SLUG)
    proposed = gold.post(
        f"/api/gold-groups/{group.pk}/comms/",
        {
            "audiences": "Worshippers at both estates' mosques",
            "message": "Officers will be at evening prayers all week.",
            "channel": "meeting",
            "approver_id": chief.pk,
            "send_at": (timezone.now() + timedelta(hours=2)).isoformat(),
        },
        content_type="application/json",
    )
    assert proposed.status_code == 201, proposed.content
    item = proposed.json()["id"]
    outsider = Member.objects.get(username="panel-housing")
    not_seated = gold.post(
        f"/api/gold-groups/{group.pk}/comms/",
        {
            "audiences": "x",
            "message": "x",
            "channel": "press",
            "approver_id": outsider.pk,
            "send_at": timezone.now().isoformat(),
        },
        content_type="application/json",
    )
    assert not_seated.status_code == 400
    assert "approver" in not_seated.json()
    # Only its approver approves it; it cannot go out before.
    assert gold.post(f"/api/comms/{item}/approve/").status_code == 403
    assert gold.post(f"/api/comms/{item}/sent/").status_code == 409
    assert _api("chief").post(f"/api/comms/{item}/approve/").status_code == 200
    assert _api("av-rec").post(f"/api/comms/{item}/sent/").status_code == 200
    answered = _api("av-rec").post(
        f"/api/comms/{item}/answer/",
        {"response": "Thanked; asked for patrols at Friday prayers."},
        content_type="application/json",
    )
    assert answered.status_code == 200
    assert answered.json()["state"] == "answered"
    assert _api("av-chair").get(f"/api/gold-groups/{group.pk}/comms/").status_code == 404
    assert _api("av-chair").post(f"/api/comms/{item}/approve/").status_code == 404
    for slug, incident in [(PARTNERSHIP_SLUG, mk), (NEIGHBOUR_SLUG, av)]:
        verbs = list(
            AuditEvent.objects.filter(
                partnership__slug=slug, scope=f"incident:{incident.pk}", verb__startswith="comms."
            )
            .order_by("seq")
            .values_list("verb", flat=True)
        )
        assert verbs == ["comms.proposed", "comms.approved", "comms.sent", "comms.answered"]
    page = Client()
    page.force_login(chief)
    text = page.get(f"/gold-groups/{group.pk}/").content.decode()
    assert "Thanked; asked for patrols at Friday prayers." in text
    assert "Communications plan" in text
