"""The case's pages: every form posted to a case goes through one door (the case looked up,
the rule asked, the form bound, the service called), so each answers the same way."""

from __future__ import annotations

from typing import Any

import pytest

from casework import services
from casework.models import Case, CaseState
from escalation import services as escalation_services
from partnership.models import Member
from tests import factories

pytestmark = pytest.mark.django_db


def _case(demo: dict[str, Member]) -> Case:
    lead = demo["member"]
    assert lead.agency is not None
    services.case_rule_add(actor=demo["coordinator"], lead_agency=lead.agency, lead_officer=lead)
    incident = factories.incident()
    escalation_services.incident_determine(
        officer=demo["officer"], incident_id=incident.pk, is_major=False, rationale="Not major."
    )
    return Case.objects.get(incident=incident)


def test_each_case_form_redirects_when_done_is_a_400_when_wrong_and_refuses_who_may_not(
    demo: dict[str, Member], client_for: Any
) -> None:
    case = _case(demo)
    lead = client_for("member")
    page = f"/cases/{case.pk}/"
    done = lead.post(f"{page}risk/", {"level": "high", "reason": "Threats repeated."})
    assert done.status_code == 302
    assert done["Location"] == page
    case.refresh_from_db()
    assert case.risk_level == "high"
    wrong = lead.post(f"{page}close/", {"outcome": "resolved", "victim_view": ""})
    assert wrong.status_code == 400
    assert b"Record what the victim says" in wrong.content
    # The lead officer works the case but does not manage it; a stranger does not see it.
    assert lead.post(f"{page}lead/", {"reason": "x"}).status_code == 403
    assert client_for("panel-housing").post(f"{page}risk/", {"level": "high"}).status_code == 404
    closed = lead.post(
        f"{page}close/", {"outcome": "resolved", "victim_view": "Feels safer.", "notes": ""}
    )
    assert closed.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_the_casework_groups_meeting_page_builds_the_agenda_and_takes_each_outcome(
    demo: dict[str, Member], client_for: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from conference import services as conference_services

    case = _case(demo)
    meeting = factories.conference(kind="casework", title="Casework group")
    coordinator = client_for("coordinator")
    due = coordinator.get("/cases/reviews/")
    assert case.reference.encode() in due.content
    assert b"Casework group" in due.content
    built = coordinator.post(f"/cases/reviews/{meeting.pk}/agenda/")
    assert built.status_code == 302
    assert coordinator.post(f"/cases/reviews/{meeting.pk}/agenda/").status_code == 409
    conference_services.conference_open(actor=demo["chair"], conference_id=meeting.pk)
    # The meeting's own pages are the conference's, and name the case under review.
    for page_of_meeting, names in (
        ("", f"review of case {case.reference}"),
        ("room/", f"review of case {case.reference}"),
        ("minutes/", f"REVIEW OF CASE {case.reference}"),
    ):
        shown = coordinator.get(f"/conferences/{meeting.pk}/{page_of_meeting}")
        assert shown.status_code == 200
        assert names.encode() in shown.content
    # No risk to agree at a casework group meeting: its items are cases under review.
    room = client_for("chair").get(f"/conferences/{meeting.pk}/room/")
    assert b"Agree the risk" not in room.content
    chair = client_for("chair")
    page = chair.get(f"/cases/reviews/{meeting.pk}/")
    assert b"Record the outcome" in page.content
    review = case.reviews.get()
    wrong = chair.post(f"/cases/reviews/items/{review.pk}/outcome/", {"outcome": "continue"})
    assert wrong.status_code == 400
    assert b"Say when the group reviews the case again." in wrong.content
    day = timezone.localdate() + timedelta(days=28)
    done = chair.post(
        f"/cases/reviews/items/{review.pk}/outcome/",
        {
            "outcome": "continue",
            "next_review_on_day": day.day,
            "next_review_on_month": day.month,
            "next_review_on_year": day.year,
        },
    )
    assert done.status_code == 302
    shown = chair.get(f"/cases/reviews/{meeting.pk}/")
    assert b"Continue: keep working the case" in shown.content
    assert b"Record the outcome" not in shown.content
    # The case's page lists its review; a panel member who is not on the meeting sees neither.
    assert (
        b"Reviews at the casework group" in client_for("member").get(f"/cases/{case.pk}/").content
    )
    assert client_for("panel-health").get(f"/cases/reviews/{meeting.pk}/").status_code == 404
