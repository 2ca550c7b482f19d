"""Scrutiny requests: an oversight body asks a partnership, its CSP Co-ordinator is told and
answers by the date; unanswered, the request climbs the one ladder engine, and stops when
answered. Everything is on the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from oversight.jobs import scrutiny_run
from oversight.models import OversightBody, ScrutinyRequest, ScrutinyState
from partnership.auth import token_issue
from partnership.demo import NEIGHBOUR_SLUG, PARTNERSHIP_SLUG, demo_load
from partnership.models import AuditEvent, Member
from tests import factories

pytestmark = pytest.mark.django_db

QUESTION = "Why were three debriefs late this half-year, and what has changed?"


def _api(member: Member, partnership: str | None = None) -> Client:
    headers = {"Authorization": f"Token {token_issue(member=member).key}"}
    if partnership is not None:
        headers["X-Partnership"] = partnership
    return Client(headers=headers)


def _member(username: str) -> Member:
    return Member.objects.get(username=username)


@pytest.fixture
def forum(demo: dict[str, Member]) -> OversightBody:
    demo_load(with_neighbour=True)
    return factories.oversight_body(
        partnerships=[
            factories.partnership(PARTNERSHIP_SLUG),
            factories.partnership(NEIGHBOUR_SLUG),
        ],
        members=[factories.oversight_member(username="forum-lead")],
    )


def _sent(forum: OversightBody) -> ScrutinyRequest:
    return factories.scrutiny(
        body=forum, to=factories.partnership(PARTNERSHIP_SLUG), by=forum.members.get()
    )


def _verbs(request: ScrutinyRequest, *, of: str = "scrutiny.") -> list[str]:
    """The request's own events on the timeline (those whose verb starts with ``of``)."""
    return list(
        AuditEvent.objects.filter(
            subject_type="oversight.scrutinyrequest",
            subject_id=str(request.pk),
            verb__startswith=of,
        )
        .order_by("seq")
        .values_list("verb", flat=True)
    )


def _told(request: ScrutinyRequest) -> list[tuple[str, str]]:
    """(recipient, cause) of every message about the request, in order."""
    return list(
        Notification.objects.filter(idempotency_key__startswith=f"scrutiny:{request.pk}:")
        .order_by("pk")
        .values_list("recipient__username", "idempotency_key")
    )


