"""Escalation that pages the right person, once (issue 14): a step waiting on another is not
escalated nor counted against its owner (the one it waits for is); one message per person per run
of the ladder however many roles and steps reach them; compliance counts an open step past its
due time as missed."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.utils import timezone

from escalation import services
from escalation.jobs import escalation_run
from escalation.models import Duty, DutyState, Incident
from notifications.models import LadderRung, Notification
from partnership.models import AuditEvent, Member
from review.compliance import compliance_across, incident_compliance
from tests import factories

CRRO_STEPS = ("inform-rec", "inform-csp-coordinator", "tell-safeguarding-steps")
WAITING_STEPS = ("notify-chief-officer", "inform-operational-staff", "partnership-report")


def _ladder_messages(incident_pk: int) -> list[Notification]:
    return list(
        Notification.objects.filter(
            scope=f"incident:{incident_pk}", idempotency_key__regex=r"^duty:[0-9]+:rung:"
        ).select_related("recipient")
    )


def test_a_backdated_declaration_pages_each_person_once(demo: dict[str, Member]) -> None:
    # Decided two and a half hours ago, recorded now: every "immediately" step is long overdue.
    # Before this change the same run sent 12 ladder messages (the co-ordinator 5, two of them
    # for the chief officer's step, which waits for the CRRO); now one each.
    incident = factories.incident_declared(at=timezone.now() - timedelta(hours=2, minutes=30))
    escalation_run(timezone.now())
    messages = _ladder_messages(incident.pk)
    per_person = Counter(n.recipient.username for n in messages)
    assert per_person == {"crro": 1, "ppc": 1, "coordinator": 1}

    by = {n.recipient.username: n for n in messages}
    crro = by["crro"]
    assert crro.title == f"{incident.reference}: 3 protocol steps are overdue"
    for step in CRRO_STEPS:
        assert factories.duty(incident, step).description in crro.body
    assert crro.body.count("It is yours: please do it now.") == 3
    assert "the protocol asks you to inform the racial equality council immediately" in (
        crro.body.lower()
    )
    assert by["ppc"].body.count("You stand in for its owner") == 3  # the CRRO's deputy
    coordinator = by["coordinator"].body
    assert coordinator.count("It is for the Community and Race Relations Officer (Ravi") == 3
    # The chief officer's step waits for the CRRO's: not escalated, not the co-ordinator's miss.
    for step in WAITING_STEPS:
        waiting = factories.duty(incident, step)
        assert waiting.state == DutyState.WAITING
        assert not LadderRung.objects.filter(duty=waiting).exists()
        assert waiting.description not in coordinator

    # Compliance: the three open steps past their due time are missed, the waiting ones are not.
    rows = {r["step"]: r for r in incident_compliance(incident)}
    for step in CRRO_STEPS:
        assert rows[step]["outcome"] == "missed"
        assert rows[step]["by"].endswith("late, not yet done")
    for step in WAITING_STEPS:
        assert rows[step]["outcome"] == "open"
    across = compliance_across(Incident.objects.filter(pk=incident.pk))
    steps = {s["step"]: s for s in across["steps"]}
    assert (steps["inform-rec"]["missed"], steps["inform-rec"]["share_met"]) == (1, 0.0)
    assert (steps["notify-chief-officer"]["open"], steps["notify-chief-officer"]["missed"]) == (
        1,
        0,
    )


def test_a_step_waiting_on_a_late_one_gets_the_time_its_owner_was_owed(
    demo: dict[str, Member],
) -> None:
    incident = factories.incident_declared(at=timezone.now() - timedelta(hours=2, minutes=30))
    chief = factories.duty(incident, "notify-chief-officer")
    assert chief.due_at < timezone.now()  # an hour after the decision: 1 h 30 min ago
    # The CRRO tells the co-ordinator 1 h 30 min late.
    told = factories.duty_done(
        incident, "inform-csp-coordinator", by=demo["crro"], message="Told."
    ).completed_at
    assert told is not None
    chief.refresh_from_db()
    assert chief.state == DutyState.PENDING
    # Counted from when the co-ordinator was told: "immediately" gives them the hour it gives
    # anyone, not a step already late.
    assert chief.due_at == told + timedelta(hours=1)
    assert chief.due_explanation.endswith(
        "(from when “Inform the Community Safety Partnership Co-ordinator” was done)"
    )
    ready = AuditEvent.objects.get(verb="duty.ready", subject_id=str(chief.pk))
    assert ready.changes["after"] == "inform-csp-coordinator"

    escalation_run(timezone.now())
    assert not LadderRung.objects.filter(duty=chief).exists()
    rows = {r["step"]: r for r in incident_compliance(incident)}
    assert rows["inform-csp-coordinator"]["outcome"] == "missed"
    assert rows["notify-chief-officer"]["outcome"] == "open"

    # Once it is late by its own due time, its own ladder runs: the co-ordinator is asked to do
    # it, once, though the rung for the CSP Co-ordinator would reach them again.
    escalation_run(chief.due_at + timedelta(hours=3))
    chief.refresh_from_db()
    assert chief.state == DutyState.ESCALATED
    assert [r.index for r in chief.rungs.all()] == [0, 1, 2, 3]
    to_coordinator = Notification.objects.filter(
        recipient=demo["coordinator"], idempotency_key__startswith=f"duty:{chief.pk}:rung:"
    )
    assert to_coordinator.count() == 1
    assert "It is yours: please do it now." in to_coordinator.get().body


def test_a_waived_step_lets_the_ones_waiting_for_it_go(demo: dict[str, Member]) -> None:
    incident = factories.incident_declared()
    services.duty_waive(
        actor=demo["coordinator"],
        duty_id=factories.duty(incident, "inform-csp-coordinator").pk,
        reason="The co-ordinator was in the room.",
    )
    states = dict(
        Duty.objects.filter(incident=incident, step_code__in=WAITING_STEPS).values_list(
            "step_code", "state"
        )
    )
    assert set(states.values()) == {DutyState.PENDING}
