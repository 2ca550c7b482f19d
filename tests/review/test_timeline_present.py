"""The timeline filter offers the kinds and agencies present in the record, read by skipping
through an index (``review.timeline.Record.present``): the same lists a DISTINCT over every
event of the record gives, and nothing from events outside the record."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from conference.models import AgendaItem
from partnership.models import AuditEvent, Member, Role
from partnership.scopes import Scope
from partnership.timeline import audit_record
from review.timeline import Present, Record, incident_record, person_record
from tests import factories
from tests.world import ClientFor

pytestmark = pytest.mark.django_db


def _distinct(record: Record) -> Present:
    """What the filter offered before: a DISTINCT over every event of the record."""
    pairs = set(record.events().order_by().values_list("verb", "agency_id").distinct())
    return Present(
        verbs=frozenset(verb for verb, _ in pairs),
        agency_ids=frozenset(agency for _, agency in pairs if agency is not None),
    )


def _offered(response: Any) -> tuple[set[str], set[str]]:
    """The kinds and agencies (by name) the page's filter offers."""
    assert response.status_code == 200
    form = response.context["form"]
    kinds = {value for value, _ in form.fields["kind"].choices}
    return kinds, {agency.name for agency in form.fields["agency"].queryset}


def _member_of_new_agency(name: str, username: str) -> Member:
    agency = factories.agency_new(kind="voluntary", name=name)
    return factories.member(username=username, agency=agency, roles=[Role.CCSP_MEMBER])


def _many(actor: Member, scope: Scope, subject: object, count: int) -> None:
    with transaction.atomic():
        for n in range(count):
            audit_record(
                actor=actor,
                verb="duty.escalated",
                subject=subject,  # type: ignore[arg-type]
                scope=scope,
                changes={"step": "inform-rec", "rung": n % 4, "audience": "role:crro"},
            )


def test_a_kind_and_an_agency_present_once_deep_in_the_record_are_offered(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    scope = Scope.incident(incident.pk)
    firefighter = _member_of_new_agency("Bucks Fire and Rescue", "firefighter")
    _many(demo["officer"], scope, incident, 300)
    # Once each, between hundreds of others: an agency found nowhere else in the record (on a
    # verb other agencies share), and a kind found nowhere else.
    _many(firefighter, scope, incident, 1)
    audit_record(
        actor=demo["officer"],
        verb="meeting.scheduled",
        subject=incident,
        scope=scope,
        changes={"starts_at": "2026-06-15T10:00:00+00:00", "location": "Station"},
    )
    _many(demo["officer"], scope, incident, 300)
    # And a kind recorded once by the service itself (no agency), as the record's last event.
    audit_record(actor=None, verb="repeat.flagged", subject=incident, scope=scope)

    present = incident_record(incident.pk).present()
    assert present == _distinct(incident_record(incident.pk))
    assert {"meeting.scheduled", "repeat.flagged", "duty.escalated"} <= present.verbs
    assert firefighter.agency_id in present.agency_ids

    url = f"/incidents/{incident.pk}/timeline/"
    gold = client_for("gold")
    kinds, agencies = _offered(gold.get(url))
    assert {"meeting", "repeat", "duty"} <= kinds
    assert "Bucks Fire and Rescue" in agencies
    by_fire = gold.get(url, {"agency": str(firefighter.agency_id)})
    assert by_fire.status_code == 200
    assert len(re.findall(r'<tr id="event-\d+"', by_fire.content.decode())) == 1


def test_an_agency_with_no_event_on_the_record_is_not_offered(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    incident = factories.incident_declared()
    elsewhere = factories.incident_declared()
    stranger = _member_of_new_agency("Oxon Fire and Rescue", "stranger")
    audit_record(
        actor=stranger,
        verb="meeting.scheduled",
        subject=elsewhere,
        scope=Scope.incident(elsewhere.pk),
        changes={"starts_at": "2026-06-15T10:00:00+00:00", "location": "Station"},
    )

    present = incident_record(incident.pk).present()
    assert present == _distinct(incident_record(incident.pk))
    assert stranger.agency_id not in present.agency_ids
    assert "meeting.scheduled" not in present.verbs
    url = f"/incidents/{incident.pk}/timeline/"
    kinds, agencies = _offered(client_for("gold").get(url))
    assert "meeting" not in kinds
    assert "Oxon Fire and Rescue" not in agencies
    # Asking for it anyway is a filter the page does not offer.
    assert client_for("gold").get(url, {"agency": str(stranger.agency_id)}).status_code == 400


def test_a_case_timeline_offers_nothing_from_another_case_in_the_same_conference(
    demo: dict[str, Member], client_for: ClientFor
) -> None:
    ours = factories.person(full_name="Amina Example")
    theirs = factories.person(full_name="Other Example")
    incident, _ = factories.incident_involving(person=ours, occurred_at=timezone.now())
    ours_referral = factories.referral(person=ours)
    theirs_referral = factories.referral(person=theirs)
    conference = factories.conference(cases=[ours_referral, theirs_referral])
    item_of = {
        item.referral_id: item.pk for item in AgendaItem.objects.filter(conference=conference)
    }
    in_the_conference = Scope.conference(conference.pk)
    about_us = _member_of_new_agency("Bucks Fire and Rescue", "about-us")
    about_them = _member_of_new_agency("Oxon Fire and Rescue", "about-them")
    audit_record(
        actor=about_us,
        verb="meeting.scheduled",
        subject=conference,
        scope=in_the_conference,
        changes={"item_id": item_of[ours_referral.pk], "location": "Station"},
    )
    audit_record(
        actor=about_them,
        verb="repeat.flagged",
        subject=conference,
        scope=in_the_conference,
        changes={"item_id": item_of[theirs_referral.pk]},
    )

    record = person_record(ours.pk)
    present = record.present()
    assert present == _distinct(record)
    assert Scope.incident(incident.pk) in record.scopes
    assert about_us.agency_id in present.agency_ids
    assert about_them.agency_id not in present.agency_ids
    assert "repeat.flagged" not in present.verbs
    assert AuditEvent.objects.filter(scope=str(in_the_conference), verb="repeat.flagged").exists()

    kinds, agencies = _offered(client_for("gold").get(f"/people/{ours.pk}/timeline/"))
    assert "meeting" in kinds
    assert "repeat" not in kinds
    assert "Bucks Fire and Rescue" in agencies
    assert "Oxon Fire and Rescue" not in agencies
