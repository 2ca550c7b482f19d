"""A new incident against the same person: its case follows the victim's case closed within
the partnership's repeat window (on both timelines, the lead officer and the co-ordinator told),
and the co-ordinator may reopen the closed case instead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from casework import selectors, services
from casework.models import Case, CaseLink, CaseState
from conference import services as conference_services
from conference.models import Person
from escalation import services as escalation_services
from escalation.models import Incident
from notifications.models import Notification
from partnership.errors import ConflictError
from partnership.models import AuditEvent, Member
from tests import factories

pytestmark = pytest.mark.django_db


def _case_of(
    demo: dict[str, Member], *, victim: Person | None, involvement: str = "victim"
) -> Case:
    incident = factories.incident()
    if victim is not None:
        conference_services.incident_person_link(
            actor=demo["coordinator"], incident=incident, person=victim, involvement=involvement
        )
    escalation_services.incident_determine(
        officer=demo["officer"], incident_id=incident.pk, is_major=False, rationale="Not major."
    )
    return Case.objects.get(incident=incident)


def _closed(demo: dict[str, Member], victim: Person) -> Case:
    case = _case_of(demo, victim=victim)
    services.case_close(
        actor=demo["coordinator"], case_id=case.pk, outcome="resolved", victim_view="Safe now."
    )
    return case


@pytest.fixture
def lead(demo: dict[str, Member]) -> Member:
    officer = demo["member"]
    assert officer.agency is not None
    services.case_rule_add(
        actor=demo["coordinator"], lead_agency=officer.agency, lead_officer=officer
    )
    return officer


def test_a_new_incident_against_the_victim_of_a_closed_case_links_it_and_tells_the_lead(
    demo: dict[str, Member], lead: Member
) -> None:
    victim = factories.person(by=demo["coordinator"])
    earlier = _closed(demo, victim)
    new = _case_of(demo, victim=victim)
    link = CaseLink.objects.get(case=new)
    assert (link.earlier, link.person) == (earlier, victim)
    told = Notification.objects.filter(idempotency_key__startswith=f"case:{new.pk}:follows:")
    assert {n.recipient.username for n in told} >= {lead.username, "coordinator"}
    assert {n.title for n in told} == {
        f"{new.reference} follows closed case {earlier.reference}: the same victim "
        f"({victim.reference})"
    }
    assert AuditEvent.objects.filter(verb="case.linked", scope=f"incident:{new.incident_id}")
    assert AuditEvent.objects.filter(verb="case.followed", scope=f"incident:{earlier.incident_id}")
    # The earlier case stays closed: linking is not reopening.
    earlier.refresh_from_db()
    assert earlier.state == CaseState.CLOSED


def test_a_victim_linked_to_an_open_case_later_links_it_a_witness_does_not(
    demo: dict[str, Member], lead: Member
) -> None:
    victim = factories.person(by=demo["coordinator"])
    earlier = _closed(demo, victim)
    witness_case = _case_of(demo, victim=victim, involvement="witness")
    assert not CaseLink.objects.filter(case=witness_case).exists()
    new = _case_of(demo, victim=None)
    assert not CaseLink.objects.filter(case=new).exists()
    conference_services.incident_person_link(
        actor=demo["member"], incident=new.incident, person=victim
    )
    assert CaseLink.objects.get(case=new).earlier == earlier


def test_a_case_closed_before_the_repeat_window_is_not_linked(
    demo: dict[str, Member], lead: Member
) -> None:
    victim = factories.person(by=demo["coordinator"])
    earlier = _closed(demo, victim)
    window = earlier.partnership.repeat_window_days
    Case.objects.filter(pk=earlier.pk).update(closed_at=timezone.now() - timedelta(days=window + 2))
    new = _case_of(demo, victim=victim)
    assert not CaseLink.objects.filter(case=new).exists()


def test_the_coordinator_may_reopen_a_closed_case_which_goes_to_the_next_review(
    demo: dict[str, Member], lead: Member, client_for: Any
) -> None:
    victim = factories.person(by=demo["coordinator"])
    earlier = _closed(demo, victim)
    with pytest.raises(PermissionDenied):  # the co-ordinator chooses, not the lead officer
        services.case_reopen(actor=lead, case_id=earlier.pk, reason="New incident.")
    page = client_for("coordinator").post(
        f"/cases/{earlier.pk}/reopen/", {"reason": "Targeted again; same perpetrators."}
    )
    assert page.status_code == 302
    earlier.refresh_from_db()
    assert earlier.state == CaseState.OPEN
    assert earlier.closed_at is None
    assert earlier in selectors.cases_due_for_review(
        earlier.partnership_id, on=timezone.localdate()
    )
    assert Notification.objects.filter(
        recipient=lead, title=f"{earlier.reference} is reopened: you lead it again"
    ).exists()
    assert AuditEvent.objects.filter(
        verb="case.reopened", scope=f"incident:{earlier.incident_id}"
    ).exists()
    with pytest.raises(ConflictError):
        services.case_reopen(actor=demo["coordinator"], case_id=earlier.pk, reason="Again.")
    assert Incident.objects.filter(pk=earlier.incident_id).exists()
