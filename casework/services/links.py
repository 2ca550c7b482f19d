"""A new incident against the same person: its case follows the victim's case closed within the
partnership's repeat window (linked, on both incidents' timelines, the lead officer and the
co-ordinator told), and the co-ordinator may choose to reopen the closed case instead."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from casework.models import Case, CaseLink, CaseState
from casework.services.retention import REMOVED
from conference.models import IncidentPerson, Person
from escalation.models import Incident
from notifications.models import Purpose
from notifications.services import notify
from partnership.audiences import Audience
from partnership.errors import ConflictError
from partnership.models import Member, Role
from partnership.permissions import require
from partnership.scopes import Scope
from partnership.timeline import audit_record

VICTIM = IncidentPerson.Involvement.VICTIM


def _victims(incident: Incident) -> list[Person]:
    return list(
        Person.objects.filter(
            pk__in=IncidentPerson.objects.filter(incident=incident, involvement=VICTIM).values(
                "person_id"
            )
        )
    )


def _tell(case: Case, earlier: Case, person: Person, *, sender: Member | None) -> None:
    audiences = [Audience.role(Role.CSP_COORDINATOR)]
    if case.lead_officer_id is not None:
        audiences.insert(0, Audience.member(case.lead_officer_id))
    closed = f"{timezone.localtime(earlier.closed_at):%d %B %Y}" if earlier.closed_at else ""
    notify(
        audiences=audiences,
        title=f"{case.reference} follows closed case {earlier.reference}: the same victim "
        f"({person.reference})",
        body=(
            f"Incident {case.incident.reference} is against {person.reference}, the victim of "
            f"case {earlier.reference}, closed on {closed} ({earlier.get_outcome_display()}). "
            f"Read the earlier case before contacting the victim. The CSP Co-ordinator may "
            f"reopen {earlier.reference} instead, from its page."
        ),
        purposes=[Purpose.COORDINATION],
        cause=f"case:{case.pk}:follows:{earlier.pk}",
        subject=case,
        scope=Scope.incident(case.incident_id),
        sender=sender,
    )


def case_links_make(
    case: Case, *, actor: Member | None, people: Iterable[Person] | None = None
) -> list[CaseLink]:
    """Link an open ``case`` to the closed cases of its victims (or of ``people``) closed within
    the partnership's repeat window before its incident happened (or since). The caller holds
    the transaction that opened the case or linked the victim."""
    window = timedelta(days=case.partnership.repeat_window_days)
    since = case.incident.occurred_at - window
    now = timezone.now()
    links = []
    for person in people if people is not None else _victims(case.incident):
        incidents = IncidentPerson.objects.filter(person=person, involvement=VICTIM).values(
            "incident_id"
        )
        earlier_cases = (
            Case.objects.filter(
                incident_id__in=incidents, state=CaseState.CLOSED, closed_at__gte=since
            )
            .exclude(pk=case.pk)
            .select_related("incident")
            .order_by("closed_at", "pk")
        )
        for earlier in earlier_cases:
            link, created = CaseLink.objects.get_or_create(
                case=case, earlier=earlier, defaults={"person": person, "linked_at": now}
            )
            if not created:
                continue
            changes = {"person_id": person.pk, "case": case.reference, "earlier": earlier.reference}
            audit_record(
                actor=actor,
                verb="case.linked",
                subject=case,
                scope=Scope.incident(case.incident_id),
                changes=changes,
            )
            audit_record(
                actor=actor,
                verb="case.followed",
                subject=earlier,
                scope=Scope.incident(earlier.incident_id),
                changes=changes,
            )
            _tell(case, earlier, person, sender=actor)
            links.append(link)
    return links


def case_on_person_linked(
    incident: Incident, person: Person, involvement: str, actor: Member
) -> None:
    """A victim linked to an incident that is an open case (registered with ``conference``; runs
    in the link's transaction)."""
    if involvement != VICTIM:
        return
    case = Case.objects.filter(incident=incident, state=CaseState.OPEN).first()
    if case is not None:
        case_links_make(case, actor=actor, people=[person])


@transaction.atomic
def case_reopen(*, actor: Member, case_id: int, reason: str) -> Case:
    """The co-ordinator reopens a closed case (a new incident against the same victim, say): it
    is reviewed at the casework group's next meeting, and its lead officer is told."""
    case: Case = (
        Case.objects.select_for_update(of=("self",)).select_related("incident").get(pk=case_id)
    )
    require(actor, "case.manage", case)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the case is reopened."})
    if not can_proceed(case.reopen):
        raise ConflictError("This case is open.")
    if case.victim_view == REMOVED:
        raise ConflictError(
            "This case's words were removed under retention: work the new case instead."
        )
    outcome = case.outcome
    case.reopen()
    case.save()
    audit_record(
        actor=actor,
        verb="case.reopened",
        subject=case,
        scope=Scope.incident(case.incident_id),
        changes={"reason": reason.strip(), "outcome_before": outcome},
    )
    if case.lead_officer_id is not None and case.lead_officer_id != actor.pk:
        notify(
            audiences=[Audience.member(case.lead_officer_id)],
            title=f"{case.reference} is reopened: you lead it again",
            body=f"{actor} reopened case {case.reference}: {reason.strip()}\nThe casework "
            "group reviews it at its next meeting.",
            purposes=[Purpose.COORDINATION],
            cause=f"case:{case.pk}:reopened:{timezone.now().timestamp()}",
            subject=case,
            scope=Scope.incident(case.incident_id),
            sender=actor,
        )
    return case
