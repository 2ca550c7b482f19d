"""Overdue duties and their escalation ladders, driven by the scheduler's job with a chosen
clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from escalation import services
from escalation.jobs import escalation_next_due, escalation_run
from escalation.models import Duty, DutyState
from notifications.models import LadderRung, Notification
from partnership.models import AuditEvent, Member
from tests import factories

pytestmark = pytest.mark.django_db


def _rung_recipients(duty: Duty) -> list[tuple[int, str]]:
    found = Notification.objects.filter(idempotency_key__startswith=f"duty:{duty.pk}:rung:")
    return sorted((int(n.idempotency_key.split(":")[3]), n.recipient.username) for n in found)


def test_overdue_duty_climbs_owner_deputy_coordinator_gold_once_each(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident_declared()
    # The CRRO does their steps at once (so that only this one climbs), which lets this one go.
    for step in ("inform-rec", "inform-csp-coordinator", "tell-safeguarding-steps"):
        factories.duty_done(incident, step, by=demo["crro"], message="Done.")
    duty = factories.duty(incident, "notify-chief-officer")  # owned by the CSP Co-ordinator
    due = duty.due_at

    escalation_run(now=due - timedelta(seconds=1))
    duty.refresh_from_db()
    assert duty.state == DutyState.PENDING

    escalation_run(now=due)
    duty.refresh_from_db()
    assert duty.state == DutyState.OVERDUE  # the owner reminded: not yet escalated
    assert _rung_recipients(duty) == [(0, "coordinator")]

    escalation_run(now=due + timedelta(minutes=29))
    assert _rung_recipients(duty) == [(0, "coordinator")]
    escalation_run(now=due + timedelta(minutes=30))
    duty.refresh_from_db()
    assert duty.state == DutyState.ESCALATED
    assert _rung_recipients(duty) == [(0, "coordinator"), (1, "coordinator2")]

    escalation_run(now=due + timedelta(minutes=60))
    escalation_run(now=due + timedelta(hours=2))
    escalation_run(now=due + timedelta(hours=5))  # nothing left to climb
    assert _rung_recipients(duty) == [
        (0, "coordinator"),
        (1, "coordinator2"),
        (2, "coordinator"),
        (3, "gold"),
    ]
    assert LadderRung.objects.filter(duty=duty).count() == 4
    duty.refresh_from_db()
    assert duty.next_rung_at is None


def test_running_twice_at_the_same_time_fires_nothing_twice(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    due = factories.duty(incident, "inform-rec").due_at
    for _ in range(3):
        escalation_run(now=due + timedelta(minutes=45))
    overdue_events = AuditEvent.objects.filter(verb="duty.overdue", scope=f"incident:{incident.pk}")
    # The CRRO's three "immediately" duties are each overdue once and fired rungs 0 and 1 once
    # (the fourth, the chief officer's, waits for the CSP Co-ordinator to be told).
    assert overdue_events.count() == 3
    assert LadderRung.objects.filter(duty__incident=incident).count() == 6
    escalated = AuditEvent.objects.filter(verb="duty.escalated", scope=f"incident:{incident.pk}")
    assert escalated.count() == 6


def test_after_downtime_every_due_rung_fires_once(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    duty = factories.duty(incident, "inform-csp-coordinator")
    escalation_run(now=duty.due_at + timedelta(hours=3))
    duty.refresh_from_db()
    assert duty.state == DutyState.ESCALATED
    assert [r.index for r in duty.rungs.all()] == [0, 1, 2, 3]
    assert [r.audience for r in duty.rungs.all()] == [
        "role:crro",
        "deputy:crro",
        "role:csp_coordinator",
        "role:gold_group",
    ]


def test_completing_stops_the_ladder(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    duty = factories.duty(incident, "inform-rec")
    escalation_run(now=duty.due_at)
    services.duty_complete(actor=demo["crro"], duty_id=duty.pk, message="REC informed, late.")
    escalation_run(now=duty.due_at + timedelta(hours=3))
    duty.refresh_from_db()
    assert duty.state == DutyState.DONE
    assert duty.rungs.count() == 1
    assert duty.overdue_at is not None


def test_waiving_stops_the_ladder(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    factories.duty_done(incident, "inform-csp-coordinator", by=demo["crro"], message="Told.")
    duty = factories.duty(incident, "inform-operational-staff")
    escalation_run(now=duty.due_at + timedelta(minutes=1))
    services.duty_waive(
        actor=demo["coordinator"], duty_id=duty.pk, reason="Staff briefed in person."
    )
    escalation_run(now=duty.due_at + timedelta(days=5))
    assert duty.rungs.count() == 1


def test_stale_calls_change_nothing(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    duty = factories.duty(incident, "inform-rec")
    assert (
        services.duty_mark_overdue(duty_id=duty.pk, now=duty.due_at - timedelta(minutes=1)) is False
    )
    assert services.duty_escalate(duty_id=duty.pk, now=duty.due_at + timedelta(hours=9)) == 0
    services.duty_complete(actor=demo["crro"], duty_id=duty.pk, message="Done on time.")
    assert (
        services.duty_mark_overdue(duty_id=duty.pk, now=duty.due_at + timedelta(hours=1)) is False
    )
    duty.refresh_from_db()
    assert duty.state == DutyState.DONE


def test_next_due_is_the_earliest_pending_deadline_or_rung(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    first = min(d.due_at for d in incident.duties.filter(state=DutyState.PENDING))
    assert escalation_next_due() == first
    escalation_run(now=first)
    rung_at = Duty.objects.filter(state=DutyState.OVERDUE).order_by("next_rung_at").first()
    assert rung_at is not None
    assert escalation_next_due() == rung_at.next_rung_at
