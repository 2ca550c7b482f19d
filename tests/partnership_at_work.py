"""A partnership with some work in hand, for tests that visit every page or fuzz every endpoint:
a declared incident with its duties and notifications, a person linked to it and referred to an
open conference that agreed an action."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from conference import services as conference_services
from conference.risk import CHECKLIST
from escalation import services as escalation_services
from notifications.dispatch import senders_wait
from partnership.models import Area, Member


def partnership_at_work(demo: dict[str, Member]) -> None:
    now = timezone.now()
    area = Area.objects.get(name="Bletchley")
    incident = escalation_services.incident_report(
        reporter=demo["officer"],
        title="Graffiti and threats at community centre",
        description="Racist graffiti sprayed on the centre; threats shouted at staff.",
        occurred_at=now - timedelta(hours=2),
        area=area,
        strands=["race"],
        tension_level="high",
    )
    escalation_services.incident_determine(
        officer=demo["officer"], incident_id=incident.pk, is_major=True, rationale="Disorder."
    )
    person = conference_services.person_create(
        actor=demo["panel-police"], full_name="Amina Yusuf", area=area
    )
    conference_services.incident_person_link(
        actor=demo["panel-police"], incident=incident, person=person
    )
    referral = conference_services.referral_create(
        actor=demo["panel-police"],
        person=person,
        reason="professional_judgement",
        summary="Targeted repeatedly near home; frightened to go out.",
        answers={q.code: q.code in {"repeat", "frightened"} for q in CHECKLIST},
        lawful_basis="consent",
    )
    with transaction.atomic():
        conference = conference_services.conference_create(
            actor=demo["coordinator"],
            kind="emergency",
            title="Emergency panel",
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=2),
            location="Civic Offices, Room 1",
            chair=demo["chair"],
        )
    item = conference_services.agenda_add(
        actor=demo["coordinator"], conference_id=conference.pk, referral=referral
    )
    conference_services.conference_invite(
        actor=demo["coordinator"],
        conference_id=conference.pk,
        members=[demo["panel-police"], demo["panel-housing"], demo["panel-health"]],
    )
    conference_services.attendance_record(
        actor=demo["chair"],
        conference_id=conference.pk,
        member=demo["panel-housing"],
        status="present",
    )
    conference_services.conference_open(actor=demo["chair"], conference_id=conference.pk)
    conference_services.action_agree(
        actor=demo["chair"],
        conference_id=conference.pk,
        item_id=item.pk,
        description="Fit a door camera.",
        owner=demo["panel-housing"],
        due_at=now + timedelta(days=7),
    )
    # Notifications are sent on threads after commit: let them land before the test looks.
    senders_wait()
