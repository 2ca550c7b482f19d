"""Reports from anyone: a public report (no sign-in, anonymous allowed) reaches the intake queue
and the co-ordinator makes it an incident and a case; the page resists abuse (a limit per
address, a honeypot, size limits, nothing shown back from other reporters); a reference adds to
a report; a reporting centre files for a person with consent; the reporter is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from casework import services
from casework.intake_models import IntakeState, PublicReport
from casework.models import Case
from notifications.models import Notification
from partnership.demo import PARTNERSHIP_SLUG
from partnership.errors import ConflictError
from partnership.models import AgencyKind, AuditEvent, Member, Partnership
from tests import factories

pytestmark = pytest.mark.django_db

ACCOUNT = "Two men shouted racist abuse at me at the bus stop on Queensway and spat at me."


def _form(**extra: Any) -> dict[str, Any]:
    partnership = Partnership.objects.get(slug=PARTNERSHIP_SLUG)
    return {
        "partnership": partnership.pk,
        "reporter_kind": "victim",
        "what_happened": ACCOUNT,
        "where": "Queensway bus stop",
        "strands": ["race"],
        "anonymous": "on",
        "contact_by": "none",
        **extra,
    }


def test_an_anonymous_public_report_reaches_the_queue_and_becomes_an_incident_and_a_case(
    demo: dict[str, Member], client_for: Any
) -> None:
    page = Client().get("/report/")
    assert page.status_code == 200
    reporter = Client()
    sent = reporter.post(
        "/report/", _form(name="Should not be kept", contact="x@example.com"), follow=True
    )
    assert sent.status_code == 200
    report = PublicReport.objects.get()
    # The reference is on a page of the reporter's own: another browser is not shown it.
    (received, _), *_ = sent.redirect_chain
    assert Client().get(received).status_code == 404
    assert report.reference.encode() in sent.content
    assert ACCOUNT.encode() not in sent.content  # nothing of the report is shown back
    assert report.anonymous
    assert report.name == ""
    assert report.contact == ""
    assert Notification.objects.filter(
        recipient=demo["coordinator"], idempotency_key__startswith=f"intake:{report.pk}:received"
    ).exists()
    coordinator = client_for("coordinator")
    assert ACCOUNT.encode() in coordinator.get(f"/intake/{report.pk}/").content
    area = factories.area()
    triaged = coordinator.post(
        f"/intake/{report.pk}/triage/",
        {
            "decision": "incident_case",
            "reason": "Repeat abuse at the same stop; the victim needs support.",
            "title": "Abuse at Queensway bus stop",
            "area": area.pk,
            "tension_level": "elevated",
            "strands": ["race"],
            "risk_level": "high",
        },
    )
    report.refresh_from_db()
    assert report.state == IntakeState.INCIDENT
    assert report.incident is not None
    case = Case.objects.get(incident=report.incident)
    assert triaged.status_code == 302
    assert triaged["Location"] == f"/cases/{case.pk}/"
    assert case.risk_level == "high"
    assert report.incident.description.startswith(ACCOUNT)
    assert AuditEvent.objects.filter(
        verb="intake.triaged", scope=f"incident:{report.incident_id}"
    ).exists()


def test_the_honeypot_keeps_nothing_and_the_limit_per_address_stops_a_flood(
    demo: dict[str, Member], settings: Any
) -> None:
    robot = Client()
    caught = robot.post("/report/", _form(website="http://spam.example"))
    assert caught.status_code == 200
    assert not PublicReport.objects.exists()
    settings.PUBLIC_REPORTS_PER_HOUR = 3
    flood = Client(REMOTE_ADDR="203.0.113.9")
    answers = [flood.post("/report/", _form()).status_code for _ in range(5)]
    assert answers == [302, 302, 302, 429, 429]
    assert PublicReport.objects.count() == 3
    # Another address is not held back by the first one's flood.
    assert Client(REMOTE_ADDR="203.0.113.10").post("/report/", _form()).status_code == 302


def test_size_limits_and_bad_input_are_a_400_that_keeps_nothing(demo: dict[str, Member]) -> None:
    too_long = Client().post("/report/", _form(what_happened="x" * 5001))
    assert too_long.status_code == 400
    no_contact = Client().post("/report/", _form(anonymous="", contact_by="email", contact=""))
    assert no_contact.status_code == 400
    assert b"Give the email address or phone number" in no_contact.content
    api = Client().post(
        "/api/reports/",
        {"partnership": PARTNERSHIP_SLUG, "what_happened": "y" * 5001},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert not PublicReport.objects.exists()


def test_a_reference_adds_to_its_report_and_shows_only_its_state_and_what_its_reporter_is_told(
    demo: dict[str, Member],
) -> None:
    first = services.report_receive(
        partnership=Partnership.objects.get(slug=PARTNERSHIP_SLUG),
        details=services.ReportDetails(
            reporter_kind="victim", what_happened=ACCOUNT, wants_outcome=True
        ),
    )
    answer = Client().post("/report/more/", {"reference": first.reference, "text": "It was 9pm."})
    assert answer.status_code == 200
    assert ACCOUNT.encode() not in answer.content
    assert b"It was 9pm." not in answer.content
    assert first.additions.get().text == "It was 9pm."
    wrong = Client().post("/report/more/", {"reference": "R-AAAA-BBBB-CCCC", "text": "hello"})
    assert wrong.status_code == 400
    services.report_triage(
        actor=demo["coordinator"],
        report_id=first.pk,
        decision="intelligence",
        reason="No one to act against; kept for the area's picture.",
        outcome_message="Thank you: we have shared this with the local policing team.",
    )
    status = Client().post(
        "/api/reports/more/", {"reference": first.reference}, content_type="application/json"
    )
    assert status.json()["told"] == "Thank you: we have shared this with the local policing team."


def test_the_reporter_asked_to_be_told_by_email_is_emailed_after_the_triage(
    demo: dict[str, Member], django_capture_on_commit_callbacks: Any
) -> None:
    report = services.report_receive(
        partnership=Partnership.objects.get(slug=PARTNERSHIP_SLUG),
        details=services.ReportDetails(
            reporter_kind="witness",
            what_happened=ACCOUNT,
            contact_by="email",
            contact="witness@example.com",
            wants_outcome=True,
        ),
    )
    with pytest.raises(ValidationError):  # they asked to be told: say what
        services.report_triage(
            actor=demo["coordinator"], report_id=report.pk, decision="intelligence", reason="x"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.report_triage(
            actor=demo["coordinator"],
            report_id=report.pk,
            decision="add",
            reason="The same incident as one already reported.",
            outcome_message="Added to an incident the police are dealing with.",
            existing_incident_id=factories.incident().pk,
        )
    assert [m.to for m in mail.outbox] == [["witness@example.com"]]
    assert "Added to an incident the police are dealing with." in mail.outbox[0].body
    with pytest.raises(ConflictError):
        services.report_triage(
            actor=demo["coordinator"],
            report_id=report.pk,
            decision="intelligence",
            reason="Again.",
            outcome_message="x",
        )


def test_a_reporting_centre_files_for_a_person_with_consent(demo: dict[str, Member]) -> None:
    centre = factories.agency_new(kind=AgencyKind.REPORTING_CENTRE, name="MK Reporting Centre")
    worker = factories.member(username="centre-worker", agency=centre)
    details = services.ReportDetails(reporter_kind="victim", what_happened=ACCOUNT)
    with pytest.raises(PermissionDenied):
        services.report_file_for(actor=demo["member"], details=details, consent_notes="Yes.")
    with pytest.raises(ValidationError):
        services.report_file_for(actor=worker, details=details, consent_notes=" ")
    report = services.report_file_for(
        actor=worker, details=details, consent_notes="Gave consent to share with police too."
    )
    assert report.centre == centre
    assert report.reporter_kind == "centre"
    with pytest.raises(PermissionDenied):
        services.report_triage(
            actor=worker, report_id=report.pk, decision="intelligence", reason="x"
        )
