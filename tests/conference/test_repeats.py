"""Each repeat rule fires on exactly the right history and says why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conference import services
from conference.models import FlagKind, Person, RepeatFlag
from notifications.models import Notification
from partnership.models import Member, Partnership
from tests import factories

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def _flags(person: Person) -> list[tuple[str, list[int]]]:
    return [
        (f.kind, sorted(i.pk for i in f.incidents.all()))
        for f in RepeatFlag.objects.filter(person=person).order_by("pk")
    ]


def test_two_incidents_are_not_yet_a_pattern(person: Person) -> None:
    now = timezone.now()
    factories.incident_involving(person=person, occurred_at=now - 100 * DAY)
    _, flags = factories.incident_involving(person=person, occurred_at=now - 50 * DAY)
    assert flags == []


def test_three_incidents_within_twelve_months_suggest_a_referral(
    person: Person, demo: dict[str, Member]
) -> None:
    now = timezone.now()
    first, _ = factories.incident_involving(
        person=person, occurred_at=now - 300 * DAY, by=demo["panel-housing"]
    )
    second, _ = factories.incident_involving(
        person=person, occurred_at=now - 200 * DAY, by=demo["panel-health"]
    )
    third, flags = factories.incident_involving(person=person, occurred_at=now - 10 * DAY)
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
    assert note.title == (
        f"A victim's history suggests a referral to a risk conference ({person.reference}). "
        "Please decide on the flag."
    )
    assert "Amina" not in note.title + note.body


def test_three_incidents_spread_over_more_than_twelve_months_do_not(person: Person) -> None:
    now = timezone.now()
    factories.incident_involving(person=person, occurred_at=now - 500 * DAY)
    factories.incident_involving(person=person, occurred_at=now - 200 * DAY)
    _, flags = factories.incident_involving(person=person, occurred_at=now - 10 * DAY)
    assert flags == []


def test_an_incident_within_twelve_months_of_a_referral_is_a_repeat(
    person: Person, demo: dict[str, Member]
) -> None:
    now = timezone.now()
    factories.incident_involving(person=person, occurred_at=now - 40 * DAY)
    referral = factories.referral(person=person)
    later, flags = factories.incident_involving(
        person=person, occurred_at=timezone.now(), by=demo["panel-housing"]
    )
    (flag,) = flags
    assert flag.kind == FlagKind.REPEAT
    assert flag.referral == referral
    assert _flags(person) == [(FlagKind.REPEAT, [later.pk])]
    assert f"referral {referral.pk}" in flag.rule
    assert later.reference in flag.rule


def test_an_incident_before_the_referral_is_not_a_repeat(
    person: Person, demo: dict[str, Member]
) -> None:
    factories.referral(person=person)
    # Recorded after the referral, but it happened long before it.
    _, flags = factories.incident_involving(person=person, occurred_at=timezone.now() - 30 * DAY)
    assert flags == []


def test_a_referral_in_the_window_means_no_suggestion(person: Person) -> None:
    now = timezone.now()
    factories.incident_involving(person=person, occurred_at=now - 300 * DAY)
    factories.incident_involving(person=person, occurred_at=now - 200 * DAY)
    factories.referral(person=person)
    _, flags = factories.incident_involving(person=person, occurred_at=timezone.now())
    assert [f.kind for f in flags] == [FlagKind.REPEAT]


def test_evaluating_again_raises_nothing_new(person: Person) -> None:
    now = timezone.now()
    for days in (300, 200, 100):
        factories.incident_involving(person=person, occurred_at=now - days * DAY)
    assert len(_flags(person)) == 1
    assert services.repeats_evaluate(person=person) == []
    assert len(_flags(person)) == 1


def test_rules_are_set_by_the_persons_partnership(person: Person) -> None:
    Partnership.objects.filter(pk=person.partnership_id).update(
        suggest_referral_count=2, suggest_referral_window_days=30
    )
    person.refresh_from_db()
    now = timezone.now()
    factories.incident_involving(person=person, occurred_at=now - 100 * DAY)
    _, flags = factories.incident_involving(person=person, occurred_at=now - 60 * DAY)
    assert flags == []  # 40 days apart: outside the 30-day window
    _, flags = factories.incident_involving(person=person, occurred_at=now - 50 * DAY)
    assert [f.kind for f in flags] == [FlagKind.SUGGESTED_REFERRAL]
    assert flags[0].rule.startswith("2 incidents within 30 days")
