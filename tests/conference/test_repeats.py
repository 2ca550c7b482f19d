"""Each repeat rule fires on exactly the right history and says why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conference import services
from conference.models import FlagKind, Person, RepeatFlag
from notifications.models import Notification
from partnership.models import Member

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def _flags(person: Person) -> list[tuple[str, list[int]]]:
    return [
        (f.kind, sorted(i.pk for i in f.incidents.all()))
        for f in RepeatFlag.objects.filter(person=person).order_by("pk")
    ]


def test_two_incidents_are_not_yet_a_pattern(person: Person, incident_on: Any) -> None:
    now = timezone.now()
    incident_on(person, now - 100 * DAY)
    _, flags = incident_on(person, now - 50 * DAY)
    assert flags == []


def test_three_incidents_within_twelve_months_suggest_a_referral(
    person: Person, incident_on: Any
) -> None:
    now = timezone.now()
    first, _ = incident_on(person, now - 300 * DAY, by="panel-housing")
    second, _ = incident_on(person, now - 200 * DAY, by="panel-health")
    third, flags = incident_on(person, now - 10 * DAY)
    (flag,) = flags
    assert flag.kind == FlagKind.SUGGESTED_REFERRAL
    assert _flags(person) == [
        (FlagKind.SUGGESTED_REFERRAL, sorted([first.pk, second.pk, third.pk]))
    ]
    assert flag.rule.startswith(
        "3 incidents within 365 days and no referral (potential escalation)"
    )
    for incident in (first, second, third):
        assert incident.reference in flag.rule
    # The co-ordinator is told, without the person's name.
    note = Notification.objects.get(recipient__username="coordinator", subject_id=str(flag.pk))
    assert note.title == f"Suggested referral: {person.reference}"
    assert "Amina" not in note.title + note.body


def test_three_incidents_spread_over_more_than_twelve_months_do_not(
    person: Person, incident_on: Any
) -> None:
    now = timezone.now()
    incident_on(person, now - 500 * DAY)
    incident_on(person, now - 200 * DAY)
    _, flags = incident_on(person, now - 10 * DAY)
    assert flags == []


def test_an_incident_within_twelve_months_of_a_referral_is_a_repeat(
    person: Person, incident_on: Any, refer: Any
) -> None:
    now = timezone.now()
    incident_on(person, now - 40 * DAY)
    referral = refer(person)
    later, flags = incident_on(person, timezone.now(), by="panel-housing")
    (flag,) = flags
    assert flag.kind == FlagKind.REPEAT
    assert flag.referral == referral
    assert _flags(person) == [(FlagKind.REPEAT, [later.pk])]
    assert f"referral {referral.pk}" in flag.rule
    assert later.reference in flag.rule


def test_an_incident_before_the_referral_is_not_a_repeat(
    person: Person, incident_on: Any, refer: Any, demo: dict[str, Member]
) -> None:
    refer(person)
    # Recorded after the referral, but it happened long before it.
    _, flags = incident_on(person, timezone.now() - 30 * DAY)
    assert flags == []


def test_a_referral_in_the_window_means_no_suggestion(
    person: Person, incident_on: Any, refer: Any
) -> None:
    now = timezone.now()
    incident_on(person, now - 300 * DAY)
    incident_on(person, now - 200 * DAY)
    refer(person)
    _, flags = incident_on(person, timezone.now())
    assert [f.kind for f in flags] == [FlagKind.REPEAT]


def test_evaluating_again_raises_nothing_new(person: Person, incident_on: Any) -> None:
    now = timezone.now()
    for days in (300, 200, 100):
        incident_on(person, now - days * DAY)
    assert len(_flags(person)) == 1
    assert services.repeats_evaluate(person=person) == []
    assert len(_flags(person)) == 1


def test_rules_are_configurable(person: Person, incident_on: Any, settings: Any) -> None:
    settings.SUGGEST_REFERRAL_COUNT = 2
    settings.SUGGEST_REFERRAL_WINDOW_DAYS = 30
    now = timezone.now()
    incident_on(person, now - 100 * DAY)
    _, flags = incident_on(person, now - 60 * DAY)
    assert flags == []  # 40 days apart: outside the 30-day window
    _, flags = incident_on(person, now - 50 * DAY)
    assert [f.kind for f in flags] == [FlagKind.SUGGESTED_REFERRAL]
    assert flags[0].rule.startswith("2 incidents within 30 days")
