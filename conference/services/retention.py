"""Retention: personal data of closed cases is removed once it is past the retention period.

What goes: victims' names and contact details, narratives, free-text messages, replies,
research and what was said in conference rooms about them (in the room's record and in the
frozen minutes, whose hashes still verify: ``conference.minutes.free_text_remove``). What
stays: the structure (ids, states, times, risk levels, who did what) and the whole audit
timeline, which never held personal details, so it still verifies afterwards. Running it twice
changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from conference.minutes import free_text_remove
from conference.models import (
    Action,
    AgendaItem,
    IncidentPerson,
    MinutesVersion,
    Person,
    Referral,
    ResearchContribution,
    RoomEntry,
)
from escalation.models import Incident, IncidentState
from escalation.services import incidents_personal_data_remove
from notifications.selectors import notifications_about
from notifications.services import notifications_personal_data_remove
from partnership.models import Partnership
from partnership.scopes import Scope
from partnership.timeline import audit_record

REMOVED = "[removed under retention]"


@dataclass
class RetentionReport:
    incidents: int = 0
    people: int = 0
    notifications: int = 0
    referrals: int = 0
    research: int = 0
    room_entries: int = 0
    actions: int = 0
    minutes_versions: int = 0
    # Records of higher apps (casework's cases, reports and shared information).
    other: int = 0


# Steps a higher app adds (registered at start-up): given a partnership, its cutoff and whether
# this is a dry run, remove that app's personal data older than the cutoff; how many records.
RetentionStep = Callable[[Partnership, datetime, bool], int]
_STEPS: list[RetentionStep] = []


def retention_step_register(step: RetentionStep) -> None:
    if step not in _STEPS:
        _STEPS.append(step)


def _incidents_due(partnership: Partnership, cutoff: datetime) -> list[int]:
    return list(
        Incident.objects.filter(
            partnership=partnership, state=IncidentState.CLOSED, closed_at__lt=cutoff
        )
        .exclude(description=REMOVED)
        .values_list("pk", flat=True)
    )


def _people_due(partnership: Partnership, cutoff: datetime) -> list[int]:
    """People whose every incident is closed and past retention, whose referrals are all heard or
    closed and old enough, and whose actions are finished."""
    candidates = Person.objects.filter(
        partnership=partnership, anonymised_at__isnull=True, created_at__lt=cutoff
    )
    due = []
    for person in candidates:
        incidents = Incident.objects.filter(
            pk__in=IncidentPerson.objects.filter(person=person).values("incident_id")
        )
        if incidents.exclude(state=IncidentState.CLOSED, closed_at__lt=cutoff).exists():
            continue
        referrals = Referral.objects.filter(person=person)
        if referrals.exclude(state__in=("heard", "closed"), created_at__lt=cutoff).exists():
            continue
        if Action.objects.filter(
            referral__person=person, state__in=("open", "overdue", "escalated")
        ).exists():
            continue
        due.append(person.pk)
    return due


@transaction.atomic
def retention_apply(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Apply each partnership's retention period to its own cases; the report adds them up."""
    total = RetentionReport()
    for partnership in Partnership.objects.order_by("pk"):
        report = _partnership_apply(partnership, now=now or timezone.now(), dry_run=dry_run)
        for field, value in asdict(report).items():
            setattr(total, field, getattr(total, field) + value)
    if dry_run:
        transaction.set_rollback(True)
    return total


def _partnership_apply(
    partnership: Partnership, *, now: datetime, dry_run: bool
) -> RetentionReport:
    cutoff = now - timedelta(days=partnership.retention_days)
    report = RetentionReport()
    incident_ids = _incidents_due(partnership, cutoff)
    person_ids = _people_due(partnership, cutoff)
    report.incidents, report.people = len(incident_ids), len(person_ids)
    referral_ids = list(
        Referral.objects.filter(person_id__in=person_ids).values_list("pk", flat=True)
    )
    item_ids = list(
        AgendaItem.objects.filter(referral_id__in=referral_ids).values_list("pk", flat=True)
    )
    scopes = [Scope.incident(pk) for pk in incident_ids] + [Scope.person(pk) for pk in person_ids]
    action_ids = [
        str(pk)
        for pk in Action.objects.filter(referral_id__in=referral_ids).values_list("pk", flat=True)
    ]
    # Everything said about the case: its own scopes, and actions agreed for it at conferences.
    notifications = notifications_about(
        scopes=scopes, subject_type="conference.action", subject_ids=action_ids
    ).exclude(body=REMOVED)
    research = ResearchContribution.objects.filter(agenda_item_id__in=item_ids).filter(
        ~Q(facts=REMOVED)
    )
    entries = RoomEntry.objects.filter(agenda_item_id__in=item_ids).filter(~Q(text=REMOVED))
    actions = Action.objects.filter(referral_id__in=referral_ids).filter(~Q(description=REMOVED))
    minutes = [
        version
        for version in MinutesVersion.objects.filter(
            conference__agenda__referral_id__in=referral_ids
        ).distinct()
        if free_text_remove(version.content, referral_ids=set(referral_ids)) != version.content
    ]
    report.minutes_versions = len(minutes)
    report.notifications = notifications.count()
    report.referrals = len(referral_ids)
    report.research, report.room_entries, report.actions = (
        research.count(),
        entries.count(),
        actions.count(),
    )
    # Higher apps count (and, unless this is a dry run, remove) their own records.
    report.other = sum(step(partnership, cutoff, dry_run) for step in _STEPS)
    if dry_run:
        return report

    # Other apps' records go through their own services.
    incidents_personal_data_remove(incident_ids=incident_ids, removed=REMOVED)
    notifications_personal_data_remove(
        scopes=scopes, subject_type="conference.action", subject_ids=action_ids, removed=REMOVED
    )
    for person in Person.objects.filter(pk__in=person_ids):
        Person.objects.filter(pk=person.pk).update(
            full_name=f"{person.reference} (removed)",
            known_as="",
            date_of_birth=None,
            safe_contact="",
            address="",
            anonymised_at=timezone.now(),
        )
    Referral.objects.filter(pk__in=referral_ids).update(
        summary=REMOVED, consent_notes="", raised_reason=""
    )
    research.update(facts=REMOVED, opinion=REMOVED, withheld=REMOVED, withheld_reason=REMOVED)
    entries.update(text=REMOVED)
    actions.update(description=REMOVED, outcome=REMOVED)
    # Frozen minutes keep their hashes: the free text goes, its own hash stays in its place.
    for version in minutes:
        MinutesVersion.objects.filter(pk=version.pk).update(
            content=free_text_remove(version.content, referral_ids=set(referral_ids))
        )
    if any(asdict(report).values()):
        audit_record(
            actor=None,
            verb="retention.applied",
            subject_type="retention",
            subject_id=cutoff.date().isoformat(),
            changes={
                **asdict(report),
                "partnership_id": partnership.pk,
                "cutoff": cutoff,
                "incident_ids": incident_ids,
                "person_ids": person_ids,
            },
        )
    return report
