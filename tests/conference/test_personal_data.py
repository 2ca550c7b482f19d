"""Personal data stays out of logs, error pages and notification subjects, and goes when its
retention period is over, leaving the timeline verifiable."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from conference import services
from conference.minutes import minutes_for, version_verifies
from conference.models import MinutesVersion, Person, Referral, ResearchContribution, RoomEntry
from conference.services.retention import REMOVED, retention_apply
from escalation import services as escalation_services
from escalation.models import Incident
from notifications.dispatch import deliveries_send
from notifications.models import Notification
from partnership.checkpoints import chains_check
from partnership.models import AuditEvent, Member
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db

NAME = "Zainab Okonkwo-Marsh"
NARRATIVE = "smashed the kitchen window with a brick shouting slurs"


@dataclass(frozen=True)
class WholeCase:
    person: Person
    incident: Incident
    referral: Referral


@pytest.fixture
def a_whole_case(demo: dict[str, Member]) -> WholeCase:
    """A victim's case from incident to concluded conference, with every kind of text."""
    person = factories.person(full_name=NAME, safe_contact="07700 900123")
    incident, _ = factories.incident_involving(
        person=person, occurred_at=timezone.now() - timedelta(days=3)
    )
    Incident.objects.filter(pk=incident.pk).update(description=NARRATIVE)
    escalation_services.incident_determine(
        officer=demo["officer"],
        incident_id=incident.pk,
        is_major=True,
        rationale=f"Serious: {NARRATIVE}",
    )
    for duty in incident.duties.exclude(state="done"):
        escalation_services.duty_waive(
            actor=demo["coordinator"], duty_id=duty.pk, reason="Exercise."
        )
    escalation_services.incident_stand_down(
        actor=demo["officer"], incident_id=incident.pk, reason="Calm."
    )
    escalation_services.incident_close(actor=demo["coordinator"], incident_id=incident.pk)
    referral = factories.referral(person=person, summary=f"{NAME} is frightened")
    conference = factories.conference(
        cases=[referral], invite=[demo["panel-police"]], location="Room 1"
    )
    item = conference.agenda.get()
    services.research_file(
        actor=demo["panel-police"],
        item_id=item.pk,
        facts=f"{NAME} called 999 twice",
        opinion="High risk",
    )
    services.conference_open(actor=demo["chair"], conference_id=conference.pk)
    services.room_share(
        actor=demo["panel-police"],
        conference_id=conference.pk,
        text=f"{NAME} is staying with family",
    )
    action = factories.action(
        conference=conference,
        item=item,
        description=f"Visit {NAME}",
        owner=demo["panel-police"],
        due_at=timezone.now() + timedelta(days=1),
    )
    services.action_complete(actor=demo["panel-police"], action_id=action.pk, outcome="Visited.")
    services.conference_conclude(actor=demo["chair"], conference_id=conference.pk)
    return WholeCase(person, incident, referral)


def test_names_and_narratives_stay_out_of_logs_and_subjects(
    a_whole_case: WholeCase, caplog: pytest.LogCaptureFixture, client_for: ClientFor
) -> None:
    caplog.set_level(logging.DEBUG)
    deliveries_send(list(Notification.objects.values_list("pk", flat=True)))
    person = a_whole_case.person
    client_for("panel-police").get(f"/api/people/{person.pk}/")
    client_for("gold").get(f"/api/incidents/{a_whole_case.incident.pk}/timeline/")
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert caplog.records, "nothing was logged: the check would prove nothing"
    for secret in (NAME, NARRATIVE, "07700 900123"):
        assert secret not in logged
        assert all(secret not in m.subject for m in mail.outbox)
        assert not Notification.objects.filter(title__contains=secret).exists()
    assert mail.outbox


def test_error_pages_do_not_echo_personal_data(
    a_whole_case: WholeCase, client_for: ClientFor
) -> None:
    person = a_whole_case.person
    for path in (
        f"/people/{person.pk}/",
        f"/api/people/{person.pk}/",
        f"/api/people/{person.pk}/timeline/",
    ):
        response = client_for("staff").get(path)
        assert response.status_code == 404
        assert NAME not in response.content.decode()


def test_retention_removes_personal_data_of_old_closed_cases_and_the_timeline_still_verifies(
    a_whole_case: WholeCase,
) -> None:
    person, incident = a_whole_case.person, a_whole_case.incident
    # Not yet: the case closed today.
    assert retention_apply().people == 0
    (minutes,) = MinutesVersion.objects.filter(conference__agenda__referral=a_whole_case.referral)
    assert f"{NAME} is staying with family" in minutes.content
    later = timezone.now() + timedelta(days=6 * 365 + 1)
    report = retention_apply(now=later)
    assert (report.incidents, report.people, report.minutes_versions) == (1, 1, 1)
    # The frozen minutes lose the free text about the case, keep its hash, and still verify.
    minutes_after = MinutesVersion.objects.get(pk=minutes.pk)
    assert NAME not in minutes_after.content
    assert minutes_after.sha256 == minutes.sha256
    assert version_verifies(minutes_after)
    shown = minutes_for(minutes_after.conference, reader=person.created_by).text
    assert "Shared by Paul Reid: [removed under retention]" in shown

    person.refresh_from_db()
    assert person.full_name == f"{person.reference} (removed)"
    assert (person.safe_contact, person.date_of_birth) == ("", None)
    assert person.anonymised_at is not None
    incident.refresh_from_db()
    assert incident.description == REMOVED
    assert incident.determinations.get().rationale == REMOVED
    assert Referral.objects.get(pk=a_whole_case.referral.pk).summary == REMOVED
    assert set(ResearchContribution.objects.values_list("facts", flat=True)) == {REMOVED}
    assert not RoomEntry.objects.filter(text__contains=NAME).exists()
    assert not Notification.objects.filter(body__contains=NAME).exists()
    assert not Notification.objects.filter(body__contains=NARRATIVE).exists()

    assert all(check.ok for check in chains_check(full=True))
    assert AuditEvent.objects.filter(verb="retention.applied").count() == 1
    again = retention_apply(now=later)
    assert (again.incidents, again.people, again.notifications, again.minutes_versions) == (
        0,
        0,
        0,
        0,
    )
    assert AuditEvent.objects.filter(verb="retention.applied").count() == 1


def test_open_cases_are_kept_whatever_their_age(demo: dict[str, Member], person: Person) -> None:
    factories.incident_involving(person=person, occurred_at=timezone.now() - timedelta(days=1))
    report = retention_apply(now=timezone.now() + timedelta(days=10 * 365))
    assert report.people == 0
    person.refresh_from_db()
    assert person.full_name == "Amina Yusuf"


def test_dry_run_changes_nothing(a_whole_case: WholeCase) -> None:
    report = retention_apply(now=timezone.now() + timedelta(days=6 * 365 + 1), dry_run=True)
    assert report.people == 1
    a_whole_case.person.refresh_from_db()
    assert a_whole_case.person.full_name == NAME
    assert not AuditEvent.objects.filter(verb="retention.applied").exists()
