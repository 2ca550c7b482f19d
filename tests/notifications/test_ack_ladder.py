"""Unacknowledged notifications climb: repeat, deputy, CSP Co-ordinator, gold group."""

from __future__ import annotations

from datetime import timedelta

import pytest

from notifications import services
from notifications.jobs import ladders_run
from notifications.models import Notification, NotificationState
from partnership.models import Member
from tests import factories

pytestmark = pytest.mark.django_db


def _chasers(original: Notification) -> list[tuple[str, str]]:
    return [
        (n.recipient.username, n.title.split(":")[0].split(" Please")[0])
        for n in Notification.objects.filter(escalation_of=original).order_by("pk")
    ]


def test_unacknowledged_alert_reaches_deputy_then_coordinator_and_stops_at_acknowledgement(
    demo: dict[str, Member],
) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    start = referral.created_at

    ladders_run(now=start + timedelta(minutes=14))
    assert _chasers(referral) == []
    ladders_run(now=start + timedelta(minutes=15))
    assert _chasers(referral) == [("crro", "Still waiting for you to acknowledge")]
    ladders_run(now=start + timedelta(minutes=30))
    not_acknowledged = "Ravi Chandra (Thames Valley Police) has not acknowledged a message"
    assert _chasers(referral)[-1] == ("ppc", not_acknowledged + " after 30 minutes.")
    ladders_run(now=start + timedelta(minutes=45))
    assert _chasers(referral)[-1] == ("coordinator", not_acknowledged + " after 45 minutes.")

    services.notification_acknowledge(member=demo["crro"], notification_id=referral.pk, via="web")
    ladders_run(now=start + timedelta(hours=5))
    assert [who for who, _ in _chasers(referral)] == ["crro", "ppc", "coordinator"]  # no gold
    referral.refresh_from_db()
    assert referral.state == NotificationState.ACKNOWLEDGED
    assert referral.next_rung_at is None


def test_an_old_acknowledged_notification_never_pages_anyone(demo: dict[str, Member]) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    services.notification_acknowledge(member=demo["crro"], notification_id=referral.pk, via="web")
    for hours in (1, 10, 100):
        ladders_run(now=referral.created_at + timedelta(hours=hours))
    assert _chasers(referral) == []


def test_the_deputy_acknowledging_the_chase_stops_the_ladder(demo: dict[str, Member]) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    ladders_run(now=referral.created_at + timedelta(minutes=30))
    chase = Notification.objects.get(escalation_of=referral, recipient__username="ppc")
    services.notification_acknowledge(member=demo["ppc"], notification_id=chase.pk, via="web")
    ladders_run(now=referral.created_at + timedelta(hours=3))
    assert [who for who, _ in _chasers(referral)] == ["crro", "ppc"]
    referral.refresh_from_db()
    # Still unacknowledged by the CRRO, as the delivery panel shows, but no longer chased.
    assert referral.state == NotificationState.OPEN
    assert referral.ladder_stopped_by == demo["ppc"]


def test_each_rung_fires_once_however_often_the_job_runs(demo: dict[str, Member]) -> None:
    referral = factories.referral_alert(factories.incident_declared())
    later = referral.created_at + timedelta(hours=2)
    for _ in range(3):
        ladders_run(now=later)
    assert [who for who, _ in _chasers(referral)] == ["crro", "ppc", "coordinator", "gold"]
