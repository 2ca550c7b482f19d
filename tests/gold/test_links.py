"""Incidents connected across partnerships: one partnership's CSP Co-ordinator asks, the other's
agrees or declines; only an agreed link is live; either side may end it. Both timelines record
every step, each protocol keeps its own clock, each side sees of the other only a reference, a
partnership and (once live) a state, and a third partnership sees nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from escalation import services as escalation_services
from escalation.models import Incident
from gold.models import IncidentLink, LinkState
from notifications.models import Notification
from partnership.auth import token_issue
from partnership.demo import NEIGHBOUR_SLUG, PARTNERSHIP_SLUG, demo_load
from partnership.models import AgencyKind, Area, AuditEvent, Member, Partnership, Role
from partnership.timeline import timeline_verify
from tests import factories

pytestmark = pytest.mark.django_db

MK_TITLE = "MKOnlyTitle leaflets at the Fishermead shops"
MK_DESCRIPTION = "MKOnlyDescription leaflets through forty doors"
AV_TITLE = "AVOnlyTitle leaflets at Southcourt"
REASON = "Same leaflet, same signature, same night."
THIRD = "third-everything"


def _api(username: str, partnership: str | None = None) -> Client:
    member = Member.objects.get(username=username)
    headers = {"Authorization": f"Token {token_issue(member=member).key}"}
    if partnership is not None:
        headers["X-Partnership"] = partnership
    return Client(headers=headers)


def _post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(path, body or {}, content_type="application/json")


def _working_in(username: str, slug: str) -> Member:
    member = Member.objects.get(username=username)
    member.work_in(Partnership.objects.get(slug=slug))
    return member


@pytest.fixture
def pair(demo: dict[str, Member]) -> tuple[Incident, Incident]:
    """An incident declared major in each demo partnership, by the officer who serves both."""
    # Declared before the neighbour loads: the factories' officer works in one partnership.
    mk = factories.incident_declared(title=MK_TITLE, description=MK_DESCRIPTION)
    demo_load(with_neighbour=True)
    av_partnership = Partnership.objects.get(slug=NEIGHBOUR_SLUG)
    av = escalation_services.incident_report(
        reporter=_working_in("av-staff", NEIGHBOUR_SLUG),
        title=AV_TITLE,
        description="Found on the Southcourt estate.",
        occurred_at=mk.occurred_at,
        area=Area.objects.filter(partnership=av_partnership).order_by("name")[0],
        strands=["race"],
        tension_level="elevated",
        location="",
        safeguarding_steps="",
    )
    escalation_services.incident_determine(
        officer=_working_in("officer", NEIGHBOUR_SLUG),
        incident_id=av.pk,
        is_major=True,
        rationale="Same campaign.",
    )
    av.refresh_from_db()
    return mk, av


def _ask(mk: Incident, av: Incident, reference: str | None = None) -> Any:
    return _post(
        _api("coordinator"),
        f"/api/incidents/{mk.pk}/connections/",
        {
            "partnership": NEIGHBOUR_SLUG,
            "reference": av.reference if reference is None else reference,
            "reason": REASON,
        },
    )


def _link_events(link: IncidentLink, partnership_slug: str) -> list[tuple[str, str]]:
    """(verb, scope) of the link's events on one partnership's chain, in order."""
    return list(
        AuditEvent.objects.filter(
            subject_type="gold.incidentlink",
            subject_id=str(link.pk),
            partnership__slug=partnership_slug,
            verb__startswith="incident_link.",
        )
        .order_by("seq")
        .values_list("verb", "scope")
    )


def test_a_link_is_live_only_once_the_other_coordinator_agrees(
    pair: tuple[Incident, Incident],
) -> None:
    mk, av = pair
    asked = _ask(mk, av)
    assert asked.status_code == 201, asked.content
    link = IncidentLink.objects.get(pk=asked.json()["id"])
    assert link.state == LinkState.REQUESTED
    # Before they agree, the asking side sees the reference and partnership, not the state.
    assert asked.json()["other_reference"] == av.reference
    assert asked.json()["other_state"] == ""
    # The other partnership's co-ordinator is told; nobody of the asking side is.
    told = Notification.objects.filter(idempotency_key__startswith=f"incident-link:{link.pk}:")
    assert sorted(told.values_list("recipient__username", flat=True)) == ["av-coordinator"]

    agreed = _post(_api("av-coordinator"), f"/api/connections/{link.pk}/agree/")
    assert agreed.status_code == 200, agreed.content
    link.refresh_from_db()
    assert link.state == LinkState.LIVE
    assert agreed.json()["other_reference"] == mk.reference
    assert agreed.json()["other_state"] == "Declared major"
    assert _api("coordinator").get(f"/api/connections/{link.pk}/").json()["other_state"] == (
        "Declared major"
    )

    # Both timelines record the request and the agreement, each under its own incident.
    assert _link_events(link, PARTNERSHIP_SLUG) == [
        ("incident_link.requested", f"incident:{mk.pk}"),
        ("incident_link.agreed", f"incident:{mk.pk}"),
    ]
    assert _link_events(link, NEIGHBOUR_SLUG) == [
        ("incident_link.requested", f"incident:{av.pk}"),
        ("incident_link.agreed", f"incident:{av.pk}"),
    ]
    for slug in (PARTNERSHIP_SLUG, NEIGHBOUR_SLUG):
        assert timeline_verify(Partnership.objects.get(slug=slug).pk).ok


def test_only_the_coordinators_ask_and_answer(pair: tuple[Incident, Incident]) -> None:
    mk, av = pair
    body = {"partnership": NEIGHBOUR_SLUG, "reference": av.reference, "reason": REASON}
    path = f"/api/incidents/{mk.pk}/connections/"
    # The senior officer sees the incident but does not ask for links.
    assert _post(_api("officer", PARTNERSHIP_SLUG), path, body).status_code == 403
    assert _post(_api("chief"), path, body).status_code == 403
    link_id = _ask(mk, av).json()["id"]
    # The asking co-ordinator cannot agree to their own request, nor the other partnership's
    # staff, nor the police who serve both (av-chief deputises for av-coordinator, so may). The
    # conference chair, who may not see the incident, is not told the link exists.
    for username, slug, status in [
        ("coordinator", None, 403),
        ("coordinator2", None, 403),
        ("av-staff", None, 403),
        ("officer", NEIGHBOUR_SLUG, 403),
        ("officer", PARTNERSHIP_SLUG, 403),
        ("av-chair", None, 404),
    ]:
        answer = _post(_api(username, slug), f"/api/connections/{link_id}/agree/")
        assert answer.status_code == status, (username, slug)
    assert IncidentLink.objects.get(pk=link_id).state == LinkState.REQUESTED


def test_a_declined_request_never_goes_live_and_says_why(pair: tuple[Incident, Incident]) -> None:
    mk, av = pair
    link_id = _ask(mk, av).json()["id"]
    av_coordinator = _api("av-coordinator")
    no_reason = _post(av_coordinator, f"/api/connections/{link_id}/decline/", {"reason": " "})
    assert no_reason.status_code == 400
    assert IncidentLink.objects.get(pk=link_id).state == LinkState.REQUESTED
    declined = _post(
        av_coordinator, f"/api/connections/{link_id}/decline/", {"reason": "Different group."}
    )
    assert declined.status_code == 200, declined.content
    link = IncidentLink.objects.get(pk=link_id)
    assert (link.state, link.decline_reason) == (LinkState.DECLINED, "Different group.")
    assert _post(av_coordinator, f"/api/connections/{link_id}/agree/").status_code == 409
    assert [verb for verb, _ in _link_events(link, PARTNERSHIP_SLUG)] == [
        "incident_link.requested",
        "incident_link.declined",
    ]
    assert [verb for verb, _ in _link_events(link, NEIGHBOUR_SLUG)] == [
        "incident_link.requested",
        "incident_link.declined",
    ]
    told = Notification.objects.get(idempotency_key__startswith=f"incident-link:{link.pk}:declined")
    assert told.recipient.username == "coordinator"
    assert "Different group." in told.body
    # Declined, it may be asked again (the other side may have learnt more).
    assert _ask(mk, av).status_code == 201


def test_either_side_ends_a_live_link_and_both_timelines_say_so(
    pair: tuple[Incident, Incident],
) -> None:
    mk, av = pair
    link_id = _ask(mk, av).json()["id"]
    _post(_api("av-coordinator"), f"/api/connections/{link_id}/agree/")
    # Asked again while live, either way round: refused.
    assert _ask(mk, av).status_code == 409
    reverse = _post(
        _api("av-coordinator"),
        f"/api/incidents/{av.pk}/connections/",
        {"partnership": PARTNERSHIP_SLUG, "reference": mk.reference, "reason": REASON},
    )
    assert reverse.status_code == 409
    refused = _post(_api("av-staff"), f"/api/connections/{link_id}/unlink/", {"reason": "x"})
    assert refused.status_code == 403
    ended = _post(
        _api("av-coordinator"), f"/api/connections/{link_id}/unlink/", {"reason": "Arrested."}
    )
    assert ended.status_code == 200, ended.content
    link = IncidentLink.objects.get(pk=link_id)
    assert link.state == LinkState.UNLINKED
    assert _link_events(link, PARTNERSHIP_SLUG)[-1] == (
        "incident_link.unlinked",
        f"incident:{mk.pk}",
    )
    assert _link_events(link, NEIGHBOUR_SLUG)[-1] == ("incident_link.unlinked", f"incident:{av.pk}")
    again = _post(_api("coordinator"), f"/api/connections/{link_id}/unlink/", {"reason": "x"})
    assert again.status_code == 409
    # The asking side's timeline page words it from its side.
    page = _client_page("coordinator").get(f"/incidents/{mk.pk}/timeline/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Link with {av.reference} of Aylesbury Vale Hate Crime Partnership ended by" in text


def _client_page(username: str, slug: str | None = None) -> Client:
    client = Client()
    member = Member.objects.get(username=username)
    if slug is not None:
        member.chosen_partnership = Partnership.objects.get(slug=slug)
        member.save(update_fields=["chosen_partnership"])
    client.force_login(member)
    return client


def test_each_side_sees_of_the_other_only_its_reference_partnership_and_state(
    pair: tuple[Incident, Incident],
) -> None:
    mk, av = pair
    link_id = _ask(mk, av).json()["id"]
    _post(_api("av-coordinator"), f"/api/connections/{link_id}/agree/")
    for response in [
        _api("av-coordinator").get(f"/api/connections/{link_id}/"),
        _api("av-coordinator").get("/api/connections/"),
        _api("av-coordinator").get(f"/api/incidents/{av.pk}/connections/"),
        _client_page("av-coordinator").get(f"/connections/{link_id}/"),
        _client_page("av-coordinator").get("/connections/"),
        _client_page("av-coordinator").get(f"/incidents/{av.pk}/connections/"),
        _client_page("av-coordinator").get(f"/incidents/{av.pk}/timeline/"),
    ]:
        assert response.status_code == 200
        text = response.content.decode()
        assert mk.reference in text
        assert MK_TITLE not in text
        assert MK_DESCRIPTION not in text
    # The other partnership's incident itself stays out of reach.
    assert _api("av-coordinator").get(f"/api/incidents/{mk.pk}/").status_code == 404
    assert _api("av-coordinator").get(f"/api/incidents/{mk.pk}/connections/").status_code == 404


def test_a_third_partnership_sees_nothing_of_the_link(pair: tuple[Incident, Incident]) -> None:
    mk, av = pair
    link_id = _ask(mk, av).json()["id"]
    _post(_api("av-coordinator"), f"/api/connections/{link_id}/agree/")
    third = factories.partnership_new(name="Wycombe Hate Crime Partnership", slug="wycombe")
    council = factories.agency_new(kind=AgencyKind.COUNCIL, name="Wycombe Council", within=third)
    factories.member(username=THIRD, agency=council, roles=tuple(Role), within=third)
    client = _api(THIRD)
    assert client.get(f"/api/connections/{link_id}/").status_code == 404
    assert client.get("/api/connections/").json() == []
    for action in ("agree", "unlink"):
        refused = _post(client, f"/api/connections/{link_id}/{action}/", {"reason": "x"})
        assert refused.status_code == 404
    pages = _client_page(THIRD)
    assert pages.get(f"/connections/{link_id}/").status_code == 404
    listed = pages.get("/connections/")
    assert listed.status_code == 200
    assert mk.reference not in listed.content.decode()
    assert av.reference not in listed.content.decode()
    assert IncidentLink.objects.get(pk=link_id).state == LinkState.LIVE


def _clock(incident: Incident) -> list[tuple[Any, ...]]:
    return list(
        incident.duties.order_by("order").values_list(
            "step_code", "state", "due_at", "next_rung_at"
        )
    )


def test_each_protocol_keeps_its_own_clock(pair: tuple[Incident, Incident]) -> None:
    mk, av = pair
    before = (_clock(mk), _clock(av))
    assert before[0]
    assert before[1]
    link_id = _ask(mk, av).json()["id"]
    _post(_api("av-coordinator"), f"/api/connections/{link_id}/agree/")
    assert (_clock(mk), _clock(av)) == before
    # Completing a step on one side moves nothing on the other.
    factories.duty_done(mk, "inform-rec", by=_working_in("crro", PARTNERSHIP_SLUG))
    assert _clock(av) == before[1]
    assert _clock(mk) != before[0]


def test_a_reference_the_other_partnership_does_not_have_is_refused(
    pair: tuple[Incident, Incident],
) -> None:
    mk, av = pair
    # The asking partnership's own incident named as if it were the other's.
    refused = _ask(mk, av, reference=mk.reference)
    assert refused.status_code == 400
    assert "has no incident with the reference" in refused.json()["reference"][0]
    assert _ask(mk, av, reference="not a reference").status_code == 400
    assert not IncidentLink.objects.exists()


def test_the_coordinator_asks_and_the_other_agrees_through_the_pages(
    pair: tuple[Incident, Incident],
) -> None:
    mk, av = pair
    av_partnership = Partnership.objects.get(slug=NEIGHBOUR_SLUG)
    coordinator = _client_page("coordinator")
    form = coordinator.get(f"/incidents/{mk.pk}/connections/")
    assert form.status_code == 200
    assert "Ask another partnership" in form.content.decode()
    blank = coordinator.post(f"/incidents/{mk.pk}/connections/", {"partnership": av_partnership.pk})
    assert blank.status_code == 400
    assert "Give the other partnership" in blank.content.decode()
    asked = coordinator.post(
        f"/incidents/{mk.pk}/connections/",
        {"partnership": av_partnership.pk, "reference": av.reference, "reason": REASON},
    )
    assert asked.status_code == 302
    link = IncidentLink.objects.get()
    other = _client_page("av-coordinator")
    awaiting = other.get("/connections/").content.decode()
    assert "Awaiting our answer" in awaiting
    no_reason = other.post(f"/connections/{link.pk}/decline/", {"reason": ""})
    assert no_reason.status_code == 400
    assert other.post(f"/connections/{link.pk}/agree/").status_code == 302
    link.refresh_from_db()
    assert link.state == LinkState.LIVE
    page = coordinator.get(f"/connections/{link.pk}/").content.decode()
    assert "Linked: both partnerships agreed" in page
    assert "End the link" in page