def test_the_coordinator_is_told_answers_and_the_body_closes_it(forum: OversightBody) -> None:
    lead = forum.members.get()
    due_on = (timezone.localdate() + timedelta(days=10)).isoformat()
    sent = _api(lead).post(
        "/api/scrutiny/",
        {"partnership": PARTNERSHIP_SLUG, "question": QUESTION, "due_on": due_on},
        content_type="application/json",
    )
    assert sent.status_code == 201, sent.content
    request = ScrutinyRequest.objects.get(pk=sent.json()["id"])
    assert request.state == ScrutinyState.SENT
    assert _told(request) == [
        ("coordinator", f"scrutiny:{request.pk}:sent:{_member('coordinator').pk}")
    ]
    message = Notification.objects.get(
        recipient__username="coordinator", subject_id=str(request.pk)
    )
    assert QUESTION in message.body
    assert "answer by" in message.title

    coordinator = _api(_member("coordinator"))
    assert [r["id"] for r in coordinator.get("/api/scrutiny/").json()] == [request.pk]
    answered = coordinator.post(
        f"/api/scrutiny/{request.pk}/answer/",
        {"answer": "Two debriefs waited for a venue; rooms are now booked when declared."},
        content_type="application/json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["state"] == ScrutinyState.ANSWERED
    assert answered.json()["answered_late"] is False
    again = coordinator.post(
        f"/api/scrutiny/{request.pk}/answer/", {"answer": "Again."}, content_type="application/json"
    )
    assert again.status_code == 409

    closed = _api(lead).post(f"/api/scrutiny/{request.pk}/close/")
    assert closed.status_code == 200, closed.content
    assert closed.json()["state"] == ScrutinyState.CLOSED
    assert _verbs(request) == ["scrutiny.sent", "scrutiny.answered", "scrutiny.closed"]
    assert _verbs(request, of="") == [
        "scrutiny.sent",
        "notification.sent",  # to the co-ordinator, on the record too
        "scrutiny.answered",
        "scrutiny.closed",
    ]

    page = Client()
    page.force_login(lead)
    text = page.get(f"/scrutiny/{request.pk}/").content.decode()
    assert "Scrutiny request from Thames Valley Hate Crime Forum (test) to Milton Keynes" in text
    assert "Scrutiny request answered" in text
    assert "Scrutiny request closed" in text


def test_an_unanswered_request_climbs_the_ladder_and_its_lateness_is_recorded(
    forum: OversightBody,
) -> None:
    request = _sent(forum)
    due = request.due_at
    scrutiny_run(now=due - timedelta(minutes=1))
    request.refresh_from_db()
    assert request.state == ScrutinyState.SENT

    scrutiny_run(now=due + timedelta(minutes=5))
    request.refresh_from_db()
    assert request.state == ScrutinyState.OVERDUE
    overdue = AuditEvent.objects.get(verb="scrutiny.overdue", subject_id=str(request.pk))
    assert overdue.changes["late_by_seconds"] == 300
    assert _told(request)[-1][0] == "coordinator"  # reminded first

    scrutiny_run(now=due + timedelta(days=2, minutes=1))
    request.refresh_from_db()
    assert request.state == ScrutinyState.ESCALATED
    assert _told(request)[-1][0] == "coordinator2"  # the co-ordinator's deputy

    scrutiny_run(now=due + timedelta(days=5, minutes=1))
    scrutiny_run(now=due + timedelta(days=5, minutes=2))  # twice: nothing fires twice
    assert [who for who, _ in _told(request)] == [
        "coordinator",
        "coordinator",
        "coordinator2",
        "chief",
    ]
    assert list(request.rungs.order_by("index").values_list("to", flat=True)) == [
        "owner",
        "deputy",
        "role:council_chief_officer",
    ]
    assert _verbs(request) == [
        "scrutiny.sent",
        "scrutiny.overdue",
        "scrutiny.escalated",
        "scrutiny.escalated",
        "scrutiny.escalated",
    ]
    # Only Milton Keynes's people: Aylesbury Vale's co-ordinator hears nothing of it.
    assert not Notification.objects.filter(recipient__username="av-coordinator").exists()


def test_an_answered_request_stops_climbing_and_a_late_answer_is_recorded(
    forum: OversightBody,
) -> None:
    request = _sent(forum)
    scrutiny_run(now=request.due_at + timedelta(minutes=1))
    ScrutinyRequest.objects.filter(pk=request.pk).update(
        due_at=timezone.now() - timedelta(hours=1)  # the date has passed
    )
    answered = _api(_member("coordinator2")).post(  # the deputy may answer
        f"/api/scrutiny/{request.pk}/answer/",
        {"answer": "Late, sorry: the figures are in the half-year report."},
        content_type="application/json",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["answered_late"] is True
    event = AuditEvent.objects.get(verb="scrutiny.answered", subject_id=str(request.pk))
    assert event.changes["late"] is True
    scrutiny_run(now=request.due_at + timedelta(days=30))
    request.refresh_from_db()
    assert request.state == ScrutinyState.ANSWERED
    assert request.rungs.count() == 1


def test_bad_requests_are_refused_with_a_message_and_change_nothing(forum: OversightBody) -> None:
    lead = _api(forum.members.get())
    today = timezone.localdate().isoformat()
    cases = [
        ({"partnership": PARTNERSHIP_SLUG, "question": QUESTION, "due_on": today}, "after today"),
        ({"partnership": PARTNERSHIP_SLUG, "question": "  ", "due_on": "2099-01-01"}, "question"),
        ({"partnership": "nowhere", "question": QUESTION, "due_on": today}, "oversees no"),
    ]
    for body, words in cases:
        response = lead.post("/api/scrutiny/", body, content_type="application/json")
        assert response.status_code == 400, body
        assert words in response.content.decode()
    page = Client()
    page.force_login(forum.members.get())
    refused = page.post("/scrutiny/", {"body": forum.slug, "question": QUESTION, "due_on": today})
    assert refused.status_code == 400
    assert "Choose the partnership to ask." in refused.content.decode()
    # A partnership's co-ordinator cannot send one.
    coordinator = _api(_member("coordinator")).post(
        "/api/scrutiny/",
        {"partnership": PARTNERSHIP_SLUG, "question": QUESTION, "due_on": "2099-01-01"},
        content_type="application/json",
    )
    assert coordinator.status_code == 403
    assert not ScrutinyRequest.objects.exists()


def test_a_partnership_sees_only_the_requests_sent_to_it(forum: OversightBody) -> None:
    to_mk = _sent(forum)
    to_av = factories.scrutiny(
        body=forum, to=factories.partnership(NEIGHBOUR_SLUG), by=forum.members.get()
    )
    av = _api(_member("av-coordinator"))
    assert [r["id"] for r in av.get("/api/scrutiny/").json()] == [to_av.pk]
    assert av.get(f"/api/scrutiny/{to_mk.pk}/").status_code == 404
    answer = {"answer": "Not ours."}
    assert (
        av.post(
            f"/api/scrutiny/{to_mk.pk}/answer/", answer, content_type="application/json"
        ).status_code
        == 404
    )
    # In Milton Keynes, the gold group reads it but only the co-ordinator answers.
    gold = _api(_member("gold"), PARTNERSHIP_SLUG)
    assert gold.get(f"/api/scrutiny/{to_mk.pk}/").status_code == 200
    assert (
        gold.post(
            f"/api/scrutiny/{to_mk.pk}/answer/", answer, content_type="application/json"
        ).status_code
        == 403
    )
    newest_first = _api(forum.members.get()).get("/api/scrutiny/").json()
    assert [r["id"] for r in newest_first] == [to_av.pk, to_mk.pk]


def test_the_pages_send_answer_and_close_a_request(forum: OversightBody) -> None:
    lead = Client()
    lead.force_login(forum.members.get())
    listing = lead.get("/scrutiny/")
    assert "Send a scrutiny request" in listing.content.decode()
    mk = factories.partnership(PARTNERSHIP_SLUG)
    due_on = (timezone.localdate() + timedelta(days=7)).isoformat()
    sent = lead.post(
        "/scrutiny/",
        {"body": forum.slug, "partnership": mk.pk, "question": QUESTION, "due_on": due_on},
    )
    assert sent.status_code == 302
    request = ScrutinyRequest.objects.get()
    assert sent["Location"] == f"/scrutiny/{request.pk}/"

    coordinator = Client()
    coordinator.force_login(_member("coordinator"))
    inbox = coordinator.get("/scrutiny/").content.decode()
    assert "Sent to Milton Keynes Hate Crime Partnership" in inbox
    assert "Send a scrutiny request" not in inbox
    page = coordinator.get(f"/scrutiny/{request.pk}/").content.decode()
    assert "Answer for Milton Keynes Hate Crime Partnership" in page
    assert coordinator.post(f"/scrutiny/{request.pk}/answer/", {"answer": " "}).status_code == 400
    answered = coordinator.post(f"/scrutiny/{request.pk}/answer/", {"answer": "Rooms booked."})
    assert answered.status_code == 302
    closed = lead.post(f"/scrutiny/{request.pk}/close/")
    assert closed.status_code == 302
    request.refresh_from_db()
    assert request.state == ScrutinyState.CLOSED
    assert lead.post(f"/scrutiny/{request.pk}/close/").status_code == 409
