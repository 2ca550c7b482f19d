from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from conference import services
from conference.models import Conference, Person, Referral
from conference.risk import CHECKLIST
from escalation import services as escalation_services
from escalation.models import Incident
from partnership.models import Area, Member


@pytest.fixture
def person(demo: dict[str, Member]) -> Person:
    return services.person_create(
        actor=demo["panel-police"], full_name="Amina Yusuf", area=Area.objects.get(name="Bletchley")
    )


@pytest.fixture
def incident_on(demo: dict[str, Member]) -> Any:
    """Record an incident that happened at a given time and link the person to it."""

    def make(
        person: Person, occurred_at: datetime, by: str = "panel-police"
    ) -> tuple[Incident, list[Any]]:
        incident = escalation_services.incident_report(
            reporter=demo[by],
            title="Abuse in the street",
            description="Shouted at and spat on near home.",
            occurred_at=occurred_at,
            area=Area.objects.get(name="Bletchley"),
            strands=["race"],
            tension_level="low",
        )
        flags = services.incident_person_link(actor=demo[by], incident=incident, person=person)
        return incident, flags

    return make


def answers(**yes: bool) -> dict[str, bool]:
    return {q.code: yes.get(q.code, False) for q in CHECKLIST}


@pytest.fixture
def refer(demo: dict[str, Member]) -> Any:
    def make(person: Person, by: str = "panel-police", **kwargs: Any) -> Referral:
        fields: dict[str, Any] = {
            "reason": "professional_judgement",
            "summary": "Targeted repeatedly near home; frightened to go out.",
            "answers": answers(repeat=True, frightened=True),
            "lawful_basis": "consent",
        }
        fields.update(kwargs)
        return services.referral_create(actor=demo[by], person=person, **fields)

    return make


@pytest.fixture
def conference_ready(demo: dict[str, Member], person: Person, refer: Any) -> Any:
    """An emergency conference with the person's case, the three panel members invited and
    present, opened by the chair."""

    def make(open_it: bool = True) -> Conference:
        referral = refer(person)
        now = timezone.now()
        with transaction.atomic():
            conference = services.conference_create(
                actor=demo["coordinator"],
                kind="emergency",
                title="Emergency panel",
                starts_at=now + timedelta(hours=1),
                ends_at=now + timedelta(hours=2),
                location="Civic Offices, Room 1",
                chair=demo["chair"],
            )
        services.agenda_add(
            actor=demo["coordinator"], conference_id=conference.pk, referral=referral
        )
        services.conference_invite(
            actor=demo["coordinator"],
            conference_id=conference.pk,
            members=[demo["panel-police"], demo["panel-housing"], demo["panel-health"]],
        )
        for username in ("panel-police", "panel-housing"):
            services.attendance_record(
                actor=demo["chair"],
                conference_id=conference.pk,
                member=demo[username],
                status="present",
            )
        if open_it:
            services.conference_open(actor=demo["chair"], conference_id=conference.pk)
        conference.refresh_from_db()
        return conference

    return make
